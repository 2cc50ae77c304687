import type { Subject } from './subject.js';
import { hasVariables, resolvePrincipals, type PolicyRule, type ResourceInstance } from './rule.js';

/**
 * The rules of one resource and one operation, bucketed by scope and principal so a decision
 * looks up the subject's own name and groups instead of scanning every rule.
 */
export interface OperationBucket {
  readonly users: Map<string, PolicyRule[]>;
  readonly groups: Map<string, PolicyRule[]>;
  readonly roles: Map<string, PolicyRule[]>;
  /** USER / GROUP rules naming `${variables}`: resolved per decision, checked one by one */
  readonly dynamicUser: PolicyRule[];
  readonly dynamicGroup: PolicyRule[];
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
}

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
  return { users: new Map(), groups: new Map(), roles: new Map(), dynamicUser: [], dynamicGroup: [], assignee: [], starter: [], others: [] };
}

function push(map: Map<string, PolicyRule[]>, key: string, rule: PolicyRule): void {
  const list = map.get(key);
  if (list) list.push(rule);
  else map.set(key, [rule]);
}

function addRule(bucket: OperationBucket, rule: PolicyRule): void {
  switch (rule.scope) {
    case 'USER':
      if (hasVariables(rule.users)) bucket.dynamicUser.push(rule);
      else for (const u of rule.users.names) push(bucket.users, u, rule);
      return;
    case 'GROUP':
      if (hasVariables(rule.groups) || hasVariables(rule.roles)) bucket.dynamicGroup.push(rule);
      else {
        for (const g of rule.groups.names) push(bucket.groups, g, rule);
        for (const r of rule.roles.names) push(bucket.roles, r, rule);
      }
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

function add(out: RuleMatch[], rule: PolicyRule, matchedAs: string): void {
  for (const m of out) if (m.rule === rule) return; // one rule reached through two groups counts once
  out.push({ rule, matchedAs });
}

/** The rules of `bucket` in scope tier `tier` (see scopes.ts) that apply to this subject and instance. */
export function matchTier(bucket: OperationBucket, tier: number, subject: Subject, instance: ResourceInstance): RuleMatch[] {
  const out: RuleMatch[] = [];
  switch (tier) {
    case 0: {
      const direct = bucket.users.get(subject.loginId);
      if (direct) for (const r of direct) add(out, r, `user '${subject.loginId}'`);
      for (const r of bucket.dynamicUser) {
        if (resolvePrincipals(r.users, instance.variables).includes(subject.loginId)) add(out, r, `user '${subject.loginId}'`);
      }
      return out;
    }
    case 1:
      if (instance.assignee !== undefined && instance.assignee === subject.loginId) for (const r of bucket.assignee) add(out, r, 'assignee');
      if (instance.starter !== undefined && instance.starter === subject.loginId) for (const r of bucket.starter) add(out, r, 'process starter');
      return out;
    case 2: {
      if (bucket.groups.size > 0) {
        for (const g of subject.groups) {
          const rules = bucket.groups.get(g);
          if (rules) for (const r of rules) add(out, r, `group '${g}'`);
        }
      }
      if (bucket.roles.size > 0) {
        for (const role of subject.roles) {
          const rules = bucket.roles.get(role);
          if (rules) for (const r of rules) add(out, r, `role '${role}'`);
        }
      }
      for (const r of bucket.dynamicGroup) {
        const groups = resolvePrincipals(r.groups, instance.variables);
        const g = subject.groups.find((x) => groups.includes(x));
        if (g !== undefined) {
          add(out, r, `group '${g}'`);
          continue;
        }
        const roles = resolvePrincipals(r.roles, instance.variables);
        const role = subject.roles.find((x) => roles.includes(x));
        if (role !== undefined) add(out, r, `role '${role}'`);
      }
      return out;
    }
    case 3:
      for (const r of bucket.others) add(out, r, 'anyone');
      return out;
    default:
      return out;
  }
}
