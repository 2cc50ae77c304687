import type { FastifyRequest } from 'fastify';
import { GatewayError } from '../errors.js';

/**
 * The session cookie's name and how it is read.
 *
 * Behind https the name gets the `__Host-` prefix: a browser accepts such a cookie only with
 * `Secure`, `Path=/` and no `Domain`, so a sibling host (`evil.example.com` next to
 * `gw.example.com`) cannot toss a session cookie of its own into the gateway's requests.
 *
 * A request that carries the session cookie twice with different values (one tossed in with
 * another Path or Domain) is refused (400): choosing either one would let the attacker choose.
 */
export function sessionCookieName(configured: string, secure: boolean): string {
  return secure && !configured.startsWith('__Host-') && !configured.startsWith('__Secure-') ? `__Host-${configured}` : configured;
}

/** Every value the Cookie header gives `name`, in order (the cookie parser keeps only the first). */
export function cookieValues(header: string | undefined, name: string): string[] {
  if (!header) return [];
  const values: string[] = [];
  for (const pair of header.split(';')) {
    const equals = pair.indexOf('=');
    if (equals === -1 || pair.slice(0, equals).trim() !== name) continue;
    let value = pair.slice(equals + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    values.push(value);
  }
  return values;
}

/** The one session cookie value of a request, undefined without one. @throws GatewayError 400 GW_SESSION_COOKIE_AMBIGUOUS */
export function sessionCookieOf(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  const values = cookieValues(typeof header === 'string' ? header : undefined, name);
  if (values.length > 1 && values.some((v) => v !== values[0])) {
    request.log.warn({ cookie: name, count: values.length }, 'request refused: two different session cookies (cookie tossing?)');
    throw new GatewayError('GW_SESSION_COOKIE_AMBIGUOUS', 400, 'the request carries two different session cookies; clear this site\'s cookies and log in again');
  }
  return request.cookies[name] ?? values[0];
}
