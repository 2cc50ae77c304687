import type { FastifyRequest } from 'fastify';
import type { AuthenticatedUser } from '../authenticators/types.js';
import type { GatewayContext } from '../context.js';
import type { ActiveSession } from './session-manager.js';

/**
 * The session's user, re-read by its authenticator once `refreshAt` has passed (OIDC refresh
 * tokens keep groups fresh). A refused refresh ends the session: undefined, as if there were
 * none. Changed roles also drop the engine tokens cached for the session.
 */
export async function refreshedUserOf(session: ActiveSession, gw: GatewayContext, request: FastifyRequest): Promise<AuthenticatedUser | undefined> {
  const user = session.record.user;
  if (user.refreshAt === undefined || Date.now() < user.refreshAt) return user;
  const authenticator = gw.authenticators.routed.find((a) => a.name === user.authenticator);
  if (!authenticator?.refreshUser) return user;
  const fresh = await authenticator.refreshUser(user, request.log);
  if (fresh === undefined) return user;
  gw.minter.forget(session.sid);
  if (fresh === null) {
    await gw.sessions.end(session);
    request.log.info({ user: user.loginId, authenticator: user.authenticator }, 'session ended: its user could not be refreshed');
    return undefined;
  }
  await gw.sessions.replaceUser(session, fresh);
  return fresh;
}
