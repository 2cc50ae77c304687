import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError } from '../../errors.js';
import { messagePageFor } from '../../pages/message-page.js';

/** A short random id the user can quote; the log line with the reason carries the same id. */
export function newIncidentId(): string {
  return randomBytes(9).toString('base64url').replace(/[-_]/g, 'x');
}

/**
 * Answer a failed step of a routed login (SAML, OIDC): the user gets a page that says the
 * login failed and an incident id, nothing else (no reason, no token, no stack); the log gets
 * the incident id, the code and the exact reason. Refusals are warnings, unexpected errors
 * are errors. A provider that cannot be reached (503) gets a page that says so, with a link
 * back to the login page and no automatic redirect, so a dead provider never causes a loop.
 */
export function replyRoutedLoginFailed(
  request: FastifyRequest,
  reply: FastifyReply,
  err: unknown,
  context: Record<string, unknown>,
  area: 'saml' | 'oidc',
  /** another page than "Login failed" (e.g. a refused sign-out), same log line */
  page?: { title: string; message: string; link?: { href: string; text: string } },
): FastifyReply {
  const incident = newIncidentId();
  const known = err instanceof GatewayError;
  const code = known ? err.code : `${area.toUpperCase()}_INTERNAL_ERROR`;
  const statusCode = known ? err.statusCode : 500;
  const cause = known && err.cause instanceof Error ? err.cause.message : undefined;
  const entry = { event: 'login-failed', incident, code, statusCode, ...context, reason: err instanceof Error ? err.message : String(err), cause };
  if (known && statusCode < 500) request.log.warn(entry, `${area} login refused`);
  else if (statusCode === 503) request.log.error(entry, `${area} login failed: provider unavailable`);
  else request.log.error({ ...entry, stack: err instanceof Error ? err.stack : undefined }, `${area} login failed`);
  const [title, message] = page
    ? [page.title, page.message]
    : statusCode === 503
      ? ['Identity provider unavailable', 'Your identity provider cannot be reached right now. Please try again in a few minutes; if it persists, quote the reference below to your administrator.']
      : ['Login failed', 'The sign-in at your identity provider could not be completed. Please try again; if it keeps failing, quote the reference below to your administrator.'];
  if (statusCode === 503) reply.header('retry-after', '30');
  return reply
    .code(statusCode)
    .header('cache-control', 'no-store')
    .header('x-portcullis-incident', incident)
    .type('text/html; charset=utf-8')
    .send(messagePageFor(reply.request, title, message, page?.link ?? { href: '/login', text: 'Back to the login page' }, `Reference: ${incident}`));
}
