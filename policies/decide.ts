import { allow, deny, type Decision } from './reasons.js';
import type { Subject } from './subject.js';
import type { PolicyRule, ResourceInstance } from './rule.js';
import { ALL, operationLineage, type OperationRegistry } from './operations.js';
import { SCOPE_TIERS } from './scopes.js';
import { taskElementName } from './elements.js';
import { matchTier, type OperationBucket, type RuleMatch, type VariableCache } from './policy-index.js';

/** A rule that applies to the subject, how it reached them, its tier and operation level. */
export type AppliedRule = RuleMatch;

/** Why a decision came out as it did. */
export interface Explanation {
  resource: string;
  operation: string;
  subject: string;
  /** every rule that applies to this subject, operation and instance: strongest tier first, most specific operation first */
  applied: AppliedRule[];
  /** the rules that decided (every applying rule of the strongest scope); empty when the default decided */
  deciding: AppliedRule[];
  basis: 'rule' | 'default';
  /** one sentence, safe to show the caller */
  why: string;
}

export interface PolicyDecision extends Decision {
  explanation: Explanation;
}

/**
 * Decide one operation for a subject on an element instance, given the element's rules
 * bucketed by operation. The strongest scope with an applying rule decides (USER, GROUP,
 * PROCESS_STARTER, ASSIGNEE, OTHERS: scopes.ts); in it DENY beats ALLOW, whether the rules name
 * the operation, a parent module of it, or ALL ("with contradictory authorizations of the same
 * scope, DENY permissions are always stronger"). No rule → the default: allowed, except
 * whitelist operations (START_PROCESS and those registered so), which are denied.
 */
export function decideIndexed(
  byOperation: Map<string, OperationBucket> | undefined,
  operations: OperationRegistry,
  subject: Subject,
  instance: ResourceInstance,
  operation: string,
  levels: readonly string[] = operationLevels(operation),
): PolicyDecision {
  const applied: AppliedRule[] = [];
  const cache: VariableCache = new Map();
  if (byOperation && byOperation.size > 0) {
    for (let tier = 0; tier < SCOPE_TIERS.length; tier++) {
      for (const via of levels) {
        const bucket = byOperation.get(via);
        if (!bucket) continue;
        matchTier(applied, bucket, tier, via, subject, instance, cache);
      }
    }
  }
  return conclude(applied, operations, subject, instance, operation, levels);
}

/**
 * The same verdict as decideIndexed without building the explanation: scopes strongest first,
 * stopping at the first that has an applying rule. For hot paths (list filters, guards).
 */
export function allowedIndexed(
  byOperation: Map<string, OperationBucket> | undefined,
  operations: OperationRegistry,
  subject: Subject,
  instance: ResourceInstance,
  operation: string,
  levels: readonly string[],
): boolean {
  if (byOperation && byOperation.size > 0) {
    const buckets: OperationBucket[] = [];
    for (const via of levels) {
      const bucket = byOperation.get(via);
      if (bucket) buckets.push(bucket);
    }
    if (buckets.length > 0) {
      const cache: VariableCache = new Map();
      const found: AppliedRule[] = [];
      for (let tier = 0; tier < SCOPE_TIERS.length; tier++) {
        for (let i = 0; i < buckets.length; i++) matchTier(found, buckets[i]!, tier, levels[i]!, subject, instance, cache);
        if (found.length > 0) {
          for (const a of found) if (a.rule.permission === 'DENY') return false;
          return true;
        }
      }
    }
  }
  return !operations.isWhitelist(operation);
}

/** The operation levels a rule may name to concern `operation`, most specific first: itself, its parent modules, ALL. */
export function operationLevels(operation: string): string[] {
  return operation === ALL ? [ALL] : [...operationLineage(operation), ALL];
}

/** Shared by the indexed engine and any other way of finding the applied rules. */
export function conclude(
  applied: AppliedRule[],
  operations: OperationRegistry,
  subject: Subject,
  instance: ResourceInstance,
  operation: string,
  levels: readonly string[] = operationLevels(operation),
): PolicyDecision {
  const base = { resource: instance.task === undefined ? instance.resource : taskElementName(instance.resource, instance.task), operation, subject: subject.loginId, applied };
  if (applied.length === 0) {
    if (operations.isWhitelist(operation)) {
      const why = `${operation} is denied unless a rule allows it, and no rule allows it for '${subject.loginId}'`;
      return withExplanation(deny('forbidden', why), { ...base, deciding: [], basis: 'default', why });
    }
    const why = `no rule applies to '${subject.loginId}' for ${operation}; operations are allowed unless a rule denies them`;
    return withExplanation(allow(why), { ...base, deciding: [], basis: 'default', why });
  }

  // the strongest tier that has a rule decides; in it any DENY wins
  let tier = Infinity;
  for (const a of applied) if (a.tier < tier) tier = a.tier;
  const deciding: AppliedRule[] = [];
  let denyCount = 0;
  for (const a of applied) {
    if (a.tier !== tier) continue;
    deciding.push(a);
    if (a.rule.permission === 'DENY') denyCount++;
  }
  // sorted so the explanation names the same rule whatever order the rules were written in
  if (deciding.length > 1) deciding.sort((a, b) => (a.rule.id < b.rule.id ? -1 : a.rule.id > b.rule.id ? 1 : 0));
  const winner = (denyCount > 0 ? deciding.find((a) => a.rule.permission === 'DENY') : deciding[0])!;
  const why = sentence(winner, deciding.length, denyCount, applied.length, operation);
  const detail = { rule: winner.rule.id, scope: winner.rule.scope, resource: base.resource, operation };
  const decision = denyCount > 0 ? deny('forbidden', why, detail) : allow(why, detail);
  return withExplanation(decision, { ...base, deciding, basis: 'rule', why });
}

function withExplanation(d: Decision, explanation: Explanation): PolicyDecision {
  return { ...d, explanation };
}

function sentence(winner: AppliedRule, decidingCount: number, denyCount: number, appliedCount: number, operation: string): string {
  const r = winner.rule;
  const verb = r.permission === 'DENY' ? 'denies' : 'allows';
  const what = winner.via === operation ? operation : winner.via === ALL ? `ALL (covering ${operation})` : `${winner.via} (covering ${operation})`;
  let s = `${r.scope} rule ${r.id} ${verb} ${what} to ${winner.matchedAs}`;
  if (denyCount > 0 && denyCount < decidingCount) s += '; it contradicts an ALLOW in the same scope and DENY wins';
  const outranked = appliedCount - decidingCount;
  if (outranked > 0) s += `; ${outranked} other applying rule${outranked === 1 ? ' was' : 's were'} outranked by a stronger scope`;
  return s;
}

/** Rules of a resource that concern `operation`: the operation itself, its parent modules and ALL. */
export function rulesCovering(rules: readonly PolicyRule[], operation: string): PolicyRule[] {
  const levels = new Set(operationLevels(operation));
  return rules.filter((r) => levels.has(r.operation));
}
