import type { FastifyReply } from 'fastify';
import { messagePageFor } from '../pages/message-page.js';
import { prefersHtml } from '../http/prefers-html.js';
import { codeOf } from './upstream-client.js';

interface Failure {
  statusCode: 502 | 503 | 504;
  code: string;
  message: string;
}

const TIMEOUTS = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT', 'FST_REPLY_FROM_GATEWAY_TIMEOUT']);

/** TLS verification failures (OpenSSL's names as Node reports them). */
function isCertificateError(code: string): boolean {
  return /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS_CERT_ALTNAME_INVALID|HOSTNAME_MISMATCH/.test(code);
}

/** reply-from wraps the client's error; the original is the cause (or the cause's cause). */
function rootCode(error: unknown): string {
  let current: unknown = error;
  let code = codeOf(current);
  for (let depth = 0; depth < 3 && (current as { cause?: unknown } | undefined)?.cause; depth++) {
    current = (current as { cause: unknown }).cause;
    code = codeOf(current) || code;
  }
  return code;
}

export function classifyUpstreamError(error: unknown, prefix: string): Failure {
  const code = rootCode(error);
  if (code === 'GW_UPSTREAM_BUSY') {
    return { statusCode: 503, code: 'GW_UPSTREAM_BUSY', message: `too many requests to this path of ${prefix} are waiting; try again shortly` };
  }
  if (TIMEOUTS.has(code)) return { statusCode: 504, code: 'GW_UPSTREAM_TIMEOUT', message: `the application behind ${prefix} did not answer in time` };
  if (isCertificateError(code)) {
    return { statusCode: 502, code: 'GW_UPSTREAM_UNTRUSTED', message: `the application behind ${prefix} presented a certificate the gateway does not trust` };
  }
  return { statusCode: 502, code: 'GW_UPSTREAM_UNAVAILABLE', message: `the application behind ${prefix} is not reachable` };
}

/** Answer a failed upstream request: a page for browsers, the fixed JSON body for the rest. Logs the cause's code, never the request. */
export function sendUpstreamFailure(reply: FastifyReply, error: Error, route: string, prefix: string): void {
  const failure = classifyUpstreamError(error, prefix);
  const cause = rootCode(error);
  if (cause === 'UND_ERR_ABORTED') {
    reply.request.log.info({ route }, 'client went away; upstream request cancelled');
  } else {
    reply.request.log.warn({ route, code: failure.code, cause }, 'upstream request failed');
  }
  if (reply.sent || reply.raw.destroyed) return;
  if (failure.statusCode === 503) reply.header('retry-after', '5');
  if (prefersHtml(reply.request)) {
    void reply
      .code(failure.statusCode)
      .type('text/html; charset=utf-8')
      .send(messagePageFor(reply.request, failure.statusCode === 504 ? 'The application is not answering' : 'The application is unavailable', `${failure.message}.`));
    return;
  }
  void reply.code(failure.statusCode).send({
    statusCode: failure.statusCode,
    code: failure.code,
    error: failure.statusCode === 504 ? 'Gateway Timeout' : failure.statusCode === 503 ? 'Service Unavailable' : 'Bad Gateway',
    message: failure.message,
  });
}
