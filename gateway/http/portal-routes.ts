import type { FastifyInstance } from 'fastify';
import type { GatewayContext } from '../context.js';
import { escapeHtml, page } from '../pages/html.js';
import { prefersHtml } from './prefers-html.js';

/** The start page (`/`: the portals a user may open) and the not-found answer. */
export function registerPortalRoutes(app: FastifyInstance, gw: GatewayContext): void {
  app.get('/', async (request, reply) => {
    const session = await gw.sessions.load(request);
    if (!session) return reply.redirect('/login?returnTo=%2F', 302);
    const { user } = session.record;
    const portals = gw.config.routes
      .filter((r) => r.requireSession)
      .map((r) => `<li><a href="${escapeHtml(r.prefix)}">${escapeHtml(r.name)}</a> <span class="muted">${escapeHtml(r.prefix)}</span></li>`)
      .join('');
    reply.header('cache-control', 'no-store');
    return reply
      .type('text/html; charset=utf-8')
      .send(
        page(
          'Portals',
          `<h1>Hello, ${escapeHtml(user.attributes.firstName ?? user.loginId)}</h1>
<p class="muted">Logged in as ${escapeHtml(user.loginId)} (${escapeHtml(user.roles.join(', ') || 'no roles')})</p>
<ul>${portals}</ul><p><a class="button alt" href="/logout">Log out</a></p>`,
        ),
      );
  });

  app.setNotFoundHandler((request, reply) => {
    const body = { statusCode: 404, code: 'GW_NOT_FOUND', error: 'Not Found', message: `no route for ${request.method} ${request.url.split('?')[0]}`, requestId: request.id };
    if (prefersHtml(request)) return reply.code(404).type('text/html; charset=utf-8').send(page('Not found', `<h1>Not found</h1><p>${escapeHtml(body.message)}</p><p class="muted">Request id: ${escapeHtml(request.id)}</p>`));
    return reply.code(404).send(body);
  });
}
