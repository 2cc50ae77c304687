import type { FastifyReply, FastifyRequest } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import type { GatewayContext } from '../context.js';
import { errors, GatewayError } from '../errors.js';
import { expectsPage } from '../http/prefers-html.js';
import { refreshedUserOf } from '../sessions/session-refresh.js';
import type { ActiveSession } from '../sessions/session-manager.js';

/**
 * The SSO session behind a request to a user's own pages (`/`, `/account`, its forms), as
 * routes see it: re-checked against the identity store when due, its user refreshed. The
 * account page needs a session; Basic or certificate callers have no account page.
 */
export async function accountSessionOf(request: FastifyRequest, gw: GatewayContext): Promise<ActiveSession | undefined> {
  let session = await gw.sessions.load(request);
  if (session && gw.sessionRecheck) session = await gw.sessionRecheck.check(session, request.log);
  if (!session) return undefined;
  const user = await refreshedUserOf(session, gw, request);
  return user ? session : undefined;
}

/**
 * The same for a page or form that needs a login: without a session a browser is sent to
 * log in and come back to `returnTo`, an API client gets 401 with a challenge. Answers
 * undefined when the reply has been sent.
 */
export async function requireAccountSession(request: FastifyRequest, reply: FastifyReply, gw: GatewayContext, returnTo = '/account'): Promise<ActiveSession | undefined> {
  const session = await accountSessionOf(request, gw);
  if (session) return session;
  if (expectsPage(request)) {
    await reply.redirect(`/login?returnTo=${encodeURIComponent(returnTo)}`, request.method === 'GET' ? 302 : 303);
    return undefined;
  }
  throw new GatewayError('GW_UNAUTHENTICATED', 401, 'login required: this needs a session of the gateway', { headers: { 'www-authenticate': 'Bearer realm="portcullis"' } });
}

/**
 * A form post of the account page carries the session's CSRF token (`csrf` field). A
 * cross-site page can make the browser post with the cookie (where SameSite does not stop
 * it) but cannot read the token. @throws GW_CSRF_INVALID (403)
 */
export function checkSessionCsrf(session: ActiveSession, submitted: unknown): void {
  const expected = Buffer.from(session.record.csrf);
  const given = typeof submitted === 'string' ? Buffer.from(submitted) : Buffer.alloc(0);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw errors.csrf();
}
