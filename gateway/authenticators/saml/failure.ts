import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { messagePage } from '../../pages/message-page.js';
import { SamlError } from './errors.js';

/** A short random id the user can quote; the log line with the reason carries the same id. */
export function newIncidentId(): string {
  return randomBytes(9).toString('base64url').replace(/[-_]/g, 'x');
}

/**
 * Answer a failed SAML step: the user gets a page that says the login failed and an incident
 * id, nothing else (no XML, no reason, no stack); the log gets the incident id, the code and
 * the exact reason. Refusals are warnings, unexpected errors are errors.
 */
export function replyLoginFailed(
  request: FastifyRequest,
  reply: FastifyReply,
  err: unknown,
  context: Record<string, unknown>,
  page: { title: string; message: string; link?: { href: string; text: string } } = {
    title: 'Login failed',
    message: 'The sign-in at your identity provider could not be completed. Please try again; if it keeps failing, quote the reference below to your administrator.',
  },
): FastifyReply {
  const incident = newIncidentId();
  const known = err instanceof SamlError;
  const code = known ? err.code : 'SAML_INTERNAL_ERROR';
  const statusCode = known ? err.statusCode : 500;
  const cause = known && err.cause instanceof Error ? err.cause.message : undefined;
  const entry = { incident, code, statusCode, ...context, reason: err instanceof Error ? err.message : String(err), cause };
  if (known && statusCode < 500) request.log.warn(entry, 'saml login refused');
  else request.log.error({ ...entry, stack: err instanceof Error ? err.stack : undefined }, 'saml login failed');
  return reply
    .code(statusCode)
    .header('cache-control', 'no-store')
    .header('x-portcullis-incident', incident)
    .type('text/html; charset=utf-8')
    .send(
      messagePage(page.title, page.message, page.link ?? { href: '/login', text: 'Back to the login page' }, `Reference: ${incident}`),
    );
}
