import { z } from 'zod';

/**
 * A policy document (YAML or JSON): operations an application registers and, per resource,
 * the authorization rules and candidate shorthands. Structure only; the policy engine
 * (document.ts) checks operation names against the registry and compiles rules.
 *
 * ```yaml
 * operations: [ 'reports:export', { name: 'payroll:run', whitelist: true } ]
 * resources:
 *   invoice:
 *     kind: process
 *     candidateStarterGroups: sales, ${extraStarters}
 *     rules:
 *       - { scope: GROUP, operation: CANCEL_PROCESS, permission: DENY, groups: [interns] }
 *     tasks:
 *       approve: { candidateGroups: managers, rules: [{ scope: ASSIGNEE, operation: COMPLETE_TASK, permission: ALLOW }] }
 * ```
 */

import { POLICY_PERMISSIONS, POLICY_SCOPES, type PolicyDocument, type PolicyScope } from './types.js';

/** `alice, bob, ${approvers}` or `[alice, '${approvers}']` */
export const principalListSchema = z.union([z.string(), z.array(z.string().min(1))]);

const nonEmpty = (list: unknown): boolean => {
  if (list === undefined) return false;
  if (typeof list === 'string') return list.split(',').some((s) => s.trim().length > 0);
  if (Array.isArray(list)) return list.some((s) => typeof s !== 'string' || s.trim().length > 0);
  return true; // a wrong type is reported by the field's own schema
};

export const policyRuleSchema = z
  .strictObject({
    scope: z.enum(POLICY_SCOPES),
    operation: z.string().min(1),
    permission: z.enum(POLICY_PERMISSIONS),
    /** USER scope: login ids or `${variable}` expressions */
    users: principalListSchema.optional(),
    /** GROUP scope: group names or `${variable}` expressions */
    groups: principalListSchema.optional(),
    /** GROUP scope: roles count as group-level principals */
    roles: principalListSchema.optional(),
    /** free text shown in explanations */
    description: z.string().optional(),
  })
  .superRefine(
    (rule, ctx) => {
      // runs even when other fields failed, so one pass reports every problem of the rule
      if (!rule || typeof rule !== 'object' || !(POLICY_SCOPES as readonly string[]).includes(rule.scope)) return;
      if (rule.scope === 'USER' && !nonEmpty(rule.users)) {
        ctx.addIssue({ code: 'custom', path: ['users'], message: 'a USER rule needs users', params: { policyCode: 'principals-required' } });
      }
      if (rule.scope === 'GROUP' && !nonEmpty(rule.groups) && !nonEmpty(rule.roles)) {
        ctx.addIssue({ code: 'custom', path: ['groups'], message: 'a GROUP rule needs groups (or roles)', params: { policyCode: 'principals-required' } });
      }
      const misplaced = (['users', 'groups', 'roles'] as const).filter((f) => rule[f] !== undefined && !fieldFits(rule.scope, f));
      for (const f of misplaced) {
        ctx.addIssue({ code: 'custom', path: [f], message: `a ${rule.scope} rule does not take ${f}`, params: { policyCode: 'field-not-allowed' } });
      }
    },
    { when: () => true },
  );

function fieldFits(scope: PolicyScope, field: 'users' | 'groups' | 'roles'): boolean {
  if (scope === 'USER') return field === 'users';
  if (scope === 'GROUP') return field === 'groups' || field === 'roles';
  return false;
}

const elementKey = z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.:-]*$/, 'names use letters, digits, _ . : -');

/** A user task of a process: its candidates and rules apply to the task only. */
export const policyTaskSchema = z.strictObject({
  name: z.string().optional(),
  description: z.string().optional(),
  /** ALLOW ALL for these users/groups on the task, OTHERS DENY ALL for everyone else */
  candidateUsers: principalListSchema.optional(),
  candidateGroups: principalListSchema.optional(),
  rules: z.array(policyRuleSchema).default([]),
});

export const policyResourceSchema = z.strictObject({
  /** `process` (implied by `tasks`), `task`, or anything else (route, report, ...) */
  kind: z.string().min(1).optional(),
  description: z.string().optional(),
  /** on a process: ALLOW ALL for these users/groups, OTHERS DENY ALL for everyone else */
  candidateStarterUsers: principalListSchema.optional(),
  candidateStarterGroups: principalListSchema.optional(),
  /** on a task (kind: task, or a resource): the same */
  candidateUsers: principalListSchema.optional(),
  candidateGroups: principalListSchema.optional(),
  rules: z.array(policyRuleSchema).default([]),
  /** a process's user tasks by key */
  tasks: z.record(elementKey, policyTaskSchema).optional(),
});
export type PolicyResourceInput = z.input<typeof policyResourceSchema>;

export const operationDefinitionSchema = z.union([
  z.string().min(1),
  z.strictObject({
    name: z.string().min(1),
    /** denied unless a rule allows it */
    whitelist: z.boolean().default(false),
  }),
]);

export const policyDocumentSchema = z.strictObject({
  version: z.literal(1).default(1),
  operations: z.array(operationDefinitionSchema).default([]),
  resources: z.record(elementKey, policyResourceSchema).default({}),
});
export type PolicyDocumentInput = z.input<typeof policyDocumentSchema>;
// the hand-written type in types.ts must stay what the schema produces
const _sameShape: (d: z.infer<typeof policyDocumentSchema>) => PolicyDocument = (d) => d;
void _sameShape;
