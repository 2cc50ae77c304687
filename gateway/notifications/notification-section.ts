import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AccountSection } from '../account/section.js';
import type { GatewayContext } from '../context.js';
import { GatewayError } from '../errors.js';
import { identifyCaller } from '../http/identify.js';
import { escapeHtml } from '../pages/html.js';
import { EVENT_TYPES, type NotificationEventType } from './events.js';
import type { Subscriptions } from './subscriptions.js';

export const EVENT_LABELS: Record<NotificationEventType, string> = {
  'approval-requested': 'A request waits for my approval',
  'approval-approved': 'My request was approved and sent',
  'approval-rejected': 'My request was rejected',
  'approval-expired': 'My request expired undecided',
  'account-locked': 'My account was locked after failed logins',
  'credential-added': 'A credential was added to my vault',
  'credential-removed': 'A credential was removed from my vault',
  'session-ended': 'A session of mine was ended from the account page',
  'new-address-login': 'A login from an address not seen before',
  'daily-summary': 'The daily summary',
};

/**
 * "Notifications" on the account page: one checkbox per event the operator offers (mandatory
 * ones checked and fixed), saved by a form post; the same over REST.
 */
export function notificationSection(subscriptions: Subscriptions): AccountSection {
  return {
    id: 'notifications',
    title: 'Notifications',
    order: 500,
    async render(view) {
      const choices = await subscriptions.choicesOf(view.session.record.user.loginId);
      const boxes = choices
        .map((c) => {
          const id = `notify-${c.event}`;
          const attrs = `${c.subscribed ? ' checked' : ''}${c.mandatory ? ' disabled' : ''}`;
          return `<p><input type="checkbox" id="${id}" name="event:${escapeHtml(c.event)}" value="on"${attrs}> <label for="${id}" style="display:inline;font-weight:normal">${escapeHtml(EVENT_LABELS[c.event])}${c.mandatory ? ' <span class="muted">(always sent)</span>' : ''}</label></p>`;
        })
        .join('\n');
      return `<form method="post" action="/account/notifications">
<input type="hidden" name="csrf" value="${escapeHtml(view.csrf)}">
<input type="hidden" name="shown" value="${escapeHtml(choices.map((c) => c.event).join(','))}">
<p class="muted">Mail goes to the address your account has.</p>
${boxes}
<button type="submit">Save</button>
</form>`;
    },
  };
}

/** The section's form post and its REST twin (registered with the gateway's routes, before the account page). */
export function registerNotificationRoutes(app: FastifyInstance, gw: GatewayContext, subscriptions: Subscriptions): void {
  app.post('/account/notifications', async (request, reply) => {
    const session = await gw.sessions.load(request);
    if (!session) return reply.redirect('/login?returnTo=%2Faccount', 303);
    const form = (request.body ?? {}) as Record<string, unknown>;
    if (typeof form.csrf !== 'string' || !same(form.csrf, session.record.csrf)) throw new GatewayError('GW_CSRF_INVALID', 403, 'the form is out of date; reload the page and try again');
    const shown = typeof form.shown === 'string' ? form.shown.split(',') : [];
    const choices: Partial<Record<NotificationEventType, boolean>> = {};
    for (const event of shown) if ((EVENT_TYPES as string[]).includes(event)) choices[event as NotificationEventType] = form[`event:${event}`] === 'on';
    await subscriptions.choose(session.record.user.loginId, choices);
    return reply.redirect(`/account?notice=${encodeURIComponent('Your notification settings are saved.')}#notifications`, 303);
  });

  const caller = async (request: FastifyRequest) => {
    const c = await identifyCaller(request, gw);
    if (!c) throw new GatewayError('GW_UNAUTHENTICATED', 401, 'log in to see your notification settings', { headers: { 'www-authenticate': 'Bearer realm="portcullis"' } });
    return c.user.loginId;
  };
  app.get('/api/account/notifications', async (request) => ({ subscriptions: await subscriptions.choicesOf(await caller(request)) }));
  app.put('/api/account/notifications', async (request) => {
    const login = await caller(request);
    if (!/^application\/json/i.test(String(request.headers['content-type'] ?? ''))) throw new GatewayError('GW_BAD_REQUEST', 400, 'send the settings as JSON: {"<event>": true|false}');
    const body = request.body as Record<string, unknown> | null;
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw new GatewayError('GW_BAD_REQUEST', 400, 'send an object of event: true|false');
    const choices: Partial<Record<NotificationEventType, boolean>> = {};
    for (const [event, value] of Object.entries(body)) {
      if (!(EVENT_TYPES as string[]).includes(event)) throw new GatewayError('GW_BAD_REQUEST', 400, `no event '${event}'; events: ${EVENT_TYPES.join(', ')}`);
      if (typeof value !== 'boolean') throw new GatewayError('GW_BAD_REQUEST', 400, `${event}: must be true or false`);
      choices[event as NotificationEventType] = value;
    }
    await subscriptions.choose(login, choices);
    return { subscriptions: await subscriptions.choicesOf(login) };
  });
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
