import type { FastifyRequest } from 'fastify';
import type { AuthenticatedUser } from '../identity/authenticated-user.js';
import type { GatewayContext } from '../context.js';
import { refreshedUserOf } from '../sessions/session-refresh.js';

/** Who is calling: the user, and what their engine token may be cached under. */
export interface Caller {
  user: AuthenticatedUser;
  /** the token's `sid` claim, when the caller has an SSO session */
  sid?: string;
  cacheKey: string;
}

/**
 * Find the caller of a request: the SSO session first; without one, each request
 * authenticator in configured order (trusted header, HTTP Basic, client certificate).
 */
export async function identifyCaller(request: FastifyRequest, gw: GatewayContext, audience?: string): Promise<Caller | undefined> {
  // a request on an authenticator's own listener (mTLS) is identified by that authenticator alone
  const owner = gw.authenticators.request.find((a) => a.owns?.(request));
  if (owner) {
    const user = await owner.authenticate(request);
    return user ? { user, cacheKey: `${owner.name}\u0000${user.loginId}` } : undefined;
  }
  let session = await gw.sessions.load(request);
  // the user is re-checked when due, and always before a new engine token is minted for them
  if (session && gw.sessionRecheck) session = await gw.sessionRecheck.check(session, request.log, audience !== undefined && gw.minter.willMint(session.sid, audience));
  if (session) {
    const user = await refreshedUserOf(session, gw, request);
    return user ? { user, sid: session.sid, cacheKey: session.sid } : undefined;
  }
  for (const authenticator of gw.authenticators.request) {
    const user = await authenticator.authenticate(request);
    if (user) return { user, cacheKey: `${authenticator.name}\u0000${user.loginId}` };
  }
  return undefined;
}
