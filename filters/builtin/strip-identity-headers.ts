import type { Filter } from '../types.js';
import type { BuiltinFilterDeps } from './deps.js';

/** Headers only the gateway may set; whatever a client sends under these names is dropped. */
const ALWAYS_STRIPPED = ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'forwarded', 'x-real-ip', 'x-on-behalf-of'];

/**
 * Removes identity headers a client sent. Also removes every header the client named in
 * `Connection`: a client that sends `Connection: authorization` would otherwise have a
 * hop-by-hop-aware hop drop the gateway's own token header.
 */
export function stripIdentityHeadersFilter(deps: BuiltinFilterDeps): Filter {
  const fixed = new Set([deps.tokenHeader, ...deps.identityHeaders.map((h) => h.toLowerCase()), ...ALWAYS_STRIPPED]);
  return {
    name: 'strip-identity-headers',
    phase: 'before',
    priority: 100,
    why: 'a client must never choose the identity an engine sees',
    run(ctx) {
      const headers = ctx.request.headers;
      // a request carries a handful of headers, the list can be long: walk the request's
      for (const header in headers) if (fixed.has(header)) ctx.removeHeaders.add(header);
      const connection = headers.connection;
      if (connection) {
        for (const name of String(connection).split(',')) {
          const header = name.trim().toLowerCase();
          if (header && header !== 'upgrade' && header !== 'keep-alive' && header !== 'close') ctx.removeHeaders.add(header);
        }
        ctx.removeHeaders.add('connection');
      }
    },
  };
}
