/** Headers the proxy sets itself from what it saw; the gateway's copies stay out of the answer. */
const PROXY_OWN = new Set(['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host']);

/** The headers of a positive answer: what the chain decided the upstream should receive (token, identity headers). */
export function answerHeaders(upstreamHeaders: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name in upstreamHeaders) if (!PROXY_OWN.has(name)) out[name] = upstreamHeaders[name]!;
  return out;
}

/**
 * Caching of a positive answer. `Vary: Cookie, Authorization` keeps one caller's answer from
 * another's even in a cache keyed by URL alone; `max-age` (not `private`, which nginx's
 * proxy_cache refuses to store) bounds how long a logout can go unnoticed.
 */
export function cacheHeaders(seconds: number): Readonly<Record<string, string>> {
  if (seconds <= 0) return NO_STORE;
  let headers = KEEP.get(seconds);
  if (!headers) KEEP.set(seconds, (headers = Object.freeze({ 'cache-control': `max-age=${seconds}`, vary: 'Cookie, Authorization' })));
  return headers;
}

const NO_STORE = Object.freeze({ 'cache-control': 'no-store' });
/** one frozen object per lifetime (there is one, the configured one): nothing built per answer */
const KEEP = new Map<number, Readonly<Record<string, string>>>();

/** A refusal's public message as a header value: printable ASCII only, bounded. */
export function refusalHeader(message: string): string {
  const ascii = /^[\x20-\x7e]*$/.test(message) ? message : encodeURIComponent(message);
  return ascii.slice(0, 200);
}
