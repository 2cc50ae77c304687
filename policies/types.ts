/**
 * The shapes of a policy document once validated, as plain types: the engine's core
 * (compile, rules, scopes) uses these, so importing it needs neither zod nor yaml; only
 * `schema.ts` and `document.ts` (the `@portcullis/policies/document` subpath) do.
 */

export const POLICY_SCOPES = ['USER', 'GROUP', 'PROCESS_STARTER', 'ASSIGNEE', 'OTHERS'] as const;
export type PolicyScope = (typeof POLICY_SCOPES)[number];
export const POLICY_PERMISSIONS = ['ALLOW', 'DENY'] as const;
export type PolicyPermission = (typeof POLICY_PERMISSIONS)[number];

/** `alice, bob, ${approvers}` or `[alice, '#{approvers}']` */
export type PrincipalListInput = string | string[];

export interface PolicyRuleInput {
  scope: PolicyScope;
  operation: string;
  permission: PolicyPermission;
  users?: PrincipalListInput | undefined;
  groups?: PrincipalListInput | undefined;
  /** the same as `groups`: roles and groups are one thing to the engine */
  roles?: PrincipalListInput | undefined;
  description?: string | undefined;
}

/** A user task of a process: its own candidates and rules, which apply to the task only. */
export interface PolicyTaskDocument {
  name?: string | undefined;
  description?: string | undefined;
  candidateUsers?: PrincipalListInput | undefined;
  candidateGroups?: PrincipalListInput | undefined;
  rules: PolicyRuleInput[];
}

export interface PolicyResourceDocument {
  kind?: string | undefined;
  description?: string | undefined;
  candidateStarterUsers?: PrincipalListInput | undefined;
  candidateStarterGroups?: PrincipalListInput | undefined;
  candidateUsers?: PrincipalListInput | undefined;
  candidateGroups?: PrincipalListInput | undefined;
  rules: PolicyRuleInput[];
  /** user tasks of a process (kind `process`, implied when tasks are given) */
  tasks?: Record<string, PolicyTaskDocument> | undefined;
}

export type OperationDefinitionInput = string | { name: string; whitelist: boolean };

export interface PolicyDocument {
  version: 1;
  operations: OperationDefinitionInput[];
  resources: Record<string, PolicyResourceDocument>;
}
