import type { Decision } from '@portcullis/policies/reasons.js';
import { createAddressSet } from '../client-ip/address-set.js';
import { normalizeAddress } from '../client-ip/address.js';

/** Switched on with no list, only the machine itself may call. */
export const DEFAULT_ALLOWED = Object.freeze(['127.0.0.1', '::1']);

export interface IpAllowListOptions {
  /** addresses, CIDR ranges or presets (`loopback`, `private`, `linklocal`); empty or absent: 127.0.0.1 and ::1 */
  allow?: readonly string[];
}

export interface IpAllowList {
  readonly entries: readonly string[];
  /** allowed, or denied with reason `ip-denied` naming the address and why */
  decide(address: string): Decision;
}

/** Build an allow list once at start-up; a bad entry throws `OPTIONS_INVALID` with its path. */
export function createIpAllowList(options: IpAllowListOptions = {}, path = 'ipAllowList'): IpAllowList {
  const entries = options.allow && options.allow.length > 0 ? options.allow : DEFAULT_ALLOWED;
  const set = createAddressSet(entries, `${path}.allow`);
  return {
    entries: set.entries,
    decide(address: string): Decision {
      if (normalizeAddress(address) === undefined) {
        return deny(address, 'the client address could not be decided');
      }
      if (set.has(address)) {
        return { allowed: true, reason: { code: 'allowed', message: 'client address is on the allow list', detail: { clientAddress: address } } };
      }
      return deny(address, 'the client address is not on the allow list');
    },
  };
}

function deny(address: string, why: string): Decision {
  return {
    allowed: false,
    reason: { code: 'ip-denied', message: `client address ${address} is not allowed`, detail: { clientAddress: address, why } },
  };
}
