import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

const COOKIE = 'portcullis_csrf';

/**
 * CSRF for the login form, before any session exists: a random value in an HttpOnly cookie
 * and the same value in a hidden form field (double submit). A cross-site page can post
 * the form but can neither read nor set the cookie.
 */
export function issueCsrf(request: FastifyRequest, reply: FastifyReply, secure: boolean): string {
  const existing = request.cookies[COOKIE];
  const value = typeof existing === 'string' && /^[A-Za-z0-9_-]{32}$/.test(existing) ? existing : randomBytes(24).toString('base64url');
  reply.setCookie(COOKIE, value, { path: '/login', httpOnly: true, sameSite: 'strict', secure });
  return value;
}

export function csrfMatches(request: FastifyRequest, submitted: unknown): boolean {
  const cookie = request.cookies[COOKIE];
  if (typeof cookie !== 'string' || typeof submitted !== 'string') return false;
  const a = Buffer.from(cookie);
  const b = Buffer.from(submitted);
  return a.length === b.length && timingSafeEqual(a, b);
}
