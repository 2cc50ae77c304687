/**
 * Local trust: public keys given inline (`keys`) or as files (`keyFiles`), in PEM or JWK/JWKS
 * form, turned into one public JWK set with a `kid` and an `alg` on every key. Binding each
 * key to one algorithm means a token can never make us use a key with another algorithm
 * (jose's local set skips a JWK whose `alg` differs from the token's).
 *
 * Runs once at start-up and synchronously, so a bad key fails before the engine listens.
 */
import { createHash, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { JWK } from 'jose';
import { OptionsError } from '../errors.js';
import { isPlainObject, join } from '../options-check.js';
import { ASYMMETRIC_ALGORITHMS, type TokenAlgorithm } from './claims.js';

/** A public key: a JWK (with `kid`), a PEM string, or a PEM with its `kid`. */
export type TrustedKeyInput = JWK | string | { kid?: string; pem: string; alg?: TokenAlgorithm };

/** A key file: a path (PEM, JWK or JWK set), or a path with the `kid` to give a PEM key. */
export type TrustedKeyFile = string | { path: string; kid?: string; alg?: TokenAlgorithm };

export interface PublicJwkSet {
  keys: JWK[];
}

/** The algorithm a key can verify, from its type (RSA keys are used with RS256 only). */
export function algorithmOfKey(key: KeyObject): TokenAlgorithm | undefined {
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  return undefined;
}

/** RFC 7638 JWK thumbprint (SHA-256, base64url): the gateway uses it as the `kid`. */
export function jwkThumbprint(jwk: JWK): string {
  const members: Record<string, readonly string[]> = { OKP: ['crv', 'kty', 'x'], EC: ['crv', 'kty', 'x', 'y'], RSA: ['e', 'kty', 'n'] };
  const required = members[jwk.kty ?? ''];
  if (!required) throw new TypeError(`no thumbprint for key type ${jwk.kty}`);
  const canonical = JSON.stringify(Object.fromEntries(required.map((name) => [name, (jwk as Record<string, unknown>)[name]])));
  return createHash('sha256').update(canonical).digest('base64url');
}

function publicKeyFromJwk(jwk: JWK, path: string): KeyObject {
  if ('d' in jwk || 'p' in jwk || 'k' in jwk) {
    throw new OptionsError(path, 'is a private or symmetric key; give the public key only');
  }
  try {
    return createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
  } catch (cause) {
    throw new OptionsError(path, 'is not a usable public JWK', cause);
  }
}

function publicKeyFromPem(pem: string, path: string): KeyObject {
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
    throw new OptionsError(path, 'is a private key; give the public key (or certificate) only');
  }
  try {
    return createPublicKey(pem);
  } catch (cause) {
    throw new OptionsError(path, 'is not a PEM public key or certificate', cause);
  }
}

/** One trusted key as a public JWK with `kid`, `alg` and `use`. */
function toTrustedJwk(key: KeyObject, source: { kid?: string; alg?: TokenAlgorithm }, path: string, allowed: readonly TokenAlgorithm[]): JWK {
  const inferred = algorithmOfKey(key);
  if (!inferred) throw new OptionsError(path, `key type ${key.asymmetricKeyType} is not one of Ed25519, P-256 or RSA`);
  if (inferred === 'RS256' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) {
    throw new OptionsError(path, 'RSA keys shorter than 2048 bits are refused');
  }
  const alg = source.alg ?? inferred;
  if (!ASYMMETRIC_ALGORITHMS.includes(alg)) throw new OptionsError(join(path, 'alg'), `must be one of ${ASYMMETRIC_ALGORITHMS.join(', ')}`);
  if (alg !== inferred) throw new OptionsError(join(path, 'alg'), `${alg} does not fit a ${key.asymmetricKeyType} key (${inferred})`);
  if (!allowed.includes(alg)) {
    throw new OptionsError(path, `is a ${alg} key but algorithms allows only ${allowed.join(', ')}`);
  }
  const publicJwk = key.export({ format: 'jwk' }) as JWK;
  const kid = source.kid ?? jwkThumbprint(publicJwk);
  if (typeof kid !== 'string' || kid === '') throw new OptionsError(join(path, 'kid'), 'must be a non-empty string');
  return { ...publicJwk, kid, alg, use: 'sig' };
}

function fromInput(input: TrustedKeyInput, path: string, allowed: readonly TokenAlgorithm[]): JWK[] {
  if (typeof input === 'string') return [toTrustedJwk(publicKeyFromPem(input, path), {}, path, allowed)];
  if (!isPlainObject(input)) throw new OptionsError(path, 'must be a PEM string, { pem, kid } or a JWK');
  if ('pem' in input) {
    const { pem, kid, alg } = input as { pem: unknown; kid?: string; alg?: TokenAlgorithm };
    if (typeof pem !== 'string') throw new OptionsError(join(path, 'pem'), 'must be a PEM string');
    return [toTrustedJwk(publicKeyFromPem(pem, join(path, 'pem')), { kid, alg }, path, allowed)];
  }
  if ('keys' in input && Array.isArray((input as { keys: unknown }).keys)) {
    return (input as { keys: unknown[] }).keys.flatMap((jwk, index) => fromInput(jwk as TrustedKeyInput, join(join(path, 'keys'), index), allowed));
  }
  const jwk = input as JWK;
  if (jwk.use !== undefined && jwk.use !== 'sig') throw new OptionsError(join(path, 'use'), 'must be "sig" for a token-signing key');
  const alg = jwk.alg as TokenAlgorithm | undefined;
  return [toTrustedJwk(publicKeyFromJwk(jwk, path), { kid: jwk.kid, alg }, path, allowed)];
}

function fromFile(file: TrustedKeyFile, path: string, allowed: readonly TokenAlgorithm[]): JWK[] {
  const spec = typeof file === 'string' ? { path: file } : file;
  if (!isPlainObject(spec) || typeof spec.path !== 'string' || spec.path === '') {
    throw new OptionsError(path, 'must be a file path or { path, kid }');
  }
  let text: string;
  try {
    text = readFileSync(spec.path, 'utf8');
  } catch (cause) {
    throw new OptionsError(path, `cannot read ${spec.path}`, cause);
  }
  if (text.trimStart().startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (cause) {
      throw new OptionsError(path, `${spec.path} is neither PEM nor valid JSON`, cause);
    }
    return fromInput(parsed as TrustedKeyInput, path, allowed);
  }
  return [toTrustedJwk(publicKeyFromPem(text, path), { kid: spec.kid, alg: spec.alg }, path, allowed)];
}

/** Build the trusted public key set; refuses duplicates of a `kid`. */
export function loadTrustedKeys(
  keys: readonly TrustedKeyInput[] | undefined,
  keyFiles: readonly TrustedKeyFile[] | undefined,
  allowed: readonly TokenAlgorithm[],
): PublicJwkSet {
  const out: JWK[] = [];
  (keys ?? []).forEach((input, index) => out.push(...fromInput(input, join('keys', index), allowed)));
  (keyFiles ?? []).forEach((file, index) => out.push(...fromFile(file, join('keyFiles', index), allowed)));
  const seen = new Set<string>();
  for (const jwk of out) {
    if (seen.has(jwk.kid!)) throw new OptionsError('keys', `kid "${jwk.kid}" is given twice`);
    seen.add(jwk.kid!);
  }
  if (out.length === 0) throw new OptionsError('keys', 'no trusted key given');
  return { keys: out };
}
