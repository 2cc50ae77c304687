import { DEFAULT_PRIORITY, PHASES, type Filter, type FilterContext, type FilterOutcome, type FilterPhase, type StartConditions } from './types.js';
import type { Reason } from '@portcullis/policies/reasons.js';
import { FilterError } from './errors.js';

/** A route's filters, sorted once at start-up: by phase, then priority (lower first), then name. */
export interface Chain {
  readonly access: readonly Filter[];
  readonly before: readonly Filter[];
  readonly after: readonly Filter[];
  /** every filter in execution order */
  readonly ordered: readonly Filter[];
}

export class ChainError extends FilterError {
  constructor(message: string) {
    super('FILTER_CHAIN_INVALID', message);
  }
}

/** Decides whether a filter's start conditions hold; replaceable so richer conditions can plug in. */
export type ConditionCheck = (conditions: StartConditions, ctx: FilterContext) => boolean;

export function compareFilters(a: Filter, b: Filter): number {
  return (a.priority ?? DEFAULT_PRIORITY) - (b.priority ?? DEFAULT_PRIORITY) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

export function buildChain(filters: readonly Filter[]): Chain {
  const seen = new Set<string>();
  for (const filter of filters) {
    if (seen.has(filter.name)) throw new ChainError(`two filters are named '${filter.name}' in one chain`);
    seen.add(filter.name);
    if (!PHASES.includes(filter.phase)) throw new ChainError(`filter '${filter.name}' has an unknown phase '${filter.phase}'`);
  }
  const byPhase = (phase: FilterPhase) => Object.freeze(filters.filter((f) => f.phase === phase).sort(compareFilters));
  const access = byPhase('access');
  const before = byPhase('before');
  const after = byPhase('after');
  return Object.freeze({ access, before, after, ordered: Object.freeze([...access, ...before, ...after]) });
}

/** The built-in check: methods and path prefixes. */
export const basicConditionCheck: ConditionCheck = (conditions, ctx) => {
  if (conditions.methods && !conditions.methods.includes(ctx.request.method)) return false;
  if (conditions.pathPrefixes) {
    // the gateway's request target is canonical already; matching ignores case, as everywhere
    const path = ctx.request.url.split('?')[0]!.toLowerCase();
    if (!conditions.pathPrefixes.some((p) => path.startsWith(p.toLowerCase()))) return false;
  }
  return true;
};

/**
 * Run one phase. The first refusal stops the phase and is returned. While filters answer
 * synchronously the phase stays synchronous (no promise per request on the common path);
 * the first filter that answers a promise switches the rest of the phase to async.
 */
export function runPhase(
  filters: readonly Filter[],
  ctx: FilterContext,
  check: ConditionCheck = basicConditionCheck,
  from = 0,
): Reason | undefined | Promise<Reason | undefined> {
  for (let i = from; i < filters.length; i++) {
    const filter = filters[i]!;
    if (filter.conditions && !check(filter.conditions, ctx)) continue;
    const outcome = filter.run(ctx);
    if (outcome instanceof Promise) {
      return outcome.then((settled) => refusalOf(filter, settled) ?? runPhase(filters, ctx, check, i + 1));
    }
    const refused = refusalOf(filter, outcome);
    if (refused) return refused;
  }
  return undefined;
}

function refusalOf(filter: Filter, outcome: FilterOutcome): Reason | undefined {
  if (outcome && 'refuse' in outcome) return { ...outcome.refuse, detail: { ...outcome.refuse.detail, filter: filter.name } };
  return undefined;
}

/** Run a phase that must stay synchronous (the response phase runs inside a header rewrite). */
export function runPhaseSync(filters: readonly Filter[], ctx: FilterContext, check: ConditionCheck = basicConditionCheck): void {
  for (const filter of filters) {
    if (filter.conditions && !check(filter.conditions, ctx)) continue;
    const outcome = filter.run(ctx);
    if (outcome instanceof Promise) {
      outcome.catch((err) => ctx.request.log.error({ err, filter: filter.name }, 'an after-phase filter failed'));
    }
  }
}
