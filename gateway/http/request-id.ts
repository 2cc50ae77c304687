import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { createAddressSet } from '@portcullis/engine-client/client-ip';
import { normalizeAddress } from '@portcullis/engine-client/client-ip';

/** The header that carries a request's id in, out, and on to the engine. */
export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * What an id from a trusted proxy may look like: UUIDs, ULIDs, nginx's `$request_id`, AWS
 * trace ids. Anything else (spaces, quotes, control characters, megabytes) would end up in
 * every log line of the request, so it is replaced, not believed.
 */
const SANE_ID = /^[A-Za-z0-9][A-Za-z0-9._:=+\/-]{0,127}$/;

/**
 * fastify's `genReqId`: the `X-Request-Id` of a trusted proxy (the socket peer is in
 * `server.trustedProxies`) when it is a sane value, otherwise a fresh UUID. A client that
 * is not a trusted proxy cannot choose the id a log line is filed under.
 */
export function createRequestIdGenerator(trustedProxies: readonly string[]): (raw: IncomingMessage) => string {
  const trusted = createAddressSet(trustedProxies, 'server.trustedProxies');
  return (raw) => {
    const offered = raw.headers[REQUEST_ID_HEADER];
    if (typeof offered === 'string' && trustedProxies.length > 0 && SANE_ID.test(offered)) {
      const peer = normalizeAddress(raw.socket?.remoteAddress);
      if (peer && trusted.has(peer)) return offered;
    }
    return randomUUID();
  };
}

/** Every response carries the request's id, so a user's report can be found in the log. */
export function registerRequestIdHeader(app: FastifyInstance): void {
  app.addHook('onRequest', (request, reply, done) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
}
