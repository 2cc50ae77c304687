import type { FastifyRequest } from 'fastify';

/** A browser navigating (GET/HEAD asking for HTML) gets pages and redirects; API clients get JSON. */
export function prefersHtml(request: FastifyRequest): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  const accept = request.headers.accept;
  return typeof accept === 'string' && accept.includes('text/html');
}
