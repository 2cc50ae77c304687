import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ExpiringStore } from '../../sessions/store.js';

/**
 * Ties a login started at a routed authenticator (SAML, OIDC) to the browser that started it.
 * Each browser carries one random nonce in a cookie limited to the authenticator's return path;
 * every login it starts is recorded under the login's id with the nonce's digest. When the
 * provider sends the browser back, the id must belong to the nonce that browser shows, so an
 * attacker cannot finish a login of theirs in a victim's browser. Tabs share the nonce, so
 * parallel logins work.
 */
export interface BrowserBinding {
  enabled: boolean;
  cookieName: string;
  /** the path the provider returns to (the SAML ACS, the OIDC callbacks) */
  cookiePath: string;
  /** https with a cross-site POST back (SAML): SameSite=None; Secure. Otherwise Lax (top-level GET returns) */
  sameSiteNone: boolean;
  secure: boolean;
  store: ExpiringStore;
  keyPrefix: string;
  ttlSeconds: number;
}

export async function bindLoginToBrowser(b: BrowserBinding, request: FastifyRequest, reply: FastifyReply, loginId: string): Promise<void> {
  if (!b.enabled) return;
  const nonce = readNonceCookie(request, b.cookieName) ?? randomBytes(32).toString('base64url');
  await b.store.set(`${b.keyPrefix}${loginId}`, digest(nonce), b.ttlSeconds);
  const sameSite = b.sameSiteNone ? 'SameSite=None; Secure' : b.secure ? 'SameSite=Lax; Secure' : 'SameSite=Lax';
  reply.header('set-cookie', `${b.cookieName}=${nonce}; Path=${b.cookiePath}; Max-Age=${b.ttlSeconds}; HttpOnly; ${sameSite}`);
}

/** True when the login was started by the browser of this request (always true when binding is off). */
export async function isBoundToThisBrowser(b: BrowserBinding, request: FastifyRequest, loginId: string): Promise<{ ok: boolean; cookie: 'present' | 'missing' }> {
  const nonce = readNonceCookie(request, b.cookieName);
  if (!b.enabled) return { ok: true, cookie: nonce ? 'present' : 'missing' };
  const expected = await b.store.get<string>(`${b.keyPrefix}${loginId}`);
  return { ok: Boolean(expected && nonce && sameDigest(expected, digest(nonce))), cookie: nonce ? 'present' : 'missing' };
}

function readNonceCookie(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) {
      const value = part.slice(i + 1).trim();
      return /^[A-Za-z0-9_-]{43}$/.test(value) ? value : undefined;
    }
  }
  return undefined;
}

export const digest = (v: string) => createHash('sha256').update(v).digest('base64url');
const sameDigest = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
