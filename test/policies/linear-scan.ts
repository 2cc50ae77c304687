import { conclude, type AppliedRule, type PolicyDecision } from '../../policies/decide.js';
import { ALL, operationLineage, type OperationRegistry } from '../../policies/operations.js';
import { resolvePrincipals, type PolicyRule, type ResourceInstance } from '../../policies/rule.js';
import { scopeTier } from '../../policies/scopes.js';
import type { Subject } from '../../policies/subject.js';

/**
 * The reference engine: look at every rule, every time. Used as the oracle in property tests
 * (the indexed engine must agree with it) and as the baseline in test/bench/policy.ts.
 */
export function decideByLinearScan(
  rules: readonly PolicyRule[],
  operations: OperationRegistry,
  subject: Subject,
  instance: ResourceInstance,
  operation: string,
): PolicyDecision {
  const levels = operation === ALL ? [ALL] : [...operationLineage(operation), ALL];
  const applied: AppliedRule[] = [];
  for (const rule of rules) {
    if (rule.resource !== instance.resource || !levels.includes(rule.operation)) continue;
    const matchedAs = matches(rule, subject, instance);
    if (matchedAs) applied.push({ rule, matchedAs, tier: scopeTier(rule.scope), via: rule.operation });
  }
  return conclude(applied, operations, subject, instance, operation, levels);
}

function matches(rule: PolicyRule, subject: Subject, instance: ResourceInstance): string | undefined {
  switch (rule.scope) {
    case 'USER':
      return resolvePrincipals(rule.users, instance.variables).includes(subject.loginId) ? `user '${subject.loginId}'` : undefined;
    case 'GROUP': {
      // roles and groups are the same thing: a rule's groups and roles, the subject's groups then roles
      const names = [...resolvePrincipals(rule.groups, instance.variables), ...resolvePrincipals(rule.roles, instance.variables)];
      const g = subject.groups.find((x) => names.includes(x));
      if (g !== undefined) return `group '${g}'`;
      const r = subject.roles.find((x) => names.includes(x));
      return r !== undefined ? `role '${r}'` : undefined;
    }
    case 'ASSIGNEE':
      return instance.assignee !== undefined && instance.assignee === subject.loginId ? 'assignee' : undefined;
    case 'PROCESS_STARTER':
      return instance.starter !== undefined && instance.starter === subject.loginId ? 'process starter' : undefined;
    case 'OTHERS':
      return 'anyone';
  }
}
