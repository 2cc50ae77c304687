import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Reason } from '@portcullis/policies/reasons.js';
import { pagesOf, type Link, type PageUser } from '../pages/pages.js';
import { expectsPage, prefersHtml } from './prefers-html.js';

export interface RefusalOptions {
  /** WWW-Authenticate challenge for API clients without credentials */
  challenge: string;
  /** where a browser without a session goes, given the URL it asked for */
  loginUrl(returnTo: string): string;
  /** the login URL of a stronger (routed) authenticator, for `level-insufficient` with a `stepUp` */
  stepUpUrl?(authenticator: string, returnTo: string): string | undefined;
  /**
   * how a browser is sent to log in: a 302 (the default), or a 401 with the `Location`
   * header (nginx `auth_request` passes on only 2xx, 401 and 403; its `error_page 401` reads it)
   */
  browserLogin?: 'redirect' | 'status';
  /** the URL the refused request asked for, when it is not `request.url` (forward authentication) */
  returnTo?: string;
}

const STATUS: Record<string, number> = {
  unauthenticated: 401,
  forbidden: 403,
  'ip-denied': 403,
  'level-insufficient': 403,
  'rate-limited': 429,
  'body-too-large': 413,
  'approval-unavailable': 503,
};

/**
 * The one place that turns a refusal reason into a response: a browser without a session
 * is sent to the login page, an API client gets 401 with a challenge; everything else is
 * 403 (a page that says why for browsers, the fixed JSON body for the rest). The log line
 * carries the reason's detail; the response carries only its public message.
 */
export function sendRefusal(request: FastifyRequest, reply: FastifyReply, reason: Reason, options: RefusalOptions, caller?: PageUser): FastifyReply {
  if (reason.code === 'approval-held') return sendHeld(request, reply, reason, caller);
  const statusCode = STATUS[reason.code] ?? 403;
  // the path only: a query string may carry a token (`?access_token=`)
  request.log.info({ event: 'refusal', refusal: reason.code, detail: reason.detail, path: pathOf(request.url) }, `request refused: ${reason.message}`);

  const returnTo = options.returnTo ?? request.url;
  if (statusCode === 401) {
    if (prefersHtml(request)) {
      if (options.browserLogin !== 'status') return reply.redirect(options.loginUrl(returnTo), 302);
      return reply
        .code(401)
        .header('location', options.loginUrl(returnTo))
        .type('text/html; charset=utf-8')
        .send(pagesOf(request).message({ title: 'Please log in', message: 'You need to log in to open this page.', links: [{ href: options.loginUrl(returnTo), text: 'Log in' }] }));
    }
    return reply
      .code(401)
      .header('www-authenticate', options.challenge)
      .send({ statusCode: 401, code: 'GW_UNAUTHENTICATED', error: 'Unauthorized', message: reason.message, requestId: request.id });
  }
  const retryAfter = reason.code === 'rate-limited' ? reason.detail?.retryAfterSeconds : undefined;
  if (typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
  const stepUp = reason.code === 'level-insufficient' ? reason.detail?.stepUp : undefined;
  if (typeof stepUp === 'string' && options.stepUpUrl && prefersHtml(request)) {
    const url = options.stepUpUrl(stepUp, returnTo);
    if (url && options.browserLogin === 'status') return reply.code(401).header('location', url).send({ statusCode: 401, code: 'GW_STEP_UP', error: 'Unauthorized', message: reason.message });
    if (url) return reply.redirect(url, 302);
  }
  if (reason.code === 'credential-missing') {
    // the user can fix this themselves: a browser goes to the form, an API client learns the key
    if (prefersHtml(request)) return reply.redirect('/account#credentials', 303);
    return reply.code(403).send({ statusCode: 403, code: 'GW_CREDENTIAL_MISSING', error: 'Forbidden', message: reason.message, key: reason.detail?.key, requestId: request.id });
  }
  if (prefersHtml(request)) {
    return reply
      .code(statusCode)
      .type('text/html; charset=utf-8')
      .send(pagesOf(request).message({ title: 'Access denied', message: `You may not open this page: ${reason.message}.`, note: `Request id: ${request.id}`, links: refusalLinks(caller), ...(caller ? { who: caller } : {}) }));
  }
  const code = CODES[reason.code] ?? 'GW_FORBIDDEN';
  // a body left unread (too large to hold) must not be read as the next request on this connection
  if (statusCode === 413) reply.header('connection', 'close');
  return reply.code(statusCode).send({ statusCode, code, error: ERRORS[statusCode] ?? 'Forbidden', message: reason.message, requestId: request.id });
}

const CODES: Record<string, string> = {
  'ip-denied': 'GW_IP_DENIED',
  'level-insufficient': 'GW_LEVEL_INSUFFICIENT',
  'rate-limited': 'GW_RATE_LIMITED',
  'body-too-large': 'GW_BODY_TOO_LARGE',
  'approval-unavailable': 'GW_APPROVAL_UNAVAILABLE',
};
const ERRORS: Record<number, string> = { 413: 'Payload Too Large', 429: 'Too Many Requests', 503: 'Service Unavailable' };

/**
 * A request held for approval (the approval filter): 202 with the pending request's id and
 * where to follow it; a page with that link for browsers. It is not a refusal: nothing was
 * denied yet, and the log line says so.
 */
function sendHeld(request: FastifyRequest, reply: FastifyReply, reason: Reason, caller?: PageUser): FastifyReply {
  const { approvalId, statusUrl, expiresAt } = reason.detail as { approvalId: string; statusUrl: string; expiresAt: string };
  reply.code(202).header('location', statusUrl).header('cache-control', 'no-store');
  if (prefersHtml(request) || expectsPage(request)) {
    return reply
      .type('text/html; charset=utf-8')
      .send(
        pagesOf(request).message({
          title: 'Waiting for approval',
          message: `Your request needs an approval before it is sent. You will get an e-mail when it is decided; it expires at ${expiresAt}.`,
          note: `Request id: ${approvalId}`,
          links: [{ href: statusUrl, text: 'Follow the request' }],
          ...(caller ? { who: caller } : {}),
        }),
      );
  }
  return reply.send({ statusCode: 202, status: 'pending', message: reason.message, approvalId, statusUrl, expiresAt, requestId: request.id });
}

/** Where a refused user can go: their portals and account when logged in; another login either way. */
function refusalLinks(caller: PageUser | undefined): Link[] {
  const other = { href: '/logout', text: 'Log in as someone else' };
  return caller ? [{ href: '/', text: 'Your portals' }, { href: '/account', text: 'Your account' }, other] : [other];
}

/** A URL's path without its query string. */
export function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}
