import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { LRUCache } from 'lru-cache';
import { claimNamesWith, IDENTITY_ATTRIBUTES, TOKEN_TYPE, type PortcullisTokenClaims } from '@portcullis/engine-client/token';
import type { TokenIdentity } from '../identity/authenticated-user.js';
import type { SigningKeys } from './key-store.js';

export interface MinterSettings {
  issuer: string;
  lifetimeSeconds: number;
  renewBeforeSeconds: number;
  /** attribute → claim name overrides */
  claimNames: Record<string, string>;
  /** most cached tokens; one per (session, audience) */
  cacheSize?: number;
  now?: () => number;
}

export interface MintRequest {
  user: TokenIdentity;
  audience: string;
  /** the token's `sid` claim (a digest of the session id) when there is a session */
  sid?: string;
  /** what the token may be reused for: the session digest, or a technical user's fingerprint */
  cacheKey: string;
  /** a held request sent after its approval: the token names the approval and its approvers (never cached) */
  approval?: { id: string; approvedBy: readonly string[] };
}

interface CachedToken {
  token: string;
  exp: number;
}

/**
 * Mints the contract's token (engine-client/token/claims.ts) and reuses it per session and
 * audience until it is close to expiry: signing is the costliest step on the hot path.
 */
export class TokenMinter {
  #keys: SigningKeys;
  readonly #settings: MinterSettings;
  readonly #claimNames: Record<string, string>;
  readonly #cache: LRUCache<string, CachedToken>;
  /** audiences a cache key has tokens for, so forgetting a session touches only its entries */
  readonly #audiences: LRUCache<string, Set<string>>;
  readonly #now: () => number;

  constructor(keys: SigningKeys, settings: MinterSettings) {
    this.#keys = keys;
    this.#settings = settings;
    this.#claimNames = claimNamesWith(settings.claimNames);
    this.#cache = new LRUCache({ max: settings.cacheSize ?? 50_000 });
    this.#audiences = new LRUCache({ max: settings.cacheSize ?? 50_000 });
    this.#now = settings.now ?? Date.now;
  }

  /** Sign with these keys from now on (live rotation); tokens already minted stay valid. */
  useKeys(keys: SigningKeys): void {
    this.#keys = keys;
  }

  /** A token for this user and audience: cached when one has enough life left, else fresh. */
  async tokenFor(request: MintRequest): Promise<string> {
    const key = request.cacheKey + '\u0000' + request.audience;
    const nowSeconds = Math.floor(this.#now() / 1000);
    const cached = this.#cache.get(key);
    if (cached && cached.exp - nowSeconds > this.#settings.renewBeforeSeconds) return cached.token;
    const { token, exp } = await this.mint(request, nowSeconds);
    this.#cache.set(key, { token, exp });
    const audiences = this.#audiences.get(request.cacheKey);
    if (audiences) audiences.add(request.audience);
    else this.#audiences.set(request.cacheKey, new Set([request.audience]));
    return token;
  }

  /** Sync fast path: the cached token if it is still good, else undefined. */
  cachedTokenFor(cacheKey: string, audience: string): string | undefined {
    const cached = this.#cache.get(cacheKey + '\u0000' + audience);
    if (!cached) return undefined;
    return cached.exp - Math.floor(this.#now() / 1000) > this.#settings.renewBeforeSeconds ? cached.token : undefined;
  }

  /** Forget the tokens of a session (logout): they stay valid until exp, but are not handed out again. */
  /** True when a request of this cache key will mint a token for `audience` (none cached, or due for renewal). */
  willMint(cacheKey: string, audience: string): boolean {
    return this.cachedTokenFor(cacheKey, audience) === undefined;
  }

  forget(cacheKey: string): void {
    for (const audience of this.#audiences.get(cacheKey) ?? []) this.#cache.delete(cacheKey + '\u0000' + audience);
    this.#audiences.delete(cacheKey);
  }

  async mint(request: MintRequest, nowSeconds = Math.floor(this.#now() / 1000)): Promise<{ token: string; exp: number }> {
    const { user } = request;
    const exp = nowSeconds + this.#settings.lifetimeSeconds;
    const claims: Omit<PortcullisTokenClaims, 'iss' | 'aud' | 'sub' | 'iat' | 'nbf' | 'exp' | 'jti'> = {
      roles: [...user.roles],
      groups: [...user.groups],
      acr: user.level,
      amr: [...user.amr],
    };
    if (request.sid) claims.sid = request.sid;
    if (request.approval) {
      claims.approval_id = request.approval.id;
      claims.approved_by = [...request.approval.approvedBy];
    }
    const attributes: Record<string, string> = { loginId: user.loginId, ...user.attributes };
    for (const attribute of IDENTITY_ATTRIBUTES) {
      const value = attributes[attribute];
      if (value !== undefined && value !== '') claims[this.#claimNames[attribute]] = value;
    }
    const key = this.#keys.current;
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: TOKEN_TYPE })
      .setIssuer(this.#settings.issuer)
      .setAudience(request.audience)
      .setSubject(user.loginId)
      .setIssuedAt(nowSeconds)
      .setNotBefore(nowSeconds)
      .setExpirationTime(exp)
      .setJti(randomUUID())
      .sign(key.privateKey);
    return { token, exp };
  }
}
