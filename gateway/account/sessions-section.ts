import type { FastifyInstance } from 'fastify';
import type { GatewayContext } from '../context.js';
import { GatewayError, errors } from '../errors.js';
import { expectsPage } from '../http/prefers-html.js';
import { AUDIT_EVENTS } from '../ops/audit-events.js';
import { escapeHtml } from '../pages/escape.js';
import type { SessionRecord } from '../sessions/store.js';
import { checkSessionCsrf, requireAccountSession } from './account-session.js';
import type { AccountSection } from './section.js';
import { summariseUserAgent } from './user-agent.js';

/** a session's `sid`: SHA-256, base64url */
const SID = /^[A-Za-z0-9_-]{43}$/;

/** One session of the list as the JSON answer and the page show it: no id, no secret. */
export interface SessionView {
  sid?: string;
  current: boolean;
  createdAt: string;
  lastSeenAt: string;
  address?: string;
  userAgent: string;
  authenticator: string;
  level: string;
}

export function sessionViewOf(record: SessionRecord, currentSid: string): SessionView {
  return {
    ...(record.sid ? { sid: record.sid } : {}),
    current: record.sid === currentSid,
    createdAt: new Date(record.createdAt).toISOString(),
    lastSeenAt: new Date(record.lastSeenAt).toISOString(),
    ...(record.origin ? { address: record.origin.address } : {}),
    userAgent: summariseUserAgent(record.origin?.userAgent),
    authenticator: record.user.authenticator,
    level: record.user.level,
  };
}

function when(iso: string): string {
  return `<time datetime="${escapeHtml(iso)}">${escapeHtml(iso.slice(0, 16).replace('T', ' '))} UTC</time>`;
}

/**
 * "My sessions": where and when each of the user's sessions started, the current one
 * marked, and a form to end any other. An ended session's cookie is refused at once (its
 * store entry is gone, on every gateway); its engine tokens are no longer handed out and
 * expire within the token lifetime (engines accept a token until its `exp`).
 */
export function sessionsSection(gw: GatewayContext): AccountSection {
  return {
    id: 'sessions',
    title: 'Your sessions',
    order: 200,
    async render({ session, csrf }) {
      const listed = await gw.sessions.listOf(session.record.user);
      const rows = listed.map(({ record }) => {
        const view = sessionViewOf(record, session.sid);
        const action = view.current
          ? '<strong>this session</strong>'
          : view.sid
            ? `<form method="post" action="/account/sessions/end"><input type="hidden" name="csrf" value="${escapeHtml(csrf)}"><input type="hidden" name="sid" value="${escapeHtml(view.sid)}"><button type="submit" class="small" aria-label="End the session started ${escapeHtml(view.createdAt.slice(0, 16).replace('T', ' '))} UTC from ${escapeHtml(view.userAgent)}">End</button></form>`
            : '<span class="muted">ends at its timeout</span>';
        return `<tr${view.current ? ' class="current" aria-current="true"' : ''}><td>${escapeHtml(view.userAgent)}<br><span class="muted">${escapeHtml(view.address ?? 'unknown address')} · ${escapeHtml(view.authenticator)}</span></td><td>${when(view.createdAt)}</td><td>${when(view.lastSeenAt)}</td><td>${action}</td></tr>`;
      });
      return `<table><caption class="muted">Ending a session logs that browser out at its next request.</caption>
<thead><tr><th scope="col">Where</th><th scope="col">Started</th><th scope="col">Last seen</th><th scope="col"><span class="muted">Action</span></th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table>`;
    },
    register(app: FastifyInstance) {
      app.post('/account/sessions/end', async (request, reply) => {
        const session = await requireAccountSession(request, reply, gw);
        if (!session) return reply;
        const form = (request.body ?? {}) as Record<string, unknown>;
        checkSessionCsrf(session, form.csrf);
        const sid = form.sid;
        if (typeof sid !== 'string' || !SID.test(sid)) throw errors.badRequest('sid: must name one of your sessions (43 characters, letters, digits, - and _)');
        if (sid === session.sid) throw errors.badRequest('sid: this is the session you are using; log out to end it');
        const user = session.record.user;
        const ended = await gw.sessions.endOneOf(user, sid);
        // the same answer for somebody else's session and for none: the form tells nobody which sids exist
        if (!ended) throw new GatewayError('GW_SESSION_UNKNOWN', 404, 'sid: you have no session with this id (it may have ended already)');
        gw.minter.forget(sid);
        request.log.info({ event: AUDIT_EVENTS.sessionEnded, user: user.loginId, authenticator: user.authenticator, sid, by: session.sid }, 'session ended by its user');
        void gw.notifier.notify({
          type: 'session-ended',
          to: [user.loginId],
          key: `session-ended:${sid}`,
          data: { 'session.address': ended.origin?.address ?? 'unknown', 'session.startedAt': new Date(ended.createdAt).toISOString(), 'session.endedBy': user.loginId },
        });
        if (expectsPage(request)) return reply.redirect(`/account?notice=${encodeURIComponent('The session was ended.')}#sessions`, 303);
        return reply.header('cache-control', 'no-store').send({ ended: true, sid });
      });
    },
  };
}
