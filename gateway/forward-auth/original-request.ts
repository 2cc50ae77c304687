import { GatewayError } from '../errors.js';

/** The request the proxy is asking about, as read from its sub-request. */
export interface OriginalRequest {
  method: string;
  scheme: 'http' | 'https';
  /** lower-case, with the port when the proxy sent one */
  host: string;
  /** the request target as the client sent it (path and query), for the return-to URL */
  uri: string;
  /** the path as a proxy routes it: percent-decoded, dot segments resolved, slashes merged */
  path: string;
  /** the query string with its `?`, or '' */
  query: string;
}

type Headers = Record<string, string | string[] | undefined>;

const METHOD = /^[A-Za-z]{1,20}$/;
const HOST = /^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;
const MAX_URI = 8192;
/** characters that decode to themselves (no `%`, no `\\`) */
const PLAIN_PATH = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/]*$/;
/** a `.` or `..` segment, or an empty one (`//`) */
const DOT_OR_EMPTY_SEGMENT = /\/\.\.?(\/|$)|\/\//;

const bad = (message: string) => new GatewayError('GW_FORWARD_AUTH_BAD_REQUEST', 400, message);

/**
 * Read the original method, scheme, host and URI from a trusted proxy's sub-request:
 * - `X-Original-URL` (an absolute URL) gives scheme, host and URI at once;
 * - otherwise `X-Forwarded-Proto`, `X-Forwarded-Host` (else `Host`) and `X-Forwarded-Uri` or
 *   `X-Original-URI` (Traefik, Caddy, nginx);
 * - the method from `X-Forwarded-Method` or `X-Original-Method`;
 * - for Envoy's ext_authz, whose check request is the original one under a path prefix,
 *   `envoyTarget` (the target after the prefix) and the request's own method.
 * Anything ambiguous (a header twice, a list of hosts, an encoded slash) is a 400: a guess
 * here could authorise one path while the proxy serves another.
 */
export function originalRequestOf(headers: Headers, envoy?: { target: string; method: string }): OriginalRequest {
  let scheme = single(headers, 'x-forwarded-proto');
  let host = single(headers, 'x-forwarded-host');
  let uri = envoy?.target ?? agreed(headers, ['x-forwarded-uri', 'x-original-uri'], 'URI');
  const originalUrl = envoy ? undefined : single(headers, 'x-original-url');
  if (originalUrl !== undefined) {
    let url: URL;
    try {
      url = new URL(originalUrl);
    } catch {
      throw bad('X-Original-URL is not an absolute URL');
    }
    const at = originalUrl.indexOf('/', originalUrl.indexOf('//') + 2);
    const target = at === -1 ? '/' : originalUrl.slice(at).replace(/#.*$/, '');
    // a client can add a header the proxy does not set: every header that names the request must agree
    if ((uri !== undefined && uri !== target) || (host !== undefined && host.toLowerCase() !== url.host) || (scheme !== undefined && `${scheme.toLowerCase()}:` !== url.protocol)) {
      throw bad('X-Original-URL disagrees with the X-Forwarded-* headers');
    }
    scheme = url.protocol.slice(0, -1);
    host = url.host;
    uri = target;
  }
  host ??= single(headers, 'host');
  const method = envoy?.method ?? agreed(headers, ['x-forwarded-method', 'x-original-method'], 'method');
  if (method === undefined) throw bad('the proxy sent no X-Forwarded-Method (or X-Original-Method)');
  if (!METHOD.test(method)) throw bad('X-Forwarded-Method is not an HTTP method');
  if (uri === undefined) throw bad('the proxy sent no X-Forwarded-Uri (or X-Original-URI, X-Original-URL)');
  if (host === undefined) throw bad('the proxy sent no X-Forwarded-Host (or Host)');
  if (!HOST.test(host)) throw bad('X-Forwarded-Host is not one host name');
  scheme = (scheme ?? 'http').toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') throw bad('X-Forwarded-Proto must be http or https');
  const { path, query } = routingPath(uri);
  return { method: method.toUpperCase(), scheme, host: host.toLowerCase(), uri, path, query };
}

/** The one value several headers give; a second header saying something else is refused. */
function agreed(headers: Headers, names: readonly string[], what: string): string | undefined {
  let value: string | undefined;
  for (const name of names) {
    const v = single(headers, name);
    if (v === undefined) continue;
    if (value !== undefined && v !== value) throw bad(`${names.join(' and ')} disagree about the original ${what}`);
    value = v;
  }
  return value;
}

function single(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  if (value === undefined) return undefined;
  if (Array.isArray(value)) throw bad(`${name} was sent more than once`);
  if (value.includes(',') && name !== 'x-forwarded-uri' && name !== 'x-original-uri' && name !== 'x-original-url') {
    throw bad(`${name} holds a list; the proxy must send the one value it decided`);
  }
  return value.trim();
}

/**
 * The path a proxy matches its locations against. nginx and Caddy decode percent escapes,
 * resolve `.` and `..` and merge slashes before routing; deciding on the raw target instead
 * would let `/app/..%2Fadmin/` be judged as an `/app/` request while the proxy serves
 * `/admin/`. Encoded slashes and backslashes have no single reading and are refused.
 */
export function routingPath(uri: string): { path: string; query: string } {
  if (uri.length > MAX_URI) throw bad('the original URI is too long');
  if (!uri.startsWith('/')) throw bad('the original URI must start with "/"');
  if (/[\u0000-\u0020\u007f]/.test(uri)) throw bad('the original URI holds spaces or control characters');
  const q = uri.indexOf('?');
  const rawPath = q === -1 ? uri : uri.slice(0, q);
  const query = q === -1 ? '' : uri.slice(q);
  // the common case: nothing to decode, resolve or merge
  if (PLAIN_PATH.test(rawPath) && !DOT_OR_EMPTY_SEGMENT.test(rawPath)) return { path: rawPath, query };
  if (/%2f|%5c|\\/i.test(rawPath)) throw bad('the original path holds an encoded slash or a backslash');
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    throw bad('the original path has a malformed percent escape');
  }
  if (/[\u0000-\u001f\u007f]/.test(decoded)) throw bad('the original path decodes to control characters');
  const segments: string[] = [];
  const parts = decoded.split('/');
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i]!;
    const last = i === parts.length - 1;
    if (part === '..') segments.pop();
    if (part === '.' || part === '..' || (part === '' && !last)) {
      if (last) segments.push('');
      continue;
    }
    segments.push(part);
  }
  return { path: '/' + segments.join('/'), query };
}
