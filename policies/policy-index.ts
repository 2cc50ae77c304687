import type { Subject } from './subject.js';
import { resolvePrincipals, type PolicyRule, type ResourceInstance } from './rule.js';

/**
 * The rules of one resource and one operation, bucketed by scope and principal so a decision
 * looks up the subject's own name and groups instead of scanning every rule. Rules naming
 * `${variables}` are bucketed by variable name: each variable is resolved once per decision.
 */
export interface OperationBucket {
  readonly users: Map<string, PolicyRule[]>;
  /** a rule's groups and roles together: roles and groups are the same thing to the engine */
  readonly groups: Map<string, PolicyRule[]>;
  /** variable name → USER / GROUP rules naming `${variable}` among their users / groups / roles */
  readonly userVariables: Map<string, PolicyRule[]>;
  readonly groupVariables: Map<string, PolicyRule[]>;
  readonly assignee: PolicyRule[];
  readonly starter: PolicyRule[];
  readonly others: PolicyRule[];
}

/** resource → operation (as written in the rule, `ALL` included) → bucket */
export type PolicyIndex = Map<string, Map<string, OperationBucket>>;

export interface RuleMatch {
  rule: PolicyRule;
  /** how the rule reached the subject: `user 'alice'`, `group 'sales'`, `assignee`, ... */
  matchedAs: string;
  /** scope tier, 0 strongest (scopes.ts) */
  tier: number;
  /** the operation the rule names: the asked one, an ancestor module, or ALL */
  via: string;
}

/** Variables resolved during one decision: variable name → the names it stands for. */
export type VariableCache = Map<string, readonly string[]>;

export function buildIndex(rules: Iterable<PolicyRule>): PolicyIndex {
  const index: PolicyIndex = new Map();
  for (const rule of rules) {
    let byOperation = index.get(rule.resource);
    if (!byOperation) index.set(rule.resource, (byOperation = new Map()));
    let bucket = byOperation.get(rule.operation);
    if (!bucket) byOperation.set(rule.operation, (bucket = emptyBucket()));
    addRule(bucket, rule);
  }
  return index;
}

function emptyBucket(): OperationBucket {
  return {
    users: new Map(),
    groups: new Map(),
    userVariables: new Map(),
    groupVariables: new Map(),
    assignee: [],
    starter: [],
    others: [],
  };
}

function push(map: Map<string, PolicyRule[]>, key: string, rule: PolicyRule): void {
  const list = map.get(key);
  if (list) list.push(rule);
  else map.set(key, [rule]);
}

function addRule(bucket: OperationBucket, rule: PolicyRule): void {
  switch (rule.scope) {
    case 'USER':
      for (const u of rule.users.names) push(bucket.users, u, rule);
      for (const v of rule.users.variables) push(bucket.userVariables, v, rule);
      return;
    case 'GROUP':
      for (const g of [...rule.groups.names, ...rule.roles.names]) push(bucket.groups, g, rule);
      for (const v of [...rule.groups.variables, ...rule.roles.variables]) push(bucket.groupVariables, v, rule);
      return;
    case 'ASSIGNEE':
      bucket.assignee.push(rule);
      return;
    case 'PROCESS_STARTER':
      bucket.starter.push(rule);
      return;
    case 'OTHERS':
      bucket.others.push(rule);
      return;
  }
}

function add(out: RuleMatch[], start: number, rule: PolicyRule, matchedAs: string, tier: number, via: string): void {
  // one rule reached twice (two groups, a group and a role, a name and a variable) counts once
  for (let i = start; i < out.length; i++) if (out[i]!.rule === rule) return;
  out.push({ rule, matchedAs, tier, via });
}

function variable(cache: VariableCache, instance: ResourceInstance, name: string): readonly string[] {
  let names = cache.get(name);
  if (!names) cache.set(name, (names = resolvePrincipals({ names: [], variables: [name] }, instance.variables)));
  return names;
}

/**
 * Append to `out` the rules of `bucket` in scope tier `tier` (see scopes.ts) that apply to this
 * subject and instance; `via` is the operation level the bucket holds.
 */
export function matchTier(
  out: RuleMatch[],
  bucket: OperationBucket,
  tier: number,
  via: string,
  subject: Subject,
  instance: ResourceInstance,
  cache: VariableCache,
): void {
  const start = out.length;
  switch (tier) {
    case 0: {
      const direct = bucket.users.get(subject.loginId);
      if (direct) for (const r of direct) add(out, start, r, `user '${subject.loginId}'`, tier, via);
      for (const [name, rules] of bucket.userVariables) {
        if (variable(cache, instance, name).includes(subject.loginId)) for (const r of rules) add(out, start, r, `user '${subject.loginId}'`, tier, via);
      }
      return;
    }
    case 1: {
      if (bucket.groups.size > 0) {
        for (const g of subject.groups) {
          const rules = bucket.groups.get(g);
          if (rules) for (const r of rules) add(out, start, r, `group '${g}'`, tier, via);
        }
        for (const role of subject.roles) {
          const rules = bucket.groups.get(role);
          if (rules) for (const r of rules) add(out, start, r, `role '${role}'`, tier, via);
        }
      }
      for (const [name, rules] of bucket.groupVariables) {
        const names = variable(cache, instance, name);
        const g = subject.groups.find((x) => names.includes(x));
        const role = g === undefined ? subject.roles.find((x) => names.includes(x)) : undefined;
        if (g !== undefined) for (const r of rules) add(out, start, r, `group '${g}'`, tier, via);
        else if (role !== undefined) for (const r of rules) add(out, start, r, `role '${role}'`, tier, via);
      }
      return;
    }
    case 2:
      if (instance.starter !== undefined && instance.starter === subject.loginId) for (const r of bucket.starter) out.push({ rule: r, matchedAs: 'process starter', tier, via });
      return;
    case 3:
      if (instance.assignee !== undefined && instance.assignee === subject.loginId) for (const r of bucket.assignee) out.push({ rule: r, matchedAs: 'assignee', tier, via });
      return;
    case 4:
      for (const r of bucket.others) out.push({ rule: r, matchedAs: 'anyone', tier, via });
      return;
  }
}

/** Whether any rule of these buckets depends on the instance (starter, assignee, variables). */
export function dependsOnInstance(buckets: Iterable<OperationBucket | undefined>): boolean {
  for (const b of buckets) {
    if (!b) continue;
    if (b.starter.length > 0 || b.assignee.length > 0 || b.userVariables.size > 0 || b.groupVariables.size > 0) return true;
  }
  return false;
}
