import type { FastifyInstance } from 'fastify';
import type { GatewayContext } from '../context.js';
import { GatewayError } from '../errors.js';
import type { PortalDirectory } from '../http/portal-access.js';
import { prefersHtml } from '../http/prefers-html.js';
import { subjectOfUser } from '../http/route-decision.js';
import { escapeHtml } from '../pages/escape.js';
import { displayNameOf, pagesOf } from '../pages/pages.js';
import { requireAccountSession } from './account-session.js';
import type { AccountSection } from './section.js';
import { sessionViewOf } from './sessions-section.js';
import { methodOf } from './who-section.js';

/** a section id is a fragment and a form-field prefix */
const SECTION_ID = /^[a-z][a-z0-9-]{0,31}$/;
/** the notice a form post leaves: one short line of text */
const MAX_NOTICE = 160;

/**
 * `/account`: the logged-in user's own page, put together from the sections features
 * contributed to `gw.accountSections` (in `order`), each with its own endpoints. Browsers get
 * the page (it works without JavaScript: forms post and come back with a notice); API
 * clients get who they are, their portals and their sessions as JSON.
 */
export async function registerAccountRoutes(app: FastifyInstance, gw: GatewayContext, portals: PortalDirectory): Promise<void> {
  const sections = checkedSections(gw.accountSections);
  for (const section of sections) await section.register?.(app);

  app.get('/account', async (request, reply) => {
    const session = await requireAccountSession(request, reply, gw);
    if (!session) return reply;
    const user = session.record.user;
    reply.header('cache-control', 'no-store');
    if (!prefersHtml(request)) {
      const [open, listed] = await Promise.all([portals.openTo(request, subjectOfUser(user), gw.clientAddress(request)), gw.sessions.listOf(user)]);
      return reply.send({
        user: { loginId: user.loginId, name: displayNameOf(user), roles: user.roles, groups: user.groups, attributes: user.attributes, level: user.level, amr: user.amr, authenticator: user.authenticator, method: methodOf(user) },
        portals: open,
        sessions: listed.map(({ record }) => sessionViewOf(record, session.sid)),
      });
    }
    const raw = (request.query as Record<string, unknown>).notice;
    const notice = typeof raw === 'string' && raw.trim() !== '' ? escapeHtml(raw.replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, MAX_NOTICE)) : undefined;
    const rendered = await Promise.all(
      sections.map(async (section) => {
        const html = await section.render({ request, session, csrf: session.record.csrf, ...(notice ? { notice } : {}) });
        return `<section id="${section.id}" aria-labelledby="${section.id}-title"><h2 id="${section.id}-title">${escapeHtml(section.title)}</h2>\n${html}\n</section>`;
      }),
    );
    const contents = `<nav aria-label="On this page"><ul>${sections.map((s) => `<li><a href="#${s.id}">${escapeHtml(s.title)}</a></li>`).join('')}</ul></nav>`;
    const pages = pagesOf(request);
    const body = pages.render('account', {
      name: displayNameOf(user),
      login: user.loginId,
      notice: notice ? `<p class="notice" role="status">${notice}</p>` : '',
      contents,
      sections: rendered.join('\n'),
    });
    return reply.type('text/html; charset=utf-8').send(pages.frame('Your account', body, user));
  });
}

/** Sections in order; two with one id, or an id that is no fragment, fail at start-up. */
function checkedSections(sections: readonly AccountSection[]): AccountSection[] {
  const seen = new Set<string>();
  for (const section of sections) {
    if (!SECTION_ID.test(section.id)) throw new GatewayError('GW_CONFIG_INVALID', 500, `account section '${section.id}': an id is lower-case letters, digits and dashes`);
    if (seen.has(section.id)) throw new GatewayError('GW_CONFIG_INVALID', 500, `account section '${section.id}' is contributed twice`);
    seen.add(section.id);
  }
  return [...sections].sort((a, b) => a.order - b.order || (a.id < b.id ? -1 : 1));
}
