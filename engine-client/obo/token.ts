import { createPrivateKey, createPublicKey, randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT, calculateJwkThumbprint, exportJWK, type JWK } from 'jose';
import { LRUCache } from 'lru-cache';
import { AccessOptionError } from '../access-errors.js';
import { ASYMMETRIC_ALGORITHMS, type ActorClaim, type TokenAlgorithm } from '../token/claims.js';
import type { OboSubject } from './decide.js';

export interface OboTokenOptions {
  /** the engine's private key: a KeyObject or PEM (PKCS#8); asymmetric only */
  privateKey: KeyObject | string;
  /** default EdDSA; must suit the key */
  algorithm?: TokenAlgorithm;
  /** `kid` in the header, so the downstream service can pick the key from the engine's JWKS */
  keyId?: string;
  /** `iss`: the engine */
  issuer: string;
  /** `act.sub`: the engine as actor; default the issuer */
  actor?: string;
  /** `aud`: the downstream service */
  audience: string | string[];
  /** default 60 seconds, at most 300: the token covers one call, not a session */
  lifetimeSeconds?: number;
}

export const OBO_TOKEN_DEFAULTS = Object.freeze({ algorithm: 'EdDSA' as TokenAlgorithm, lifetimeSeconds: 60 });

export interface OboTokenSigner {
  /**
   * A signed JWT: `sub` the on-behalf-of user, `act` the engine (RFC 8693), and a nested
   * `act` when the engine itself was called by a delegate (`prior`). Reused while more than
   * half of its lifetime is left.
   */
  sign(subject: OboSubject | string, prior?: ActorClaim): Promise<string>;
  /** the public key as a JWK (with `kid`, `alg`, `use`), for the engine to publish to downstream services */
  publicJwk(): Promise<JWK>;
  /** the `kid` in every token's header: the configured one, else the key's RFC 7638 thumbprint */
  keyId(): Promise<string>;
}

const KEY_TYPES: Record<TokenAlgorithm, string[]> = { EdDSA: ['ed25519'], ES256: ['ec'], RS256: ['rsa'] };

export function createOboTokenSigner(options: OboTokenOptions, path = 'obo.token'): OboTokenSigner {
  const algorithm = options.algorithm ?? OBO_TOKEN_DEFAULTS.algorithm;
  if (!(ASYMMETRIC_ALGORITHMS as readonly string[]).includes(algorithm)) {
    throw new AccessOptionError(`${path}.algorithm`, `must be one of ${ASYMMETRIC_ALGORITHMS.join(', ')}`);
  }
  const key = toPrivateKey(options.privateKey, `${path}.privateKey`);
  if (!KEY_TYPES[algorithm].includes(key.asymmetricKeyType ?? '')) {
    throw new AccessOptionError(`${path}.privateKey`, `a ${key.asymmetricKeyType} key cannot sign ${algorithm}`);
  }
  if (typeof options.issuer !== 'string' || options.issuer === '') throw new AccessOptionError(`${path}.issuer`, 'must name the engine');
  const audience = options.audience;
  if (!(typeof audience === 'string' ? audience !== '' : Array.isArray(audience) && audience.length > 0)) {
    throw new AccessOptionError(`${path}.audience`, 'must name the downstream service');
  }
  const lifetime = options.lifetimeSeconds ?? OBO_TOKEN_DEFAULTS.lifetimeSeconds;
  if (!Number.isInteger(lifetime) || lifetime < 5 || lifetime > 300) throw new AccessOptionError(`${path}.lifetimeSeconds`, 'must be 5..300');
  const actor = options.actor ?? options.issuer;
  const cache = new LRUCache<string, { token: string; renewAt: number }>({ max: 10_000 });
  let jwk: Promise<JWK> | undefined;
  const publicJwk = (): Promise<JWK> =>
    (jwk ??= (async () => {
      const exported = await exportJWK(createPublicKey(key));
      const kid = options.keyId ?? (await calculateJwkThumbprint(exported));
      return Object.freeze({ ...exported, kid, alg: algorithm, use: 'sig' });
    })());

  return {
    publicJwk,
    keyId: async () => (await publicJwk()).kid!,
    async sign(subject, prior) {
      const userId = typeof subject === 'string' ? subject : subject.userId;
      if (typeof userId !== 'string' || userId === '') throw new AccessOptionError('subject', 'an on-behalf-of user is required');
      const act: ActorClaim = prior ? { sub: actor, act: prior } : { sub: actor };
      const cacheKey = JSON.stringify([userId, act]);
      const now = Date.now();
      const hit = cache.get(cacheKey);
      if (hit && hit.renewAt > now) return hit.token;
      const iat = Math.floor(now / 1000);
      const kid = (await publicJwk()).kid!;
      const token = await new SignJWT({ act })
        .setProtectedHeader({ alg: algorithm, typ: 'JWT', kid })
        .setIssuer(options.issuer)
        .setSubject(userId)
        .setAudience(audience)
        .setIssuedAt(iat)
        .setNotBefore(iat)
        .setExpirationTime(iat + lifetime)
        .setJti(randomUUID())
        .sign(key);
      cache.set(cacheKey, { token, renewAt: now + (lifetime * 1000) / 2 });
      return token;
    },
  };
}

function toPrivateKey(input: KeyObject | string, path: string): KeyObject {
  try {
    const key = typeof input === 'string' ? createPrivateKey(input) : input;
    if (key.type !== 'private') throw new Error('not a private key');
    return key;
  } catch (cause) {
    throw new AccessOptionError(path, 'must be an asymmetric private key (KeyObject or PKCS#8 PEM)', cause);
  }
}
