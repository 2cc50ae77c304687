import type { PolicyScope } from './types.js';

/**
 * Scope strength, strongest first, as the source document orders them ("the more specific the
 * scope, the stronger it is"). The strongest scope in which at least one rule applies to the
 * subject decides; weaker scopes are not consulted. Within that scope DENY beats ALLOW.
 *
 *   1. USER             — the rule names this user ("USER is stronger than GROUP")
 *   2. GROUP            — the rule names one of the subject's groups or roles (the same thing)
 *   3. PROCESS_STARTER  — the subject started the process instance ("a GROUP tag overrides a
 *                         PROCESS_STARTER tag for a starter who is in that group")
 *   4. ASSIGNEE         — the subject is the task's assignee
 *   5. OTHERS           — everyone; "the least priority"
 *
 * The document states 1 > 2, 2 > 3 and 5 last; it lists the scopes in this order, and no
 * example contradicts 3 > 4, so the listing order settles the one pair it does not state.
 */
export const SCOPE_TIERS: readonly (readonly PolicyScope[])[] = Object.freeze([
  Object.freeze(['USER'] as const),
  Object.freeze(['GROUP'] as const),
  Object.freeze(['PROCESS_STARTER'] as const),
  Object.freeze(['ASSIGNEE'] as const),
  Object.freeze(['OTHERS'] as const),
]);

const TIER_OF: Readonly<Record<PolicyScope, number>> = Object.freeze({
  USER: 0,
  GROUP: 1,
  PROCESS_STARTER: 2,
  ASSIGNEE: 3,
  OTHERS: 4,
});

/** 0 is the strongest */
export function scopeTier(scope: PolicyScope): number {
  return TIER_OF[scope];
}

/** true when `a` is strictly stronger than `b` */
export function strongerScope(a: PolicyScope, b: PolicyScope): boolean {
  return TIER_OF[a] < TIER_OF[b];
}
