/**
 * Development mode: an engine can run without a gateway by trusting a generated Ed25519 dev
 * key kept in a folder (created on first use: `dev-signing-key.pem`, mode 0600, and
 * `dev-jwks.json` with the public key), and mint its own tokens with `mintDevToken`.
 * A gateway started in development can write or read the same folder.
 *
 * It says so loudly at start, and refuses under NODE_ENV=production: a dev key is a key
 * anyone with the folder can sign with.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SignJWT, type JWK } from 'jose';
import { DevModeError, OptionsError } from '../errors.js';
import { TOKEN_TYPE, type PortcullisTokenClaims } from './claims.js';
import { jwkThumbprint } from './trusted-keys.js';

export interface DevKeyOptions {
  /** folder holding the dev key pair; created when missing */
  dir?: string;
  /** environment to check for NODE_ENV (tests pass their own) */
  env?: Record<string, string | undefined>;
}

/** Every default of the dev mode. */
export const DEV_KEY_DEFAULTS = Object.freeze({
  /** next to where the engine runs; add it to .gitignore */
  dir: '.portcullis-dev',
  /** lifetime of a token minted by mintDevToken: minutes, as the gateway's */
  tokenLifetimeSeconds: 5 * 60,
});

export const DEV_KEY_FILES = Object.freeze({ privateKey: 'dev-signing-key.pem', jwks: 'dev-jwks.json' });

export const DEV_MODE_WARNING_CODE = 'PORTCULLIS_DEV_KEY';

export interface DevKey {
  kid: string;
  alg: 'EdDSA';
  dir: string;
  /** true when this call generated the key pair */
  created: boolean;
  publicJwk: JWK;
  privateKey: KeyObject;
}

/** Throw DEV_MODE_IN_PRODUCTION when NODE_ENV is production. */
export function assertNotProduction(what: string, env: Record<string, string | undefined> = process.env): void {
  if ((env.NODE_ENV ?? '').trim().toLowerCase() === 'production') {
    throw new DevModeError(`${what} is a development shortcut and is refused when NODE_ENV=production`);
  }
}

/** The loud start-up message of dev mode. */
export function devModeWarning(devKey: DevKey): string {
  return (
    `DEVELOPMENT MODE: tokens signed by the dev key ${devKey.kid} in ${devKey.dir} are trusted. ` +
    'Anyone who can read that folder can mint tokens. Never use this in production.'
  );
}

function readOrCreatePrivateKey(dir: string): { privateKey: KeyObject; created: boolean } {
  const file = join(dir, DEV_KEY_FILES.privateKey);
  let pem: string | undefined;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new OptionsError('devKey.dir', `cannot read ${file}`, err);
  }
  if (pem !== undefined) {
    try {
      const privateKey = createPrivateKey(pem);
      if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`expected an Ed25519 key, found ${privateKey.asymmetricKeyType}`);
      return { privateKey, created: false };
    } catch (cause) {
      throw new OptionsError('devKey.dir', `${file} is not an Ed25519 private key`, cause);
    }
  }
  const { privateKey } = generateKeyPairSync('ed25519');
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // wx: never overwrite a key another process wrote meanwhile
    writeFileSync(file, privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readOrCreatePrivateKey(dir);
    throw new OptionsError('devKey.dir', `cannot write the dev key into ${dir}`, err);
  }
  return { privateKey, created: true };
}

/**
 * Load the dev key pair from `dir`, generating it on first use, and (re)write its public
 * JWK set next to it. Refused under NODE_ENV=production.
 */
export function loadDevKey(options: DevKeyOptions = {}): DevKey {
  assertNotProduction('the dev key', options.env);
  const dir = resolve(options.dir ?? DEV_KEY_DEFAULTS.dir);
  const { privateKey, created } = readOrCreatePrivateKey(dir);
  const exported = createPublicKey(privateKey).export({ format: 'jwk' }) as JWK;
  const kid = 'dev-' + jwkThumbprint(exported);
  const publicJwk: JWK = { ...exported, kid, alg: 'EdDSA', use: 'sig' };
  try {
    writeFileSync(join(dir, DEV_KEY_FILES.jwks), JSON.stringify({ keys: [publicJwk] }, null, 2) + '\n', { mode: 0o644 });
  } catch (cause) {
    throw new OptionsError('devKey.dir', `cannot write ${DEV_KEY_FILES.jwks} into ${dir}`, cause);
  }
  return Object.freeze({ kid, alg: 'EdDSA' as const, dir, created, publicJwk, privateKey });
}

export interface DevTokenRequest {
  issuer: string;
  audience: string;
  /** the contract's claims; `sub` is required, the rest have development defaults */
  claims: Partial<PortcullisTokenClaims> & { sub: string };
  lifetimeSeconds?: number;
  env?: Record<string, string | undefined>;
}

/** Mint a contract token with the dev key, for trying an engine without a gateway. */
export async function mintDevToken(devKey: DevKey, request: DevTokenRequest): Promise<string> {
  assertNotProduction('minting a dev token', request.env);
  const now = Math.floor(Date.now() / 1000);
  const { sub, iss: _iss, aud: _aud, iat: _iat, nbf: _nbf, exp: _exp, jti: _jti, ...rest } = request.claims;
  const body = { roles: [], groups: [], acr: 'auth.weak', amr: ['pwd'], ...rest };
  return new SignJWT(body)
    .setProtectedHeader({ alg: 'EdDSA', kid: devKey.kid, typ: TOKEN_TYPE })
    .setIssuer(request.issuer)
    .setAudience(request.audience)
    .setSubject(sub)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + (request.lifetimeSeconds ?? DEV_KEY_DEFAULTS.tokenLifetimeSeconds))
    .setJti(randomUUID())
    .sign(devKey.privateKey);
}
