import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SAML_DEFAULTS } from '@portcullis/config/schema/saml.js';
import type { ExpiringStore } from '../../sessions/store.js';
import { SAML_ERROR_CODES as C, refused } from './errors.js';

export const BINDING_COOKIE = 'portcullis_saml';

export interface BrowserBinding {
  enabled: boolean;
  /** https: SameSite=None; Secure (the IdP posts cross-site); http: SameSite=Lax */
  secure: boolean;
  store: ExpiringStore;
  keyPrefix: string;
  ttlSeconds: number;
}

/**
 * Each browser carries one random nonce in a cookie limited to the ACS path; every
 * AuthnRequest it starts is recorded with the nonce's digest. At the ACS the response's
 * InResponseTo must belong to the nonce the posting browser shows. Several tabs share the
 * nonce, so parallel logins work.
 */
export async function bindRequestToBrowser(b: BrowserBinding, request: FastifyRequest, reply: FastifyReply, redirectUrl: string): Promise<void> {
  if (!b.enabled) return;
  const nonce = readCookie(request, BINDING_COOKIE) ?? randomBytes(32).toString('base64url');
  const requestId = requestIdOf(redirectUrl);
  await b.store.set(`${b.keyPrefix}${requestId}`, digest(nonce), b.ttlSeconds);
  const sameSite = b.secure ? 'SameSite=None; Secure' : 'SameSite=Lax';
  reply.header('set-cookie', `${BINDING_COOKIE}=${nonce}; Path=${SAML_DEFAULTS.acsPath}; Max-Age=${b.ttlSeconds}; HttpOnly; ${sameSite}`);
}

export async function checkBrowserBinding(b: BrowserBinding, request: FastifyRequest, inResponseTo: string | undefined): Promise<void> {
  if (!b.enabled || !inResponseTo) return;
  const expected = await b.store.get<string>(`${b.keyPrefix}${inResponseTo}`);
  const nonce = readCookie(request, BINDING_COOKIE);
  if (!expected || !nonce || !sameDigest(expected, digest(nonce))) {
    throw refused(C.browserMismatch, `request ${inResponseTo} was not started by this browser (binding cookie ${nonce ? 'does not match' : 'missing'})`);
  }
}

function requestIdOf(redirectUrl: string): string {
  const xml = inflateRawSync(Buffer.from(new URL(redirectUrl).searchParams.get('SAMLRequest') ?? '', 'base64')).toString('utf8');
  const id = /\sID="([^"]+)"/.exec(xml)?.[1];
  if (!id) throw new Error('AuthnRequest without ID');
  return id;
}

function readCookie(request: FastifyRequest, name: string): string | undefined {
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

const digest = (v: string) => createHash('sha256').update(v).digest('base64url');
const sameDigest = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
