import type { FastifyReply, FastifyRequest } from 'fastify';
import { replyRoutedLoginFailed } from '../routed/login-failure.js';

export { newIncidentId } from '../routed/login-failure.js';

/** Answer a failed SAML step with the routed authenticators' failure page (reason only in the log). */
export function replyLoginFailed(request: FastifyRequest, reply: FastifyReply, err: unknown, context: Record<string, unknown>): FastifyReply {
  return replyRoutedLoginFailed(request, reply, err, context, 'saml');
}
