import type { FastifyInstance } from 'fastify';
import type { GatewayContext } from '../context.js';
import { accountSessionOf } from '../account/account-session.js';
import { portalListHtml } from '../account/who-section.js';
import { escapeHtml } from '../pages/escape.js';
import { displayNameOf, pagesOf } from '../pages/pages.js';
import type { PortalDirectory } from './portal-access.js';
import { prefersHtml } from './prefers-html.js';
import { subjectOfUser } from './route-decision.js';

/** The start page (`/`: the portals a user may open) and the not-found answer. */
export function registerPortalRoutes(app: FastifyInstance, gw: GatewayContext, portals: PortalDirectory): void {
  app.get('/', async (request, reply) => {
    const session = await accountSessionOf(request, gw);
    if (!session) return reply.redirect('/login?returnTo=%2F', 302);
    const { user } = session.record;
    const open = await portals.openTo(request, subjectOfUser(user), gw.clientAddress(request));
    reply.header('cache-control', 'no-store');
    // HTML unless JSON is asked for by name: `/` has always been a page, whatever the Accept header
    if (wantsJson(request.headers.accept)) return reply.send({ portals: open });
    const pages = pagesOf(request);
    const body = pages.render('portals', { name: user.attributes.firstName ?? displayNameOf(user), login: user.loginId, roles: user.roles.join(', ') || 'no roles', portals: portalListHtml(open) });
    return reply.type('text/html; charset=utf-8').send(pages.frame('Portals', body, user));
  });

  app.setNotFoundHandler((request, reply) => {
    const body = { statusCode: 404, code: 'GW_NOT_FOUND', error: 'Not Found', message: `no route for ${request.method} ${request.url.split('?')[0]}`, requestId: request.id };
    if (prefersHtml(request)) {
      const html = pagesOf(request).message({ title: 'Not found', message: body.message, note: `Request id: ${request.id}`, links: [{ href: '/', text: 'Your portals' }] });
      return reply.code(404).type('text/html; charset=utf-8').send(html);
    }
    return reply.code(404).send(body);
  });
}

function wantsJson(accept: string | undefined): boolean {
  return typeof accept === 'string' && accept.includes('application/json') && !accept.includes('text/html');
}
