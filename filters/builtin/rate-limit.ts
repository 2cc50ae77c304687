import type { Filter, FilterContext } from '../types.js';
import type { BuiltinFilterDeps } from './deps.js';
import { FilterOptionsError } from './options-error.js';
import { LocalWindowCounters, RateLimiter } from '../rate-limiter.js';

/**
 * Per-route request limit: at most `max` requests per `windowSeconds` for one client address
 * (`by: client`, the default) or one user (`by: user`; callers without a session count by
 * address). Over the limit the request is refused with `rate-limited` (429, `Retry-After`).
 * Counts with the gateway's one `RateLimiter`, in the gateway's store when it lends one (Redis:
 * shared by every gateway, atomically), else in this process, bounded to `maxKeys` windows.
 */
export const RATE_LIMIT_DEFAULTS = Object.freeze({ windowSeconds: 60, by: 'client' as 'client' | 'user', maxKeys: 100_000 });

export function rateLimitFilter(options: Record<string, unknown>, deps: Pick<BuiltinFilterDeps, 'counters'> = {}, now: () => number = Date.now): Filter {
  const known = ['max', 'windowSeconds', 'by', 'maxKeys'];
  const unknown = Object.keys(options).find((k) => !known.includes(k));
  if (unknown) throw new FilterOptionsError(`options.${unknown}`, 'unknown option');
  const max = options.max;
  if (!Number.isInteger(max) || (max as number) < 1) throw new FilterOptionsError('options.max', 'must be a whole number of requests, at least 1');
  const windowSeconds = options.windowSeconds ?? RATE_LIMIT_DEFAULTS.windowSeconds;
  if (!Number.isInteger(windowSeconds) || (windowSeconds as number) < 1) throw new FilterOptionsError('options.windowSeconds', 'must be a whole number of seconds, at least 1');
  const by = options.by ?? RATE_LIMIT_DEFAULTS.by;
  if (by !== 'client' && by !== 'user') throw new FilterOptionsError('options.by', "must be 'client' or 'user'");
  const maxKeys = options.maxKeys ?? RATE_LIMIT_DEFAULTS.maxKeys;
  if (!Number.isInteger(maxKeys) || (maxKeys as number) < 1) throw new FilterOptionsError('options.maxKeys', 'must be a whole number, at least 1');

  const limiter = new RateLimiter({
    max: max as number,
    windowSeconds: windowSeconds as number,
    counters: deps.counters ?? new LocalWindowCounters(maxKeys as number, now),
  });
  const limit = limiter.max;
  const window = limiter.windowSeconds;

  const keyOf = (ctx: FilterContext): string =>
    by === 'user' && ctx.subject ? `user:${ctx.subject.loginId}` : `client:${ctx.clientAddress}`;

  return {
    name: 'rate-limit',
    phase: 'access',
    priority: 60,
    why: `at most ${limit} request${limit === 1 ? '' : 's'} per ${window} s for each ${by === 'user' ? 'user' : 'client address'}`,
    async run(ctx) {
      const key = `ratelimit:${ctx.route.name}:${keyOf(ctx)}`;
      const { allowed, retryAfterSeconds: retryAfter } = await limiter.hit(key);
      if (!allowed) {
        return {
          refuse: {
            code: 'rate-limited',
            message: `too many requests; at most ${limit} per ${window} seconds`,
            detail: { retryAfterSeconds: retryAfter, limit, windowSeconds: window, by },
          },
        };
      }
    },
  };
}
