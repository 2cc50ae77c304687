import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { JWTPayload } from 'jose';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { OIDC_DEFAULTS } from '@portcullis/config/schema/oidc.js';
import type { ExpiringStore } from '../../sessions/store.js';
import type { AuthenticatedUser, LoginCompletion } from '../types.js';
import { digest } from '../routed/browser-binding.js';
import { OIDC_ERROR_CODES as C, OidcError, OidcProviderUnavailableError } from './errors.js';
import type { ProviderClient } from './provider-client.js';
import { describe, isUnreachable } from './provider-client.js';
import type { ResolvedOidc } from './settings.js';
import { oidcDataOf } from './user-mapping.js';

const BACKCHANNEL_EVENT = 'http://schemas.openid.net/event/backchannel-logout';
const MAX_TOKEN_LENGTH = 16 * 1024;

export interface LogoutDeps {
  settings: ResolvedOidc;
  store: ExpiringStore;
}

/** Where the provider's sid and sub lead to the gateway's login id, so a logout token finds the sessions. */
export const subjectLinkKey = (name: string, provider: string, kind: 'sid' | 'sub', value: string) => `oidc:${name}:${provider}:${kind}:${digest(value)}`;

export async function rememberSessionLinks(deps: LogoutDeps, user: AuthenticatedUser): Promise<void> {
  const data = oidcDataOf(user);
  if (!data) return;
  const ttl = deps.settings.config.sessionLinkTtlSeconds;
  await deps.store.set(subjectLinkKey(deps.settings.name, data.provider, 'sub', data.sub), user.loginId, ttl);
  if (data.sid) await deps.store.set(subjectLinkKey(deps.settings.name, data.provider, 'sid', data.sid), user.loginId, ttl);
}

const invalid = (message: string, cause?: unknown) => new OidcError(C.logoutToken, 400, message, cause);

/**
 * OpenID Connect Back-Channel Logout 1.0: the provider posts a logout token signed with its
 * keys; a valid one ends the matching sessions in the shared store, so every gateway sharing
 * it forgets them at once. The token must carry the back-channel event, no nonce, a jti seen
 * only once, and a sid or sub; with a sid only that provider session ends.
 */
export class BackchannelLogout {
  readonly #deps: LogoutDeps;
  readonly #jwks = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

  constructor(deps: LogoutDeps) {
    this.#deps = deps;
  }

  async handle(request: FastifyRequest, reply: FastifyReply, pc: ProviderClient, completion: LoginCompletion) {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const token = body.logout_token;
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) throw invalid('logout_token form field missing or too large');
    const claims = await this.#verify(token, pc);
    const name = this.#deps.settings.name;
    const provider = pc.provider.name;
    const sid = typeof claims.sid === 'string' ? claims.sid : undefined;
    const sub = typeof claims.sub === 'string' ? claims.sub : undefined;
    const loginId = await this.#deps.store.get<string>(subjectLinkKey(name, provider, sid ? 'sid' : 'sub', (sid ?? sub)!));
    let ended = 0;
    if (loginId !== undefined) {
      if (!completion.endSessionsOf) throw new OidcError(C.logoutToken, 501, 'this gateway cannot end sessions by user');
      ended = await completion.endSessionsOf(name, loginId, (user) => {
        const data = oidcDataOf(user);
        return data?.provider === provider && (sid === undefined || data.sid === sid) && (sub === undefined || data.sub === sub);
      });
    }
    request.log.info({ provider, ended, by: sid ? 'sid' : 'sub' }, 'oidc back-channel logout');
    return reply.header('cache-control', 'no-store').code(200).send();
  }

  async #verify(token: string, pc: ProviderClient): Promise<JWTPayload> {
    const config = await pc.configuration();
    const metadata = config.serverMetadata();
    const settings = this.#deps.settings.config;
    let payload: JWTPayload;
    let typ: string | undefined;
    try {
      ({ payload, protectedHeader: { typ } } = await jwtVerify(token, this.#jwksOf(pc.provider.name, metadata.jwks_uri!), {
        issuer: metadata.issuer,
        audience: pc.provider.config.clientId,
        algorithms: [...pc.provider.config.idTokenAlgorithms],
        clockTolerance: settings.clockToleranceSeconds,
        maxTokenAge: OIDC_DEFAULTS.logoutTokenMaxAgeSeconds,
        requiredClaims: ['iat', 'jti'],
      }));
    } catch (err) {
      if (isUnreachable(err)) throw new OidcProviderUnavailableError(`provider ${pc.provider.name}: JWKS unreachable: ${describe(err)}`, err);
      throw invalid(`logout token refused: ${(err as Error).message}`, err);
    }
    // an ID token must never pass for a logout token (explicit typing, when the provider sets it)
    if (typ !== undefined && !/^(application\/)?logout\+jwt$/i.test(typ)) throw invalid(`logout token typ ${typ} is not logout+jwt`);
    const events = payload.events as Record<string, unknown> | undefined;
    if (!events || typeof events !== 'object' || typeof events[BACKCHANNEL_EVENT] !== 'object') throw invalid('logout token without the back-channel logout event');
    if (payload.nonce !== undefined) throw invalid('logout token carries a nonce (an ID token?)');
    if (typeof payload.sid !== 'string' && typeof payload.sub !== 'string') throw invalid('logout token names neither sid nor sub');
    const ttl = OIDC_DEFAULTS.logoutTokenMaxAgeSeconds + 2 * settings.clockToleranceSeconds;
    const seen = `oidc:${this.#deps.settings.name}:${pc.provider.name}:logout-jti:${digest(String(payload.jti))}`;
    if (!(await this.#deps.store.setIfAbsent(seen, 1, ttl))) throw invalid(`logout token ${String(payload.jti).slice(0, 64)} was already used`);
    return payload;
  }

  #jwksOf(provider: string, uri: string) {
    let jwks = this.#jwks.get(provider);
    if (!jwks) {
      jwks = createRemoteJWKSet(new URL(uri), { timeoutDuration: this.#deps.settings.config.httpTimeoutMs });
      this.#jwks.set(provider, jwks);
    }
    return jwks;
  }
}
