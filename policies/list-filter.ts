import type { Subject } from './subject.js';
import type { ResourceInstance } from './rule.js';
import type { Policy, PolicyResource } from './policy.js';
import { dependsOnInstance } from './policy-index.js';
import { PolicyError } from './errors.js';

/** One row of a list (a process instance or a task instance), with whatever else the caller keeps. */
export type ListEntry = ResourceInstance;

interface ElementPlan {
  element?: PolicyResource;
  /** the decision for every instance of the element, when no rule depends on the instance */
  fixed?: boolean;
  /** by `isStarter * 2 + isAssignee`, when only starter / assignee rules depend on it */
  byRole?: (boolean | undefined)[];
  /** variables are involved: decide each instance */
  perInstance?: boolean;
}

/**
 * The entries of `items` the subject may see: `operation` (LIST_PROCESS for process instances,
 * LIST_TASK for task instances) allowed on each. Decided once per element and, when starter or
 * assignee rules apply, once per (is starter, is assignee); only elements whose rules read
 * variables are decided instance by instance. So 10,000 instances of a few definitions cost a
 * few decisions, not 10,000. An entry naming an unknown process or task is left out: a list
 * never shows what the policy cannot vouch for.
 * @throws UnknownOperationError / OperationNotOnElementError (400) for a bad operation
 */
export function filterAllowed<T extends ListEntry>(policy: Policy, subject: Subject, items: readonly T[], operation: string): T[] {
  policy.assertOperation(operation);
  const plans = new Map<string, ElementPlan>();
  const out: T[] = [];
  for (const item of items) {
    const key = item.task === undefined ? item.resource : `${item.resource}\u0000${item.task}`;
    let plan = plans.get(key);
    if (!plan) plans.set(key, (plan = planFor(policy, subject, item, operation)));
    if (!plan.element) continue;
    let allowed: boolean | undefined = plan.fixed;
    if (allowed === undefined && plan.byRole) {
      const slot = (item.starter !== undefined && item.starter === subject.loginId ? 2 : 0) + (item.assignee !== undefined && item.assignee === subject.loginId ? 1 : 0);
      allowed = plan.byRole[slot];
      if (allowed === undefined) {
        allowed = policy.isAllowed(subject, { resource: item.resource, task: item.task, starter: slot & 2 ? subject.loginId : undefined, assignee: slot & 1 ? subject.loginId : undefined }, operation);
        plan.byRole[slot] = allowed;
      }
    }
    if (allowed === undefined) allowed = policy.isAllowed(subject, item, operation);
    if (allowed) out.push(item);
  }
  return out;
}

function planFor(policy: Policy, subject: Subject, item: ListEntry, operation: string): ElementPlan {
  let element: PolicyResource;
  try {
    element = policy.element(item);
  } catch (err) {
    if (err instanceof PolicyError && err.statusCode === 404) return {};
    throw err;
  }
  const op = policy.operationOn(element, operation);
  const index = policy.indexOf(element);
  const buckets = policy.levelsOf(op).map((level) => index?.get(level));
  if (!dependsOnInstance(buckets)) return { element, fixed: policy.isAllowed(subject, { resource: item.resource, task: item.task }, op) };
  const readsVariables = buckets.some((b) => b !== undefined && (b.userVariables.size > 0 || b.groupVariables.size > 0));
  return readsVariables ? { element, perInstance: true } : { element, byRole: [undefined, undefined, undefined, undefined] };
}
