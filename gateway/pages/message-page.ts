import type { FastifyRequest } from 'fastify';
import { builtinPages, pagesOf } from './pages.js';

/**
 * A page that tells the user one thing, with an optional link onwards, in the built-in look.
 * Code that answers a request uses `pagesOf(request).message(...)`, which is branded.
 */
export function messagePage(title: string, message: string, link?: { href: string; text: string }, note?: string): string {
  return builtinPages().message({ title, message, ...(link ? { links: [link] } : {}), ...(note ? { note } : {}) });
}

/** The same page in the branding of the gateway that answers `request`. */
export function messagePageFor(request: FastifyRequest, title: string, message: string, link?: { href: string; text: string }, note?: string): string {
  return pagesOf(request).message({ title, message, ...(link ? { links: [link] } : {}), ...(note ? { note } : {}) });
}
