import { isIP } from 'node:net';
import { AccessOptionError } from '../access-errors.js';
import { normalizeAddress } from './address.js';
import { ipv4ToNumber, ipv6ToHextets } from './ip-parse.js';

/**
 * Names an operator may write instead of ranges. Each stands for the ranges listed;
 * `private` covers RFC 1918 and unique-local IPv6, the usual home of reverse proxies.
 */
export const ADDRESS_PRESETS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  loopback: ['127.0.0.0/8', '::1/128'],
  private: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
});

/**
 * A set of addresses and CIDR ranges, IPv4 and IPv6, with IPv4-mapped IPv6 understood on
 * both sides (an entry `::ffff:10.0.0.0/104` is the IPv4 range `10.0.0.0/8`).
 */
export interface AddressSet {
  has(address: string): boolean;
  /** the entries as configured, for logs and explanations */
  readonly entries: readonly string[];
  readonly size: number;
}

interface V4Range {
  network: number;
  mask: number;
}
interface V6Range {
  network: Uint16Array;
  prefix: number;
}

/**
 * Build the set once at start-up. A bad entry throws `OPTIONS_INVALID` naming `<path>[i]`,
 * so a typo in a trusted-proxy list cannot silently trust nobody (or everybody).
 * Matching is plain bit arithmetic on the normalised address (no allocation for IPv4).
 */
export function createAddressSet(entries: readonly string[], path = 'addresses'): AddressSet {
  if (!Array.isArray(entries)) throw new AccessOptionError(path, 'must be a list of addresses or CIDR ranges');
  const v4: V4Range[] = [];
  const v6: V6Range[] = [];
  entries.forEach((entry, index) => {
    const where = `${path}[${index}]`;
    if (typeof entry !== 'string') throw new AccessOptionError(where, 'must be a string');
    const preset = ADDRESS_PRESETS[entry.trim().toLowerCase()];
    for (const range of preset ?? [entry]) addRange(v4, v6, range, where);
  });
  const frozen = Object.freeze([...entries]);
  return {
    entries: frozen,
    size: frozen.length,
    has(address: string): boolean {
      const normal = normalizeAddress(address);
      if (normal === undefined) return false;
      if (isIP(normal) === 4) {
        if (v4.length === 0) return false;
        const value = ipv4ToNumber(normal);
        for (const r of v4) if (((value & r.mask) >>> 0) === r.network) return true;
        return false;
      }
      if (v6.length === 0) return false;
      const hextets = ipv6ToHextets(normal);
      for (const r of v6) if (inV6(hextets, r)) return true;
      return false;
    },
  };
}

function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

function inV6(address: Uint16Array, range: V6Range): boolean {
  let bits = range.prefix;
  for (let i = 0; i < 8 && bits > 0; i++, bits -= 16) {
    const mask = bits >= 16 ? 0xffff : (0xffff << (16 - bits)) & 0xffff;
    if ((address[i]! & mask) !== (range.network[i]! & mask)) return false;
  }
  return true;
}

function addRange(v4: V4Range[], v6: V6Range[], range: string, where: string): void {
  const text = range.trim();
  const slash = text.indexOf('/');
  const rawAddress = slash === -1 ? text : text.slice(0, slash);
  const rawPrefix = slash === -1 ? undefined : text.slice(slash + 1);
  if (rawAddress.includes('%')) throw new AccessOptionError(where, `"${range}" must not carry a zone id`);
  const family = isIP(rawAddress);
  if (family === 0) throw new AccessOptionError(where, `"${range}" is not an IP address or CIDR range`);
  let prefix = family === 4 ? 32 : 128;
  if (rawPrefix !== undefined) {
    if (!/^\d{1,3}$/.test(rawPrefix) || Number(rawPrefix) > prefix) {
      throw new AccessOptionError(where, `"${range}" has a prefix length outside 0..${prefix}`);
    }
    prefix = Number(rawPrefix);
  }
  const address = normalizeAddress(rawAddress)!;
  if (isIP(address) === 4) {
    // an IPv4-mapped IPv6 range: only its last 32 bits can vary as IPv4
    if (family === 6 && prefix < 96) throw new AccessOptionError(where, `"${range}" maps IPv4 but its prefix is shorter than 96`);
    const bits = family === 6 ? prefix - 96 : prefix;
    const mask = maskOf(bits);
    v4.push({ network: (ipv4ToNumber(address) & mask) >>> 0, mask });
    return;
  }
  v6.push({ network: ipv6ToHextets(address), prefix });
}
