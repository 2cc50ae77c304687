import type { Filter } from '../types.js';
import { FilterOptionsError } from './options-error.js';

/**
 * One audit line per request the chain lets through to the engine: route, method, path
 * (without the query string, which may carry secrets), who (login, authenticator, level) and
 * from where. Refusals are logged where they are turned into responses. Runs last in the
 * `before` phase, so only admitted requests are audited.
 */
export function auditFilter(options: Record<string, unknown>): Filter {
  const unknown = Object.keys(options).find((k) => k !== 'level');
  if (unknown) throw new FilterOptionsError(`options.${unknown}`, 'unknown option');
  const level = options.level ?? 'info';
  if (level !== 'info' && level !== 'warn' && level !== 'debug') throw new FilterOptionsError('options.level', "must be 'info', 'warn' or 'debug'");
  return {
    name: 'audit',
    phase: 'before',
    priority: 990,
    why: 'every admitted request leaves an audit line (who, what, from where)',
    run(ctx) {
      const q = ctx.request.url.indexOf('?');
      const audit = {
        route: ctx.route.name,
        method: ctx.request.method,
        path: q === -1 ? ctx.request.url : ctx.request.url.slice(0, q),
        user: ctx.subject?.loginId ?? null,
        authenticator: ctx.subject?.authenticator ?? null,
        level: ctx.subject?.level ?? null,
        client: ctx.clientAddress,
      };
      ctx.request.log[level as 'info' | 'warn' | 'debug']({ audit }, 'request admitted');
    },
  };
}
