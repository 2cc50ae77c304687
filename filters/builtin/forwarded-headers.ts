import type { Filter } from '../types.js';
import type { BuiltinFilterDeps } from './deps.js';

/**
 * Sets X-Forwarded-For / -Proto / -Host from what the gateway decided, not from what the
 * client wrote: the chain carries the decided client address followed by the real peer
 * when they differ (the peer being a trusted proxy).
 */
export function forwardedHeadersFilter(deps: BuiltinFilterDeps): Filter {
  return {
    name: 'forwarded-headers',
    phase: 'before',
    priority: 200,
    why: 'the engine learns the real client address, scheme and host',
    run(ctx) {
      const peer = normalizePeer(ctx.request.socket.remoteAddress ?? '');
      ctx.upstreamHeaders['x-forwarded-for'] = peer && peer !== ctx.clientAddress ? `${ctx.clientAddress}, ${peer}` : ctx.clientAddress;
      ctx.upstreamHeaders['x-forwarded-proto'] = deps.forwardedProto(ctx);
      const host = ctx.request.headers.host;
      if (host) ctx.upstreamHeaders['x-forwarded-host'] = host;
    },
  };
}

function normalizePeer(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
