/**
 * Verify the gateway's token: framework-free. `createTokenVerifier(options)` validates the
 * options once (start-up) and builds the key source and the cache; `verifyToken(token,
 * options)` does the same lazily, one verifier per options object.
 *
 * Order of checks, cheapest and most dangerous first: length, cache (keyed on the exact
 * token text), canonical base64url in every part, header (alg from the allow-list, kid
 * present, typ accepted), then jose (signature with the key of that kid and alg, iss, aud,
 * exp/nbf/iat with the clock tolerance), then the contract's claim types.
 */
import { createLocalJWKSet, createRemoteJWKSet, customFetch, decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { LRUCache } from 'lru-cache';
import { TokenError } from '../errors.js';
import type { PortcullisTokenClaims, TokenAlgorithm } from './claims.js';
import { checkContractClaims, REQUIRED_CLAIMS } from './contract-claims.js';
import type { DevKey } from './dev-key.js';
import { fromJoseError } from './jose-errors.js';
import { defaultWarning, normalizeType, resolveVerifyOptions, type ResolvedVerifyOptions, type VerifyOptions } from './options.js';

export interface VerifiedToken {
  /** the contract claims, checked and frozen */
  readonly claims: PortcullisTokenClaims;
  readonly header: { readonly alg: TokenAlgorithm; readonly kid: string; readonly typ?: string };
}

export interface VerifierStats {
  /** tokens whose signature was checked and accepted */
  verified: number;
  /** tokens answered from the cache of verified tokens */
  cacheHits: number;
  /** concurrent requests that waited for the verification of the same new token */
  coalesced: number;
  /** verifications that refused the token (a coalesced refusal counts once) */
  refused: number;
}

interface CacheEntry {
  result: VerifiedToken;
  /** ms since epoch after which the entry is no longer used */
  expiresAt: number;
}

type RemoteKeySet = ReturnType<typeof createRemoteJWKSet>;

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** At most one JWKS fetch per this interval is forced past the cooldown (see #getKeyAcrossRotation). */
const FORCED_REFETCH_INTERVAL_MS = 1_000;

export class TokenVerifier {
  readonly options: ResolvedVerifyOptions;
  readonly #getKey: JWTVerifyGetKey;
  readonly #remote: RemoteKeySet | undefined;
  readonly #cache: LRUCache<string, CacheEntry> | undefined;
  readonly #pending = new Map<string, Promise<VerifiedToken>>();
  readonly #stats: VerifierStats = { verified: 0, cacheHits: 0, coalesced: 0, refused: 0 };
  /** when the JWKS was last requested (ms since epoch); 0: never */
  #fetchedAt = 0;
  #forcedAt = 0;
  #forced: Promise<void> | undefined;

  constructor(options: VerifyOptions) {
    this.options = resolveVerifyOptions(options);
    const { trust } = this.options;
    if (trust.kind === 'jwks') {
      // jose's remote set: one fetch at a time, refetch on an unknown kid after the cooldown
      this.#remote = createRemoteJWKSet(trust.url, {
        timeoutDuration: trust.timeoutMs,
        cooldownDuration: trust.cooldownMs,
        cacheMaxAge: trust.cacheMaxAgeMs,
        [customFetch]: (url: string, init: RequestInit) => {
          this.#fetchedAt = Date.now();
          return fetch(url, init);
        },
      });
      this.#getKey = (header, token) => this.#getKeyAcrossRotation(header, token);
    } else {
      this.#getKey = createLocalJWKSet(trust.jwks);
    }
    if (this.options.cache) this.#cache = new LRUCache({ max: this.options.cache.max });
  }

  /**
   * jose refetches on an unknown kid only after its cooldown, so a key announced (and used)
   * shortly after the last fetch was refused until the cooldown ran out. When the token was
   * issued after the key set was fetched, that key set cannot know a key announced since:
   * fetch once more, past the cooldown. Forged tokens can force at most one fetch per second.
   */
  async #getKeyAcrossRotation(...args: Parameters<JWTVerifyGetKey>): Promise<Awaited<ReturnType<JWTVerifyGetKey>>> {
    const remote = this.#remote!;
    try {
      return await remote(...args);
    } catch (err) {
      if (!(err instanceof joseErrors.JWKSNoMatchingKey)) throw err;
      // requests that missed while a forced fetch runs wait for it instead of failing
      if (this.#forced) {
        await this.#forced;
        return remote(...args);
      }
      // outside the cooldown jose has just refetched for this miss itself
      if (!remote.coolingDown) throw err;
      const issuedAt = issuedAtMs(args[1]?.payload);
      const now = Date.now();
      // iat has whole seconds: a token of the same second as the fetch may be newer than it
      if (issuedAt === undefined || issuedAt + 1000 <= this.#fetchedAt || now - this.#forcedAt < FORCED_REFETCH_INTERVAL_MS) throw err;
      this.#forcedAt = now;
      this.#forced = remote.reload().finally(() => {
        this.#forced = undefined;
      });
      await this.#forced;
      return remote(...args);
    }
  }

  /** Counters since start (copies). */
  get stats(): VerifierStats {
    return { ...this.#stats };
  }

  /** The dev key, when the verifier trusts one (development mode). */
  get devKey(): DevKey | undefined {
    return this.options.trust.kind === 'dev' ? this.options.trust.devKey : undefined;
  }

  /** Fetch the JWKS now (e.g. at start-up, to fail early); a no-op for local keys. */
  async reloadKeys(): Promise<void> {
    if (!this.#remote) return;
    try {
      await this.#remote.reload();
    } catch (err) {
      throw fromJoseError(err, 'jwks');
    }
  }

  /** Forget every verified token (e.g. after a key was withdrawn). */
  clearCache(): void {
    this.#cache?.clear();
  }

  /** Verify a token; resolves to its checked claims or rejects with a coded EngineClientError. */
  verify(token: unknown): Promise<VerifiedToken> {
    if (typeof token !== 'string' || token === '') return this.#refuse(new TokenError('TOKEN_MISSING', 'token missing'));
    if (token.length > this.options.maxTokenLength) return this.#refuse(new TokenError('TOKEN_MALFORMED', 'token too long'));
    if (!this.#cache) return this.#verifyFresh(token, this.options.clock());

    // hot path: a token seen before is answered without crypto until its exp
    const now = this.options.clock();
    const hit = this.#cache.get(token);
    if (hit) {
      if (now < hit.expiresAt) {
        this.#stats.cacheHits++;
        return Promise.resolve(hit.result);
      }
      this.#cache.delete(token);
    }
    // a burst of requests with one new token (a fresh session) is verified once
    const pending = this.#pending.get(token);
    if (pending) {
      this.#stats.coalesced++;
      return pending;
    }
    const work = this.#verifyFresh(token, now);
    this.#pending.set(token, work);
    const done = () => this.#pending.delete(token);
    work.then(done, done);
    return work;
  }

  #refuse(err: unknown): Promise<never> {
    this.#stats.refused++;
    return Promise.reject(fromJoseError(err, this.options.trust.kind));
  }

  async #verifyFresh(token: string, now: number): Promise<VerifiedToken> {
    try {
      return await this.#check(token, now);
    } catch (err) {
      this.#stats.refused++;
      throw fromJoseError(err, this.options.trust.kind);
    }
  }

  async #check(token: string, now: number): Promise<VerifiedToken> {
    const o = this.options;
    if (!COMPACT_JWS.test(token)) throw new TokenError('TOKEN_MALFORMED', 'malformed token');
    // base64url decoders ignore the unused low bits of the last character, so one signature
    // has several spellings; only the canonical one is a token (the cache keys on the text)
    if (!isCanonicalBase64url(token)) throw new TokenError('TOKEN_MALFORMED', 'token is not in canonical base64url');
    const header = decodeProtectedHeader(token);
    // refuse before any key lookup: none, HS* (algorithm confusion) and anything not allowed
    if (typeof header.alg !== 'string' || !(o.algorithms as readonly string[]).includes(header.alg)) {
      throw new TokenError('TOKEN_ALG_NOT_ALLOWED', 'algorithm not allowed');
    }
    if (typeof header.kid !== 'string' || header.kid === '') throw new TokenError('TOKEN_MALFORMED', 'token has no key id');
    if (typeof header.typ !== 'string' || !o.types.includes(normalizeType(header.typ))) {
      throw new TokenError('TOKEN_TYPE_NOT_ALLOWED', 'token type not accepted');
    }

    const { payload } = await jwtVerify(token, this.#getKey, {
      issuer: o.issuer,
      audience: o.audience as string[],
      algorithms: o.algorithms as string[],
      clockTolerance: o.clockToleranceSeconds,
      maxTokenAge: o.maxTokenAgeSeconds,
      requiredClaims: [...REQUIRED_CLAIMS],
      currentDate: new Date(now),
    });
    const nowSeconds = now / 1000;
    if (typeof payload.iat === 'number' && payload.iat > nowSeconds + o.clockToleranceSeconds) {
      throw new TokenError('TOKEN_NOT_YET_VALID', 'token issued in the future');
    }
    const claims = checkContractClaims(payload);
    const result: VerifiedToken = Object.freeze({
      claims,
      header: Object.freeze({ alg: header.alg as TokenAlgorithm, kid: header.kid, ...(typeof header.typ === 'string' ? { typ: header.typ } : {}) }),
    });
    this.#stats.verified++;

    if (this.#cache) {
      // until exp (without the tolerance: a token near its end is checked again), and no
      // longer than the maximum token age allows
      let expiresAt = claims.exp * 1000;
      if (o.maxTokenAgeSeconds !== undefined) expiresAt = Math.min(expiresAt, (claims.iat + o.maxTokenAgeSeconds) * 1000);
      if (expiresAt > now) this.#cache.set(token, { result, expiresAt });
    }
    return result;
  }
}

/** Each of the three parts decodes and re-encodes to exactly itself. */
function isCanonicalBase64url(token: string): boolean {
  let start = 0;
  for (let part = 0; part < 3; part++) {
    const end = part === 2 ? token.length : token.indexOf('.', start);
    const text = token.slice(start, end);
    if (text.length % 4 === 1 || Buffer.from(text, 'base64url').toString('base64url') !== text) return false;
    start = end + 1;
  }
  return true;
}

/** Validate the options and build a verifier (do this once, at start-up). */
export function createTokenVerifier(options: VerifyOptions): TokenVerifier {
  return new TokenVerifier(options);
}

const verifiers = new WeakMap<object, TokenVerifier>();
let verifiersBuilt = 0;
/** this many verifiers built by verifyToken suggests a new options object per call */
export const VERIFIER_PER_CALL_THRESHOLD = 50;

/**
 * Verify `token` against `options` (or a verifier). The verifier built for an options object
 * is kept with it, so passing the same object again reuses its key set and cache. Passing a
 * fresh object literal on every call would refetch the JWKS every time: after
 * VERIFIER_PER_CALL_THRESHOLD such verifiers a coded warning says so (once).
 */
export async function verifyToken(token: unknown, options: VerifyOptions | TokenVerifier): Promise<VerifiedToken> {
  if (options instanceof TokenVerifier) return options.verify(token);
  let verifier = verifiers.get(options);
  if (!verifier) {
    verifier = new TokenVerifier(options);
    verifiers.set(options, verifier);
    if (++verifiersBuilt === VERIFIER_PER_CALL_THRESHOLD) {
      (options.onWarning ?? defaultWarning)({
        code: 'PORTCULLIS_VERIFIER_PER_CALL',
        message: `verifyToken built ${VERIFIER_PER_CALL_THRESHOLD} verifiers: pass the same options object (or a createTokenVerifier() result) on every call, or each call refetches keys and misses the cache`,
      });
    }
  }
  return verifier.verify(token);
}

/** The `iat` of a compact token's payload segment in ms, or undefined when it has none. */
function issuedAtMs(payload: unknown): number | undefined {
  if (typeof payload !== 'string') return undefined;
  try {
    const iat = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { iat?: unknown }).iat;
    return typeof iat === 'number' && Number.isFinite(iat) ? iat * 1000 : undefined;
  } catch {
    return undefined;
  }
}
