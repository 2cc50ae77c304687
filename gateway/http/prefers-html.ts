import type { FastifyRequest } from 'fastify';

/** A browser navigating (GET/HEAD asking for HTML) gets pages and redirects; API clients get JSON. */
export function prefersHtml(request: FastifyRequest): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  const accept = request.headers.accept;
  return typeof accept === 'string' && accept.includes('text/html');
}

/**
 * A browser waits for a page: it navigates (see prefersHtml) or submits an HTML form
 * (a POST of form data that accepts HTML). Errors it meets are rendered as pages.
 */
export function expectsPage(request: FastifyRequest): boolean {
  if (prefersHtml(request)) return true;
  if (request.method !== 'POST') return false;
  const type = request.headers['content-type'];
  const accept = request.headers.accept;
  return typeof type === 'string' && /^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(type) && typeof accept === 'string' && accept.includes('text/html');
}
