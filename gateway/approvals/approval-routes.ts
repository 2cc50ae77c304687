import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { GatewayContext } from '../context.js';
import { GatewayError } from '../errors.js';
import { identifyCaller } from '../http/identify.js';
import { expectsPage, prefersHtml } from '../http/prefers-html.js';
import { escapeHtml, page } from '../pages/html.js';
import type { ApprovalService } from './approval-service.js';
import { approvalDetailsHtml, approvalJson, decisionFormHtml } from './approval-view.js';
import type { Decider } from './approvers.js';

interface DecisionBody {
  decision?: unknown;
  comment?: unknown;
  csrf?: unknown;
}

/**
 * The status of a held request (`/approvals/:id`: a page for browsers, JSON for API clients;
 * the 202's status URL), and deciding it: a form post from that page or the account page
 * (with the session's CSRF value), or JSON over REST (`/api/account/approvals`).
 */
export function registerApprovalRoutes(app: FastifyInstance, gw: GatewayContext, approvals: ApprovalService): void {
  const who = async (request: FastifyRequest): Promise<Decider | undefined> => {
    const caller = await identifyCaller(request, gw);
    return caller ? { loginId: caller.user.loginId, roles: caller.user.roles, groups: caller.user.groups } : undefined;
  };
  const requireCaller = async (request: FastifyRequest, reply: FastifyReply): Promise<Decider | undefined> => {
    const caller = await who(request);
    if (caller) return caller;
    if (prefersHtml(request)) {
      await reply.redirect(`/login?returnTo=${encodeURIComponent(request.url)}`, 302);
      return undefined;
    }
    throw new GatewayError('GW_UNAUTHENTICATED', 401, 'log in to see approval requests', { headers: { 'www-authenticate': 'Bearer realm="portcullis"' } });
  };
  const visible = async (id: string, caller: Decider) => {
    const record = await approvals.get(id);
    if (!record || !approvals.mayView(record, caller)) throw new GatewayError('GW_APPROVAL_NOT_FOUND', 404, 'no such approval request');
    return record;
  };

  app.get('/approvals/:id', async (request, reply) => {
    const caller = await requireCaller(request, reply);
    if (!caller) return reply;
    const record = await visible((request.params as { id: string }).id, caller);
    const view = approvalJson(record, caller);
    reply.header('cache-control', 'no-store');
    if (!prefersHtml(request)) return view;
    const session = await gw.sessions.load(request);
    const notice = typeof (request.query as Record<string, unknown>).notice === 'string' ? String((request.query as Record<string, unknown>).notice).slice(0, 200) : '';
    const form = view.mayDecide && session ? decisionFormHtml(view, `/approvals/${view.id}/decision`, session.record.csrf) : '';
    const body = `<h1>Approval request</h1>${notice ? `<p class="notice">${escapeHtml(notice)}</p>` : ''}${approvalDetailsHtml(view)}${form}<p><a href="/account#approvals">All my approvals</a></p>`;
    return reply.type('text/html; charset=utf-8').send(page('Approval request', body));
  });

  const decide = async (request: FastifyRequest, caller: Decider) => {
    const body = (request.body ?? {}) as DecisionBody;
    if (body.decision !== 'approve' && body.decision !== 'reject') throw new GatewayError('GW_BAD_REQUEST', 400, "decision must be 'approve' or 'reject'");
    if (body.comment !== undefined && typeof body.comment !== 'string') throw new GatewayError('GW_BAD_REQUEST', 400, 'comment must be a text');
    const id = (request.params as { id: string }).id;
    await visible(id, caller);
    return approvals.decide(id, caller, body.decision, (body.comment as string | undefined) ?? '', request.log as unknown as Logger);
  };

  /** A form post must carry the session's CSRF value; JSON cannot be sent cross-site without a preflight. */
  const checkForm = async (request: FastifyRequest) => {
    const type = String(request.headers['content-type'] ?? '');
    if (/^application\/json/i.test(type)) return;
    const session = await gw.sessions.load(request);
    const submitted = (request.body as DecisionBody | undefined)?.csrf;
    if (!session || typeof submitted !== 'string' || !same(submitted, session.record.csrf)) {
      throw new GatewayError('GW_CSRF_INVALID', 403, 'the form is out of date; reload the page and try again');
    }
  };

  const decisionRoute = (path: string, back: (id: string) => string) =>
    app.post(path, async (request, reply) => {
      const caller = await who(request);
      if (!caller) throw new GatewayError('GW_UNAUTHENTICATED', 401, 'log in to decide approval requests', { headers: { 'www-authenticate': 'Bearer realm="portcullis"' } });
      await checkForm(request);
      const record = await decide(request, caller);
      if (expectsPage(request) || /^application\/x-www-form-urlencoded/i.test(String(request.headers['content-type'] ?? ''))) {
        const notice = record.state === 'rejected' ? 'You rejected the request.' : record.state === 'pending' ? 'Your approval is recorded; one more is needed.' : `You approved the request${record.result?.status !== undefined ? `; the application answered ${record.result.status}` : ''}.`;
        return reply.redirect(`${back(record.id)}${back(record.id).includes('?') ? '&' : '?'}notice=${encodeURIComponent(notice)}`, 303);
      }
      return approvalJson(record, caller);
    });
  decisionRoute('/approvals/:id/decision', (id) => `/approvals/${id}`);
  decisionRoute('/account/approvals/:id/decision', () => '/account');
  decisionRoute('/api/account/approvals/:id/decision', (id) => `/approvals/${id}`);

  app.get('/api/account/approvals', async (request, reply) => {
    const caller = await requireCaller(request, reply);
    if (!caller) return reply;
    const { toDecide, mine } = await approvals.listFor(caller);
    reply.header('cache-control', 'no-store');
    return { toDecide: toDecide.map((r) => approvalJson(r, caller)), mine: mine.map((r) => approvalJson(r, caller)) };
  });
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
