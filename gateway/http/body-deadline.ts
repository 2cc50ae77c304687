import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * A request body must arrive completely within `seconds` of the request's start. Node's
 * own requestTimeout does not cut a body that trickles in after complete headers, so a
 * client sending 1 byte/s could hold a connection (and an upstream request) for minutes.
 * Answered with 408 when nothing was sent yet; the connection is closed either way.
 */
export function registerBodyDeadline(app: FastifyInstance, seconds: number): void {
  const ms = seconds * 1000;
  app.addHook('onRequest', (request, reply, done) => {
    watch(request, reply);
    done();
  });
  const watch = (request: FastifyRequest, reply: FastifyReply) => {
    const raw = request.raw;
    const length = raw.headers['content-length'];
    const hasBody = raw.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
    if (!hasBody || raw.complete) return;
    const timer = setTimeout(() => {
      if (raw.complete) return;
      request.log.info({ code: 'GW_REQUEST_BODY_TIMEOUT', seconds }, 'request refused: the body did not arrive in time');
      if (!reply.raw.headersSent) {
        reply.raw.writeHead(408, { 'content-type': 'application/json; charset=utf-8', connection: 'close' });
        reply.raw.end(JSON.stringify({ statusCode: 408, code: 'GW_REQUEST_BODY_TIMEOUT', error: 'Request Timeout', message: `the request body did not arrive within ${seconds} s` }));
      }
      raw.socket.destroySoon();
      setTimeout(() => raw.socket.destroy(), 1000).unref();
    }, ms);
    timer.unref();
    const clear = () => clearTimeout(timer);
    raw.once('end', clear);
    raw.once('close', clear);
    reply.raw.once('close', clear);
  };
}
