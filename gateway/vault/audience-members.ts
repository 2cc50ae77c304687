import type { FastifyRequest } from 'fastify';
import type { GatewayContext } from '../context.js';
import type { PortalDirectory } from '../http/portal-access.js';
import { subjectOfUser } from '../http/route-decision.js';
import type { AuthenticatedUser } from '../identity/authenticated-user.js';

/** Whether a user is one of the users of an engine (a route audience). */
export type AudienceMembership = (login: string, audience: string, request: FastifyRequest) => Promise<boolean>;

/**
 * The users of an engine are those who may open one of its routes, judged as the portal list
 * judges it (the routes' own deciding filters). The user is taken as their live session has
 * them, else as their identity store has them now (file, LDAP, PAM); a user neither can show is
 * nobody's user, and so is one who may open none of the engine's routes. The check runs with
 * the address of the user's session, or none: a route behind an IP allow list admits only a
 * user whose session came from an allowed address.
 */
export function audienceMembership(gw: GatewayContext, portals: () => PortalDirectory | undefined): AudienceMembership {
  return async (login, audience, request) => {
    const found = await currentUser(gw, login);
    const directory = portals();
    if (!found || !directory) return false;
    return directory.admitsTo(audience, request, subjectOfUser(found.user), found.address ?? 'unknown');
  };
}

async function currentUser(gw: GatewayContext, login: string): Promise<{ user: AuthenticatedUser; address?: string } | undefined> {
  for (const authenticator of gw.authenticators.all) {
    const [newest] = (await gw.sessions.listOf({ loginId: login, authenticator: authenticator.name })).slice(-1);
    if (newest) return { user: newest.record.user, ...(newest.record.origin?.address ? { address: newest.record.origin.address } : {}) };
  }
  for (const authenticator of gw.authenticators.password) {
    if (!authenticator.lookup) continue;
    const user = await authenticator.lookup(login);
    if (user) return { user };
  }
  return undefined;
}
