import type { Filter } from '../types.js';
import type { BuiltinFilterDeps } from './deps.js';

/** Attaches the signed token the engine verifies. Runs last before the upstream call. */
export function attachTokenFilter(deps: BuiltinFilterDeps): Filter {
  const prefix = deps.tokenScheme ? deps.tokenScheme + ' ' : '';
  return {
    name: 'attach-token',
    phase: 'before',
    priority: 900,
    why: 'the engine gets a signed token for the caller and this route',
    run(ctx) {
      if (!ctx.caller) return;
      const token = deps.tokenFor(ctx);
      if (typeof token === 'string') {
        ctx.upstreamHeaders[deps.tokenHeader] = prefix + token;
        return;
      }
      return token.then((t) => {
        ctx.upstreamHeaders[deps.tokenHeader] = prefix + t;
      });
    },
  };
}
