import { generateKeyPairSync, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { mkdir, readFile, rename, writeFile, access } from 'node:fs/promises';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, type JWK } from 'jose';
import type { TokenAlgorithm } from '@portcullis/engine-client/token';
import { errors } from '../errors.js';

/** A signing key: the private half signs, the public half is published in the JWKS. */
export interface SigningKey {
  kid: string;
  alg: TokenAlgorithm;
  privateKey: KeyObject;
  publicJwk: JWK;
}

/** The current key signs; the previous one stays published through a rotation. */
export interface SigningKeys {
  current: SigningKey;
  previous?: SigningKey;
  /** where the keys came from, for the start banner */
  source: string;
}

export function generateSigningKey(alg: TokenAlgorithm): Promise<SigningKey> {
  const { privateKey } =
    alg === 'EdDSA'
      ? generateKeyPairSync('ed25519')
      : alg === 'ES256'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return describeKey(privateKey, alg);
}

/** Build the key's public JWK; the kid is its RFC 7638 thumbprint, so it never collides by accident. */
export async function describeKey(privateKey: KeyObject, alg: TokenAlgorithm): Promise<SigningKey> {
  const publicJwk = await exportJWK(createPublicKey(privateKey));
  const kid = await calculateJwkThumbprint(publicJwk, 'sha256');
  return { kid, alg, privateKey, publicJwk: { ...publicJwk, kid, alg, use: 'sig' } };
}

const CURRENT = 'signing-key.pem';
const PREVIOUS = 'signing-key.previous.pem';

/** Write a new current key into `dir`; the old current becomes the previous one (rotation). */
export async function writeSigningKey(dir: string, key: SigningKey): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (await exists(join(dir, CURRENT))) await rename(join(dir, CURRENT), join(dir, PREVIOUS));
  const pem = key.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  await writeFile(join(dir, CURRENT), `# alg: ${key.alg}\n${pem}`, { mode: 0o600 });
}

export interface LoadKeysOptions {
  keysDir: string;
  algorithm: TokenAlgorithm;
  privateKeyFile?: string;
  passphrase?: string;
  /** generate a key into keysDir when none is there (refused under NODE_ENV=production) */
  generateIfMissing: boolean;
  production: boolean;
}

export async function loadSigningKeys(options: LoadKeysOptions): Promise<SigningKeys> {
  if (options.privateKeyFile) {
    const current = await readKey(options.privateKeyFile, options.algorithm, options.passphrase);
    return { current, source: options.privateKeyFile };
  }
  const currentFile = join(options.keysDir, CURRENT);
  if (!(await exists(currentFile))) {
    if (!options.generateIfMissing) throw errors.keyMissing(`no signing key at ${currentFile}; run 'portcullis keys generate'`);
    if (options.production) throw errors.devShortcutInProduction('generating a signing key at start');
    await writeSigningKey(options.keysDir, await generateSigningKey(options.algorithm));
  }
  const current = await readKey(currentFile, undefined, options.passphrase);
  const previousFile = join(options.keysDir, PREVIOUS);
  const previous = (await exists(previousFile)) ? await readKey(previousFile, undefined, options.passphrase) : undefined;
  return { current, previous, source: options.keysDir };
}

async function readKey(file: string, alg: TokenAlgorithm | undefined, passphrase?: string): Promise<SigningKey> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw errors.keyMissing(`cannot read signing key ${file}`, cause);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: text.replace(/^#.*\n/gm, ''), format: 'pem', passphrase });
  } catch (cause) {
    throw errors.keyMissing(`signing key ${file} is not a readable PEM private key`, cause);
  }
  const declared = /^# alg: (\S+)/m.exec(text)?.[1] as TokenAlgorithm | undefined;
  return describeKey(privateKey, alg ?? declared ?? algorithmOf(privateKey, file));
}

function algorithmOf(key: KeyObject, file: string): TokenAlgorithm {
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA';
  if (key.asymmetricKeyType === 'ec') return 'ES256';
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  throw errors.keyMissing(`signing key ${file} has an unsupported type '${key.asymmetricKeyType}'`);
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

/** The published key set: current first, then the previous one during a rotation. */
export function jwksOf(keys: SigningKeys): { keys: JWK[] } {
  return { keys: keys.previous ? [keys.current.publicJwk, keys.previous.publicJwk] : [keys.current.publicJwk] };
}
