import type { PolicyPermission, PolicyScope } from './types.js';

/**
 * A list of principals as a rule holds it after compilation: literal names and `${variable}`
 * references resolved per decision from the resource instance's variables.
 */
export interface PrincipalList {
  readonly names: readonly string[];
  readonly variables: readonly string[];
}

export const NO_PRINCIPALS: PrincipalList = Object.freeze({ names: Object.freeze([]), variables: Object.freeze([]) });

/** Where a rule came from: a document's rule, or a candidate shorthand that produced it. */
export interface RuleSource {
  document: string;
  /** e.g. `resources.invoice.rules[2]` or `resources.invoice.candidateStarterGroups` */
  path: string;
  origin: 'rule' | 'candidateStarterUsers' | 'candidateStarterGroups' | 'candidateUsers' | 'candidateGroups' | 'candidates' | 'api';
  /** where the rule is written in a BPMN file (1-based) */
  line?: number;
  column?: number;
  /** index in the resource's `rules`, for document rules */
  index?: number;
}

export interface PolicyRule {
  /** unique within a policy: `<document>#<path>` */
  readonly id: string;
  /** the element it is attached to: a resource or process name, or `process/task` for a task */
  readonly resource: string;
  readonly scope: PolicyScope;
  readonly operation: string;
  readonly permission: PolicyPermission;
  readonly users: PrincipalList;
  readonly groups: PrincipalList;
  /** kept apart from `groups` only to show the rule as written; matched the same way */
  readonly roles: PrincipalList;
  readonly description?: string;
  readonly source: RuleSource;
}

/**
 * The instance a decision is about. Only `resource` is required. For a task, `resource` is its
 * process definition and `task` the task's key in it; `starter` is the process instance's.
 */
export interface ResourceInstance {
  /** the resource or process definition name in the policy, e.g. `invoice` */
  resource: string;
  /** a user task of that process, by its key (the BPMN `userTask` id) */
  task?: string | undefined;
  /** its owner: the user that started the process instance */
  starter?: string;
  /** the user the task is assigned to */
  assignee?: string;
  /** variables that `${name}` expressions in rules read */
  variables?: Readonly<Record<string, unknown>>;
}

export function hasVariables(list: PrincipalList): boolean {
  return list.variables.length > 0;
}

/** The names a list stands for on this instance; a missing variable stands for no one. */
export function resolvePrincipals(list: PrincipalList, variables: Readonly<Record<string, unknown>> | undefined): string[] {
  if (list.variables.length === 0) return list.names as string[];
  const out = list.names.slice();
  for (const v of list.variables) {
    const value = variables && Object.prototype.hasOwnProperty.call(variables, v) ? variables[v] : undefined;
    if (typeof value === 'string') out.push(...splitNames(value));
    else if (Array.isArray(value)) for (const item of value) if (typeof item === 'string') out.push(...splitNames(item));
  }
  return out;
}

export function splitNames(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
