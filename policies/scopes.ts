import type { PolicyScope } from './types.js';

/**
 * Scope strength, strongest first. The strongest tier in which at least one rule applies to
 * the subject decides; weaker tiers are not consulted. Within a tier the most specific
 * operation decides, and at the same operation DENY beats ALLOW.
 *
 *   1. USER             — the rule names this user
 *   2. ASSIGNEE,        — the subject is the resource's assignee / its starter (owner);
 *      PROCESS_STARTER    one tier: if a user is both and the rules disagree, DENY
 *   3. GROUP            — the rule names one of the subject's groups or roles
 *   4. OTHERS           — everyone; applies only when no stronger tier has a rule that applies
 *
 * This order reproduces the seed model: user over group, assignee over group, group over others.
 */
export const SCOPE_TIERS: readonly (readonly PolicyScope[])[] = Object.freeze([
  Object.freeze(['USER'] as const),
  Object.freeze(['ASSIGNEE', 'PROCESS_STARTER'] as const),
  Object.freeze(['GROUP'] as const),
  Object.freeze(['OTHERS'] as const),
]);

const TIER_OF: Readonly<Record<PolicyScope, number>> = Object.freeze({
  USER: 0,
  ASSIGNEE: 1,
  PROCESS_STARTER: 1,
  GROUP: 2,
  OTHERS: 3,
});

/** 0 is the strongest */
export function scopeTier(scope: PolicyScope): number {
  return TIER_OF[scope];
}

/** true when `a` is strictly stronger than `b` */
export function strongerScope(a: PolicyScope, b: PolicyScope): boolean {
  return TIER_OF[a] < TIER_OF[b];
}
