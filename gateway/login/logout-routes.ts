import type { FastifyInstance } from 'fastify';
import { AUDIT_EVENTS } from '../ops/audit-events.js';
import type { GatewayContext } from '../context.js';
import { messagePageFor } from '../pages/message-page.js';
import { prefersHtml } from '../http/prefers-html.js';

/**
 * /logout ends the SSO session for every route at once: the store entry goes, the cookie
 * is cleared and cached tokens are forgotten. GET is accepted so a plain link works; the
 * worst a cross-site page can do with it is log a user out. When the user came through an
 * IdP that supports single logout, the browser is sent on to it.
 */
export function registerLogoutRoutes(app: FastifyInstance, gw: GatewayContext): void {
  const handler = async (request: import('fastify').FastifyRequest, reply: import('fastify').FastifyReply) => {
    const ended = await gw.sessions.destroy(request, reply);
    if (ended) {
      gw.minter.forget(ended.sid);
      request.log.info({ event: AUDIT_EVENTS.logout, user: ended.record.user.loginId }, 'logout');
      const routed = gw.authenticators.routed.find((a) => a.name === ended.record.user.authenticator);
      const next = routed?.logoutRedirect ? await routed.logoutRedirect(ended.record.user) : undefined;
      if (next) return reply.redirect(next, 302);
    }
    reply.header('cache-control', 'no-store');
    if (!prefersHtml(request) && request.method !== 'GET') return reply.send({ loggedOut: true });
    return reply.type('text/html; charset=utf-8').send(messagePageFor(request, 'Logged out', 'You are logged out of every application.', { href: '/login', text: 'Log in again' }));
  };
  app.get('/logout', handler);
  app.post('/logout', handler);
}
