import * as client from 'openid-client';
import type { FastifyRequest } from 'fastify';
import type { ExpiringStore } from '../../sessions/store.js';
import type { AuthenticatedUser } from '../types.js';
import { digest } from '../routed/browser-binding.js';
import { OIDC_ERROR_CODES as C } from './errors.js';
import type { ProviderClient } from './provider-client.js';
import { describe, isUnreachable } from './provider-client.js';
import type { ResolvedOidc } from './settings.js';
import type { TokenBox } from './token-box.js';
import { claimAt, oidcDataOf, userFromClaims } from './user-mapping.js';

export interface RefreshDeps {
  settings: ResolvedOidc;
  store: ExpiringStore;
  box: TokenBox;
  clients: readonly ProviderClient[];
}

/** A failed refresh against a provider that is down is retried this soon, within the grace. */
const RETRY_MS = 30_000;
/** One gateway refreshes a session at a time; the lock outlives one slow provider call. */
const LOCK_SECONDS = 30;

/**
 * Re-read a session's groups with its refresh token. Bound on stale roles: while the provider
 * answers, they are at most `refreshIntervalSeconds` old (the first request after that waits
 * for the refresh); while it cannot be reached, the session keeps them at most
 * `refreshGraceSeconds` longer and then ends. A refused refresh token (revoked, user
 * disabled) ends the session at once. Authentication level and amr stay those of the login.
 */
export class SessionRefresher {
  readonly #deps: RefreshDeps;
  readonly #inFlight = new Map<string, Promise<AuthenticatedUser | null | undefined>>();

  constructor(deps: RefreshDeps) {
    this.#deps = deps;
  }

  refresh(user: AuthenticatedUser, log: FastifyRequest['log']): Promise<AuthenticatedUser | null | undefined> {
    const data = oidcDataOf(user);
    const key = data ? `${data.provider}\u0000${data.sub}\u0000${data.refreshToken ?? ''}` : '';
    let running = this.#inFlight.get(key);
    if (!running) {
      running = this.#refresh(user, log).finally(() => this.#inFlight.delete(key));
      this.#inFlight.set(key, running);
    }
    return running;
  }

  async #refresh(user: AuthenticatedUser, log: FastifyRequest['log']): Promise<AuthenticatedUser | null | undefined> {
    const { settings, box, store } = this.#deps;
    const data = oidcDataOf(user);
    const pc = data && this.#deps.clients.find((c) => c.provider.name === data.provider);
    const refreshToken = data && box.open(data.refreshToken);
    if (!data || !pc || !refreshToken) {
      // nothing to refresh with (another key, a removed provider): the roles cannot be re-read, so the session ends
      log.warn({ provider: data?.provider, code: C.refreshRefused }, 'oidc session cannot be refreshed; ending it');
      return null;
    }
    const now = Date.now();
    const lock = `oidc:${settings.name}:refresh-lock:${digest(refreshToken)}`;
    // another gateway refreshes this session right now: serve this request as it is and write nothing,
    // so its result (perhaps with a rotated refresh token) is not overwritten
    if (!(await store.setIfAbsent(lock, 1, LOCK_SECONDS))) return undefined;
    try {
      const config = await pc.configuration();
      const tokens = await client.refreshTokenGrant(config, refreshToken);
      const claims: Record<string, unknown> = { ...(tokens.claims() ?? {}) };
      if (claims.sub !== undefined && claims.sub !== data.sub) throw new Error('refreshed ID token names another subject');
      let merged: Record<string, unknown> = Object.keys(claims).length ? claims : { sub: data.sub };
      // a refreshed ID token may be leaner than the login's (claims only in userinfo): then ask userinfo too
      const cfg = pc.provider.config;
      const lacking = claimAt(merged, cfg.loginClaim) === undefined || (cfg.groupsClaim !== undefined && claimAt(merged, cfg.groupsClaim) === undefined);
      if (cfg.userinfo || !tokens.id_token || lacking) {
        const info = await client.fetchUserInfo(config, tokens.access_token, data.sub);
        merged = { ...info, ...claims };
      }
      const fresh = userFromClaims(settings.name, pc.provider, merged, {
        ...data,
        refreshToken: tokens.refresh_token ? box.seal(tokens.refresh_token) : data.refreshToken,
        idToken: tokens.id_token ? box.seal(tokens.id_token) : data.idToken,
        freshAt: now,
      });
      if (fresh.loginId !== user.loginId) throw new Error('the login claim changed at the provider');
      log.info({ provider: data.provider, roles: fresh.roles }, 'oidc session refreshed');
      // a refresh does not authenticate anyone again: the level stays the login's
      return { ...fresh, level: user.level, amr: user.amr, refreshAt: now + settings.config.refreshIntervalSeconds * 1000 };
    } catch (err) {
      if (isUnreachable(err) || (err as Error).name === 'OidcProviderUnavailableError') {
        const staleFor = now - data.freshAt;
        const bound = (settings.config.refreshIntervalSeconds + settings.config.refreshGraceSeconds) * 1000;
        if (staleFor >= bound) {
          log.warn({ provider: data.provider, code: C.refreshRefused, reason: describe(err) }, 'oidc provider unreachable past the refresh grace; ending the session');
          return null;
        }
        log.warn({ provider: data.provider, reason: describe(err) }, 'oidc refresh failed: provider unreachable; roles kept within the grace');
        return { ...user, refreshAt: now + RETRY_MS };
      }
      log.warn({ provider: data.provider, code: C.refreshRefused, reason: describe(err) }, 'oidc refresh refused; ending the session');
      return null;
    } finally {
      await store.delete(lock);
    }
  }
}
