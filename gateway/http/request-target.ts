import type { FastifyInstance } from 'fastify';

/**
 * The gateway is an origin server, not a forward proxy: a request target must be a path
 * (origin form, RFC 9112 §3.2.1), or `*` for OPTIONS. An absolute-form target
 * (`GET http://other/ HTTP/1.1`) would otherwise reach the proxy library, whose internal
 * error message would answer it; it gets the gateway's own 400 instead.
 */
export function registerRequestTargetCheck(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    const target = request.raw.url ?? '';
    if (target.startsWith('/') && !target.startsWith('//')) return;
    if (target === '*' && request.method === 'OPTIONS') return;
    request.log.info({ code: 'GW_BAD_REQUEST_TARGET' }, 'request refused: the request target is not a path');
    return reply.code(400).send({ statusCode: 400, code: 'GW_BAD_REQUEST_TARGET', error: 'Bad Request', message: 'the request target must be a path (origin form)' });
  });
}
