import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { createLocalJWKSet, jwtVerify, type JWK } from 'jose';
import type { GatewayContext } from '../context.js';
import { GatewayError } from '../errors.js';
import type { ActiveSession } from '../sessions/session-manager.js';

/** Who calls the vault API, decided once per request. */
export type VaultCaller =
  /** a browser with an SSO session: reads keys, writes with the session's CSRF token, never reads a value */
  | { kind: 'session'; user: string; roles: readonly string[]; session: ActiveSession }
  /** a client with a token the gateway minted for one engine (audience): acts for the token's subject */
  | { kind: 'token'; user: string; roles: readonly string[]; audience: string }
  /** a technical user on the mTLS listener: reads only what a grant names */
  | { kind: 'technical'; technicalUser: string };

export interface VaultCallerResolver {
  (request: FastifyRequest): Promise<VaultCaller | undefined>;
}

/**
 * A Bearer token counts only when the gateway itself signed it (its published keys), for its
 * own issuer and one of its route audiences; the engine a token was minted for is who asks.
 */
export function vaultCallerResolver(gw: GatewayContext, options: { issuer: string; audiences: readonly string[]; jwks: () => { keys: JWK[] } }): VaultCallerResolver {
  let cached: { kids: string; set: ReturnType<typeof createLocalJWKSet> } | undefined;
  const keySet = () => {
    const jwks = options.jwks();
    const kids = jwks.keys.map((k) => k.kid).join(',');
    if (cached?.kids !== kids) cached = { kids, set: createLocalJWKSet(jwks) };
    return cached.set;
  };
  return async (request) => {
    const owner = gw.authenticators.request.find((a) => a.owns?.(request));
    if (owner) {
      const user = await owner.authenticate(request);
      return user ? { kind: 'technical', technicalUser: user.loginId } : undefined;
    }
    const authorization = request.headers.authorization;
    if (typeof authorization === 'string' && /^bearer /i.test(authorization)) {
      const token = authorization.slice(7).trim();
      try {
        const { payload } = await jwtVerify(token, keySet(), {
          issuer: options.issuer,
          audience: [...options.audiences],
          algorithms: [gw.keys.current.alg],
          clockTolerance: 5,
        });
        const audience = Array.isArray(payload.aud) ? payload.aud.find((a) => options.audiences.includes(a)) : payload.aud;
        if (typeof payload.sub !== 'string' || !audience) throw new Error('no subject or audience');
        const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is string => typeof r === 'string') : [];
        return { kind: 'token', user: payload.sub, roles, audience };
      } catch {
        // never echo the token or jose's detail about it
        throw new GatewayError('GW_UNAUTHENTICATED', 401, 'the Bearer token is not a valid, current token of this gateway', { headers: { 'www-authenticate': 'Bearer realm="portcullis", error="invalid_token"' } });
      }
    }
    const session = await gw.sessions.load(request);
    if (session) return { kind: 'session', user: session.record.user.loginId, roles: session.record.user.roles, session };
    return undefined;
  };
}

/** A browser's write must carry its session's CSRF token (header `x-csrf-token` or form field `csrf`). */
export function checkSessionCsrf(session: ActiveSession, submitted: unknown): void {
  const expected = Buffer.from(session.record.csrf);
  const given = Buffer.from(typeof submitted === 'string' ? submitted : '');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new GatewayError('GW_CSRF_INVALID', 403, 'the form has expired or was not sent by this site; reload the page and try again');
  }
}
