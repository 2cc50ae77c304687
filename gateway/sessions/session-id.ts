import { createHash, randomBytes } from 'node:crypto';

/** 256 bits from the OS random source, URL-safe: the only thing the cookie carries. */
export function newSessionId(): string {
  return randomBytes(32).toString('base64url');
}

/** Cookie values that could be a session id; anything else is refused before a store lookup. */
export function looksLikeSessionId(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{43}$/.test(value);
}

/**
 * The store key of a session. Stores keep the digest, not the id, so a dump of the store
 * (or of Redis) does not hand out live cookies.
 */
export function storeKeyOf(sessionId: string): string {
  return 'session:' + createHash('sha256').update(sessionId).digest('base64url');
}

/** The token's `sid` claim: a digest of the session id, never the id itself. */
export function sidClaimOf(sessionId: string): string {
  return createHash('sha256').update('sid:' + sessionId).digest('base64url');
}
