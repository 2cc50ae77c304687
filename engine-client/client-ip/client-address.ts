import { AccessOptionError } from '../access-errors.js';
import { createAddressSet, type AddressSet } from './address-set.js';
import { normalizeAddress, parseForwardedEntry } from './address.js';

/** What stands in for an address that cannot be known; it matches no allow list entry. */
export const UNKNOWN_ADDRESS = 'unknown';

export interface ClientAddressOptions {
  /** peers whose `X-Forwarded-For` is believed: addresses, CIDR ranges, or `loopback`/`private`/`linklocal` */
  trustedProxies?: readonly string[];
  /** header to read; default `x-forwarded-for` */
  header?: string;
  /** characters of the header looked at, from the right; default 2048 */
  maxHeaderLength?: number;
  /** entries looked at, from the right; default 16 */
  maxHops?: number;
}

/**
 * How the address was decided:
 * - `socket`: the peer itself (no trusted proxy in between, or the proxy sent no header)
 * - `forwarded`: the first untrusted entry of `X-Forwarded-For`, read from the right
 * - `unknown`: a trusted proxy's chain could not be read to its end (a malformed entry,
 *   or more trusted hops than `maxHops`); the address is `unknown` and matches no allow list
 */
export interface ClientAddressDecision {
  address: string;
  source: 'socket' | 'forwarded' | 'unknown';
  /** the normalised socket peer */
  peer: string;
  /** trusted proxies the request passed, nearest first */
  proxies: string[];
  /** why the decision is `unknown` */
  problem?: 'no-peer' | 'malformed-entry' | 'too-many-hops';
}

export type HeaderBag = Record<string, string | string[] | undefined>;

export type ClientAddressResolver = (socketAddress: string | undefined, headers: HeaderBag) => ClientAddressDecision;

export const CLIENT_ADDRESS_DEFAULTS = Object.freeze({
  header: 'x-forwarded-for',
  maxHeaderLength: 2048,
  maxHops: 16,
});

/**
 * Build the one function that decides a request's client address.
 *
 * The socket peer is the client unless it is a trusted proxy. Then `X-Forwarded-For` (all
 * of its header lines, in order) is read from the right, each trusted proxy is skipped, and
 * the first untrusted entry is the client: entries further left were written by that
 * untrusted party and could say anything. With no trusted proxies the header is ignored.
 * When every entry is a trusted proxy, the leftmost one is the client (an internal caller).
 */
export function createClientAddressResolver(options: ClientAddressOptions = {}, path = 'clientAddress'): ClientAddressResolver {
  const trusted = createAddressSet(options.trustedProxies ?? [], `${path}.trustedProxies`);
  const header = (options.header ?? CLIENT_ADDRESS_DEFAULTS.header).toLowerCase();
  const maxHeaderLength = positiveInt(options.maxHeaderLength, CLIENT_ADDRESS_DEFAULTS.maxHeaderLength, `${path}.maxHeaderLength`);
  const maxHops = positiveInt(options.maxHops, CLIENT_ADDRESS_DEFAULTS.maxHops, `${path}.maxHops`);
  return (socketAddress, headers) => decide(socketAddress, headers, { trusted, header, maxHeaderLength, maxHops });
}

interface Settings {
  trusted: AddressSet;
  header: string;
  maxHeaderLength: number;
  maxHops: number;
}

function decide(socketAddress: string | undefined, headers: HeaderBag, s: Settings): ClientAddressDecision {
  const peer = normalizeAddress(socketAddress);
  if (peer === undefined) return { address: UNKNOWN_ADDRESS, source: 'unknown', peer: UNKNOWN_ADDRESS, proxies: [], problem: 'no-peer' };
  if (s.trusted.size === 0 || !s.trusted.has(peer)) return { address: peer, source: 'socket', peer, proxies: [] };

  const { entries, truncated } = forwardedEntries(headers[s.header], s.maxHeaderLength);
  const proxies = [peer];
  if (entries.length === 0) {
    // a proxy that sent no header made the request itself; one that sent only an overlong blob did not say
    return truncated ? unknown(peer, proxies, 'malformed-entry') : { address: peer, source: 'socket', peer, proxies: [] };
  }

  let leftmost = peer;
  for (let i = entries.length - 1, hops = 0; i >= 0; i--, hops++) {
    if (hops >= s.maxHops) return unknown(peer, proxies, 'too-many-hops');
    const address = parseForwardedEntry(entries[i]!);
    // A trusted proxy wrote this entry; if it is unreadable we cannot tell who is behind it,
    // and skipping it would hand the choice to whoever wrote the entries further left.
    if (address === undefined) return unknown(peer, proxies, 'malformed-entry');
    if (!s.trusted.has(address)) return { address, source: 'forwarded', peer, proxies };
    proxies.push(address);
    leftmost = address;
  }
  // Every entry is a trusted proxy. If the header was cut we do not know where it started.
  if (truncated) return unknown(peer, proxies, 'too-many-hops');
  proxies.pop();
  return { address: leftmost, source: 'forwarded', peer, proxies };
}

function unknown(peer: string, proxies: string[], problem: ClientAddressDecision['problem']): ClientAddressDecision {
  return { address: UNKNOWN_ADDRESS, source: 'unknown', peer, proxies, problem };
}

/**
 * The comma-separated entries of every header line, in order. Only the rightmost
 * `maxLength` characters are read (the entries that matter are on the right); a partial
 * entry at the cut is dropped.
 */
function forwardedEntries(value: string | string[] | undefined, maxLength: number): { entries: string[]; truncated: boolean } {
  if (value === undefined) return { entries: [], truncated: false };
  const lines = (Array.isArray(value) ? value : [value]).filter((line) => typeof line === 'string' && line.trim() !== '');
  let joined = lines.join(',');
  let truncated = false;
  if (joined.length > maxLength) {
    truncated = true;
    joined = joined.slice(joined.length - maxLength);
    const comma = joined.indexOf(',');
    joined = comma === -1 ? '' : joined.slice(comma + 1);
  }
  if (joined.trim() === '') return { entries: [], truncated };
  return { entries: joined.split(','), truncated };
}

function positiveInt(value: number | undefined, fallback: number, path: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw new AccessOptionError(path, 'must be a positive integer');
  return value;
}
