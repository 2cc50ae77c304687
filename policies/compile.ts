import type { PolicyDocument, PolicyRuleInput, PolicyTaskDocument, PrincipalListInput } from './types.js';
import { ALL, canonicalOperation, OperationRegistry, type OperationDefinition } from './operations.js';
import { parsePrincipals } from './principals.js';
import { NO_PRINCIPALS, type PolicyRule, type PrincipalList, type RuleSource } from './rule.js';
import { Policy, elementKindOf, type PolicyResource } from './policy.js';
import { elementLabel, operationFitsElement, taskElementName, type ElementKind } from './elements.js';
import type { PolicyIssue } from './errors.js';

export interface NamedDocument {
  /** the name errors use, usually the file name */
  name: string;
  document: PolicyDocument;
  /** a BPMN file's positions: document path (`resources.p.rules[0]`) → line and column */
  positions?: ReadonlyMap<string, { line: number; column: number }>;
}

export interface CompileOptions {
  /**
   * `authorization.enabled`: false means candidates only, as the source document describes
   * switching the engine off: authorization tags (rules) are ignored, candidates still decide.
   */
  enabled?: boolean;
}

type CandidateKey = 'candidateStarterUsers' | 'candidateStarterGroups' | 'candidateUsers' | 'candidateGroups';

/**
 * Turn validated documents into a Policy. Operations registered by any document are known to
 * all of them. Every problem is collected; the caller refuses the whole set when there is one,
 * so a bad document never silently drops rules.
 *
 * Candidates are what the source document says they are ("Upgrading candidates"):
 * `candidateStarterGroups: g` on a process is `GROUP ALL ALLOW g` plus `OTHERS ALL DENY`, and
 * `candidateUsers` / `candidateGroups` on a task the same for the task.
 */
export function compileDocuments(
  docs: readonly NamedDocument[],
  extraOperations: Iterable<string | OperationDefinition> = [],
  options: CompileOptions = {},
): { policy?: Policy; issues: PolicyIssue[] } {
  const issues: PolicyIssue[] = [];
  const registry = new OperationRegistry();
  for (const d of extraOperations) registry.register(d);
  for (const { name, document, positions } of docs) {
    document.operations.forEach((def, i) => {
      try {
        registry.register(def);
      } catch (err) {
        issues.push(at(positions, { document: name, path: `operations[${i}]`, code: 'invalid', message: (err as Error).message }));
      }
    });
  }

  const resources: PolicyResource[] = [];
  const definedIn = new Map<string, string>();
  for (const { name: docName, document, positions } of docs) {
    for (const [resName, res] of Object.entries(document.resources)) {
      const base = `resources.${resName}`;
      const previous = definedIn.get(resName);
      if (previous !== undefined && previous !== docName) {
        issues.push(at(positions, { document: docName, path: base, code: 'duplicate', message: `'${resName}' is already defined in '${previous}'` }));
        continue;
      }
      definedIn.set(resName, docName);
      const kind: ElementKind = res.tasks !== undefined ? 'process' : elementKindOf(res);
      if (res.tasks !== undefined && res.kind !== undefined && res.kind !== 'process') {
        issues.push(at(positions, { document: docName, path: `${base}.tasks`, code: 'field-not-allowed', message: `only a process has tasks (kind is '${res.kind}')`, field: 'tasks' }));
      }
      const element = new ElementCompiler(docName, positions, registry, issues, options.enabled !== false);
      const rules = element.compile(resName, base, kind, res.rules, res);
      const taskKeys = Object.keys(res.tasks ?? {});
      resources.push({ name: resName, kind: kind === 'resource' ? res.kind : kind, description: res.description, rules, ...(kind === 'process' ? { tasks: taskKeys } : {}) });
      for (const [taskKey, task] of Object.entries(res.tasks ?? {})) {
        const taskName = taskElementName(resName, taskKey);
        const taskRules = element.compile(taskName, `${base}.tasks.${taskKey}`, 'task', task.rules, task);
        resources.push({ name: taskName, kind: 'task', description: task.description, rules: taskRules, process: resName });
      }
    }
  }
  if (issues.length > 0) return { issues };
  return { policy: new Policy(resources, registry), issues };
}

/** Compiles the rules and candidates of one process, task or resource. */
class ElementCompiler {
  constructor(
    readonly docName: string,
    readonly positions: NamedDocument['positions'],
    readonly registry: OperationRegistry,
    readonly issues: PolicyIssue[],
    readonly tagsEnabled: boolean,
  ) {}

  compile(
    element: string,
    base: string,
    kind: ElementKind,
    inputs: readonly PolicyRuleInput[],
    candidates: Partial<Record<CandidateKey, PrincipalListInput | undefined>> & Pick<PolicyTaskDocument, 'description'>,
  ): PolicyRule[] {
    const rules: PolicyRule[] = [];
    inputs.forEach((input, index) => {
      const path = `${base}.rules[${index}]`;
      const op = this.operation(input.operation, kind, `${path}.operation`, index, element);
      const users = this.principals(input.users, `${path}.users`, 'users', element, index);
      const groups = this.principals(input.groups, `${path}.groups`, 'groups', element, index);
      const roles = this.principals(input.roles, `${path}.roles`, 'roles', element, index);
      if (op === undefined || !this.tagsEnabled) return;
      const pos = this.positions?.get(path);
      rules.push(
        makeRule(element, input.scope, op, input.permission, {
          users,
          groups,
          roles,
          description: input.description,
          source: { document: this.docName, path, origin: 'rule', index, ...(pos ? { line: pos.line, column: pos.column } : {}) },
        }),
      );
    });

    const starters = kind !== 'task';
    const taskCandidates = kind !== 'process';
    const present = (k: CandidateKey) => candidates[k] !== undefined;
    for (const k of ['candidateStarterUsers', 'candidateStarterGroups', 'candidateUsers', 'candidateGroups'] as const) {
      const fits = k.startsWith('candidateStarter') ? starters : taskCandidates;
      if (present(k) && !fits) {
        this.issues.push(this.at({ document: this.docName, path: `${base}.${k}`, code: 'field-not-allowed', message: `${k} belongs on a ${k.startsWith('candidateStarter') ? 'process' : 'user task'}, not on a ${kind}`, field: k }));
      }
    }
    let anyCandidate = false;
    for (const k of ['candidateStarterUsers', 'candidateStarterGroups', 'candidateUsers', 'candidateGroups'] as const) {
      if (!present(k)) continue;
      const list = this.principals(candidates[k], `${base}.${k}`, k, element);
      if (list.names.length + list.variables.length === 0) continue;
      anyCandidate = true;
      const users = k.endsWith('Users');
      const source: RuleSource = { document: this.docName, path: `${base}.${k}`, origin: k };
      rules.push(makeRule(element, users ? 'USER' : 'GROUP', ALL, 'ALLOW', { ...(users ? { users: list } : { groups: list }), source, description: `${k} (candidates get every operation)` }));
    }
    if (anyCandidate) {
      rules.push(makeRule(element, 'OTHERS', ALL, 'DENY', { source: { document: this.docName, path: `${base}.candidates`, origin: 'candidates' }, description: 'everyone who is not a candidate' }));
    }
    return rules;
  }

  operation(name: string, kind: ElementKind, path: string, index: number, element: string): string | undefined {
    const rule = { resource: element, index };
    if (!this.registry.isKnown(name)) {
      this.issues.push(this.at({ document: this.docName, path, code: 'unknown-operation', message: `Not supported operation '${name}'`, field: 'operation', rule }));
      return undefined;
    }
    const op = canonicalOperation(name);
    if (!operationFitsElement(op, kind)) {
      const where = kind === 'process' ? 'is valid on a task only' : 'is valid on a process only';
      this.issues.push(this.at({ document: this.docName, path, code: 'operation-not-on-element', message: `Not supported ${elementLabel(kind)} operation '${op}': it ${where}`, field: 'operation', rule }));
      return undefined;
    }
    return op;
  }

  principals(input: PrincipalListInput | undefined, path: string, field: string, element: string, index?: number): PrincipalList {
    const parsed = parsePrincipals(input);
    if (parsed.ok) return parsed.list;
    this.issues.push(this.at({ document: this.docName, path, code: 'invalid-expression', message: parsed.message, field, ...(index === undefined ? {} : { rule: { resource: element, index } }) }));
    return NO_PRINCIPALS;
  }

  at(issue: PolicyIssue): PolicyIssue {
    return at(this.positions, issue);
  }
}

/** Attach the BPMN position of the issue's path, or of its nearest ancestor that has one. */
function at(positions: NamedDocument['positions'], issue: PolicyIssue): PolicyIssue {
  if (!positions || issue.line !== undefined) return issue;
  let path = issue.path;
  for (;;) {
    const pos = positions.get(path);
    if (pos) return { ...issue, line: pos.line, column: pos.column };
    const parent = path.replace(/(\.[^.[\]]+|\[\d+\])$/, '');
    if (parent === path || parent === '') return issue;
    path = parent;
  }
}

export function makeRule(
  resource: string,
  scope: PolicyRule['scope'],
  operation: string,
  permission: PolicyRule['permission'],
  extra: { users?: PrincipalList; groups?: PrincipalList; roles?: PrincipalList; description?: string | undefined; source: RuleSource; idSuffix?: string },
): PolicyRule {
  const id = `${extra.source.document}#${extra.source.path}${extra.idSuffix ? `/${extra.idSuffix}` : ''}`;
  return Object.freeze({
    id,
    resource,
    scope,
    operation,
    permission,
    users: extra.users ?? NO_PRINCIPALS,
    groups: extra.groups ?? NO_PRINCIPALS,
    roles: extra.roles ?? NO_PRINCIPALS,
    ...(extra.description === undefined ? {} : { description: extra.description }),
    source: Object.freeze(extra.source),
  });
}
