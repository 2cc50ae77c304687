import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { messagePageFor } from '../pages/message-page.js';
import { expectsPage } from './prefers-html.js';

const GENERIC: Record<number | string, string> = {
  500: 'the gateway failed to handle this request',
  502: 'the application behind the gateway did not answer correctly',
  503: 'a service the gateway depends on is unavailable; try again shortly',
  GW_STORE_UNAVAILABLE: 'the session store is unavailable; nobody can be let in until it is back; try again shortly',
  504: 'the application behind the gateway did not answer in time',
};

/**
 * Renders every error as `{statusCode, code, error, message, requestId}`. Client errors keep their
 * message (they name the problem); server errors are logged in full and answered with a
 * generic message, so no stack trace, secret or internal detail leaves the gateway.
 */
export function errorHandler(error: FastifyError & { expose?: boolean; headers?: Record<string, string> }, request: FastifyRequest, reply: FastifyReply) {
  const statusCode = error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
  const exposed = statusCode < 500 && error.expose !== false;
  if (statusCode >= 500) request.log.error({ err: error }, 'request failed');
  else request.log.info({ code: error.code, statusCode }, `request refused: ${error.message}`);
  if (error.headers) for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  const code = error.code ?? (statusCode >= 500 ? 'GW_INTERNAL' : 'GW_BAD_REQUEST');
  const message = exposed ? error.message : (GENERIC[code] ?? GENERIC[statusCode] ?? GENERIC[500]!);
  if (code === 'GW_STORE_UNAVAILABLE') {
    // a store outage may be over in seconds; say so to clients and caches
    reply.header('retry-after', '5').header('cache-control', 'no-store');
  }
  if (expectsPage(request)) {
    const title = code === 'GW_STORE_UNAVAILABLE' ? 'Temporarily unavailable' : statusCode >= 500 ? 'Something went wrong' : (STATUS_CODES[statusCode] ?? 'Error');
    return reply.code(statusCode).type('text/html; charset=utf-8').send(messagePageFor(request, title, `${message.charAt(0).toUpperCase()}${message.slice(1)}.`, backLinkOf(request.url)));
  }
  return reply.code(statusCode).send({ statusCode, code, error: STATUS_CODES[statusCode] ?? 'Error', message, requestId: request.id });
}


/** Where a browser goes on from an error page: its account page for the account's own forms, else the login page. */
function backLinkOf(url: string): { href: string; text: string } {
  return /^\/account(?:[/?#]|$)/i.test(url) ? { href: '/account', text: 'Back to your account' } : { href: '/login', text: 'Back to the login page' };
}
