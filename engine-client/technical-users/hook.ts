import type { TLSSocket } from 'node:tls';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createTechnicalUserMap, type TechnicalUserMap, type TechnicalUsersOptions } from './technical-users.js';
import { decideTlsPeer } from './tls-peer.js';
import { technicalIdentity } from './identity.js';

export interface TechnicalUserHookOptions {
  users: TechnicalUserMap | TechnicalUsersOptions;
}

/**
 * A fastify `onRequest` hook for an engine's own mTLS listener (built with
 * `mtlsServerOptions`): the certificate becomes `request.identity`, no token needed.
 * Refusals are 401/403 with a coded error and a log line naming the certificate (subject and
 * fingerprint; nothing secret). Decorate `identity` on the instance before adding the hook.
 */
export function createTechnicalUserHook(options: TechnicalUserHookOptions, path = 'technicalUsers') {
  const users = 'identify' in options.users ? options.users : createTechnicalUserMap(options.users, path);
  return async function technicalUserHook(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    const decision = decideTlsPeer(request.raw.socket as TLSSocket, users);
    if (!decision.ok) {
      request.log.warn(
        { event: 'technical-user-refused', code: decision.error.code, ...(decision.error.detail ?? {}) },
        `client certificate refused: ${decision.error.message}`,
      );
      throw decision.error;
    }
    (request as unknown as { identity: unknown }).identity = technicalIdentity(decision.user, decision.certificate);
  };
}
