import type { IncomingHttpHeaders } from 'node:http';

/**
 * Headers that describe one connection, not the message (RFC 9110 §7.6.1), plus the
 * proxy-era ones. They never cross the gateway, in either direction: a client's
 * `Connection: close` must not close the pooled upstream connection, and an engine's
 * `Connection: close` or `Keep-Alive` must not decide the client's connection.
 */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'http2-settings',
]);

/** The header names a `Connection` header lists (they are hop-by-hop too). */
const NONE: ReadonlySet<string> = new Set();

export function connectionListed(value: string | string[] | undefined): ReadonlySet<string> {
  // most requests have no Connection header: no set to build for them
  if (value === undefined) return NONE;
  const listed = new Set<string>();
  for (const part of (Array.isArray(value) ? value : [value]).join(',').split(',')) {
    const name = part.trim().toLowerCase();
    if (name) listed.add(name);
  }
  return listed;
}

export function isHopByHop(name: string, listed: ReadonlySet<string>): boolean {
  return HOP_BY_HOP.has(name) || listed.has(name);
}

/** A copy of `headers` without hop-by-hop headers; `listed` adds names the original Connection header named. */
export function withoutHopByHop(headers: IncomingHttpHeaders, listed: ReadonlySet<string> = connectionListed(headers.connection)): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const name in headers) {
    if (!isHopByHop(name.toLowerCase(), listed)) out[name] = headers[name];
  }
  return out;
}
