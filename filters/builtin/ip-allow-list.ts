import { createIpAllowList } from '@portcullis/engine-client/ip-allow-list';
import type { Filter } from '../types.js';
import { FilterOptionsError } from './options-error.js';

/**
 * Per-route IP allow list: `options.allow` lists addresses, CIDR ranges or presets
 * (`loopback`, `private`, `linklocal`); absent or empty means 127.0.0.1 and ::1 only. The
 * address is the one the gateway decided (socket, or X-Forwarded-For from trusted proxies).
 * Runs first in the access phase, so a refused address is never sent to the login page.
 */
export function ipAllowListFilter(options: Record<string, unknown>): Filter {
  const allow = options.allow;
  if (allow !== undefined && (!Array.isArray(allow) || !allow.every((e) => typeof e === 'string'))) {
    throw new FilterOptionsError('options.allow', 'must be a list of addresses or CIDR ranges');
  }
  const unknown = Object.keys(options).filter((k) => k !== 'allow');
  if (unknown.length > 0) throw new FilterOptionsError(`options.${unknown[0]}`, 'unknown option');
  let list;
  try {
    list = createIpAllowList({ allow: allow as string[] | undefined }, 'options');
  } catch (err) {
    throw new FilterOptionsError((err as { path?: string }).path ?? 'options.allow', 'is not an address or CIDR range', { cause: err });
  }
  return {
    name: 'ip-allow-list',
    phase: 'access',
    priority: 50,
    decidesAccess: true,
    why: `only ${list.entries.join(', ')} may use this route`,
    run(ctx) {
      const decision = list.decide(ctx.clientAddress);
      if (!decision.allowed) return { refuse: decision.reason };
    },
  };
}
