import type { FastifyReply, FastifyRequest } from 'fastify';
import { replyRoutedLoginFailed } from '../routed/login-failure.js';

export { newIncidentId } from '../routed/login-failure.js';

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
  page?: { title: string; message: string; link?: { href: string; text: string } },
): FastifyReply {
  return replyRoutedLoginFailed(request, reply, err, context, 'saml', page);
}
