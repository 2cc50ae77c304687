import { isIP, isIPv6 } from 'node:net';
import { hextetsToIPv6, ipv6ToHextets, isMappedIPv4, numberToIPv4 } from './ip-parse.js';

/**
 * One spelling per address, so that logs, allow lists and rate limits agree:
 * IPv6 lower-case and compressed, IPv4-mapped IPv6 (`::ffff:10.0.0.1`) turned into IPv4,
 * zone ids (`fe80::1%eth0`) dropped. Answers undefined for anything that is not an address.
 */
export function normalizeAddress(raw: string | undefined | null): string | undefined {
  if (typeof raw !== 'string') return undefined;
  let value = raw.trim();
  if (value.length === 0 || value.length > 64) return undefined;
  const zone = value.indexOf('%');
  if (zone !== -1) value = value.slice(0, zone);
  const family = isIP(value);
  if (family === 4) return value;
  if (family !== 6) return undefined;
  const hextets = ipv6ToHextets(value);
  if (isMappedIPv4(hextets)) return numberToIPv4(hextets[6]! * 65536 + hextets[7]!);
  return hextetsToIPv6(hextets);
}

/** A source port as a proxy writes it: 1 to 65535, no sign, no leading zeros. */
function isPort(text: string): boolean {
  return /^[1-9]\d{0,4}$/.test(text) && Number(text) <= 65535;
}

/**
 * The address of one `X-Forwarded-For` entry: quotes, brackets and a valid port are tolerated.
 * Anything else (a port out of range, a word, an empty entry) answers undefined, and the
 * caller fails closed: an entry it cannot read is never skipped.
 */
export function parseForwardedEntry(entry: string): string | undefined {
  let value = entry.trim();
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1).trim();
  if (value.startsWith('[')) {
    // [v6] or [v6]:port
    const close = value.indexOf(']');
    if (close === -1) return undefined;
    const rest = value.slice(close + 1);
    if (rest !== '' && !(rest.startsWith(':') && isPort(rest.slice(1)))) return undefined;
    const inner = value.slice(1, close);
    return isIPv6(inner.split('%')[0] ?? '') ? normalizeAddress(inner) : undefined;
  }
  // a.b.c.d:port (one colon only; more colons mean a bare IPv6 address)
  const colon = value.indexOf(':');
  if (colon !== -1 && colon === value.lastIndexOf(':')) {
    const port = value.slice(colon + 1);
    if (!isPort(port)) return undefined;
    value = value.slice(0, colon);
    return isIP(value) === 4 ? value : undefined;
  }
  return normalizeAddress(value);
}
