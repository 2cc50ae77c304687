/**
 * Password hashing for local users: salted scrypt in a self-describing string.
 *
 *   scrypt$N=16384,r=8,p=1$<salt base64>$<hash base64>
 *
 * The parameters travel with the hash so they can be raised later without breaking stored
 * entries. Verification compares in constant time, and `burnPasswordCheck` spends the same
 * work for an unknown user so that "no such user" and "wrong password" look alike.
 */
import { randomBytes, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';
import type { ScryptOptions } from 'node:crypto';

/** Default cost: N=2^14, r=8, p=1 (about 16 MiB, tens of milliseconds). */
export const SCRYPT_DEFAULTS = Object.freeze({ N: 16384, r: 8, p: 1, saltBytes: 16, keyBytes: 32 });

const PREFIX = 'scrypt';
/** Refuse stored parameters that would let a tampered users file exhaust memory or CPU. */
const LIMITS = Object.freeze({ maxN: 1 << 20, maxR: 32, maxP: 16, maxKeyBytes: 128 });

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

export interface ParsedPasswordHash {
  params: ScryptParams;
  salt: Buffer;
  hash: Buffer;
}

function scrypt(password: string, salt: Buffer, keyLength: number, params: ScryptParams): Promise<Buffer> {
  // maxmem must cover 128 * N * r bytes plus headroom, or node refuses the larger costs.
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scryptCallback(password.normalize('NFC'), salt, keyLength, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** Hash a password with a fresh random salt. Never log the input. */
export async function hashPassword(password: string, params: Partial<ScryptParams> = {}): Promise<string> {
  if (typeof password !== 'string' || password.length === 0) {
    throw new TypeError('password must be a non-empty string');
  }
  const p: ScryptParams = { N: params.N ?? SCRYPT_DEFAULTS.N, r: params.r ?? SCRYPT_DEFAULTS.r, p: params.p ?? SCRYPT_DEFAULTS.p };
  const salt = randomBytes(SCRYPT_DEFAULTS.saltBytes);
  const hash = await scrypt(password, salt, SCRYPT_DEFAULTS.keyBytes, p);
  return `${PREFIX}$N=${p.N},r=${p.r},p=${p.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** Parse a stored hash string; returns undefined when it is not a well-formed scrypt hash. */
export function parsePasswordHash(stored: string): ParsedPasswordHash | undefined {
  if (typeof stored !== 'string') return undefined;
  const parts = stored.split('$');
  if (parts.length !== 4 || parts[0] !== PREFIX) return undefined;
  const match = /^N=(\d+),r=(\d+),p=(\d+)$/.exec(parts[1]!);
  if (!match) return undefined;
  const params = { N: Number(match[1]), r: Number(match[2]), p: Number(match[3]) };
  const powerOfTwo = params.N > 1 && (params.N & (params.N - 1)) === 0;
  if (!powerOfTwo || params.N > LIMITS.maxN || params.r < 1 || params.r > LIMITS.maxR || params.p < 1 || params.p > LIMITS.maxP) {
    return undefined;
  }
  const b64 = /^[A-Za-z0-9+/]+={0,2}$/;
  if (!b64.test(parts[2]!) || !b64.test(parts[3]!)) return undefined;
  const salt = Buffer.from(parts[2]!, 'base64');
  const hash = Buffer.from(parts[3]!, 'base64');
  if (salt.length < 8 || hash.length < 16 || hash.length > LIMITS.maxKeyBytes) return undefined;
  return { params, salt, hash };
}

/** True when `stored` is a hash string this module can verify. */
export function isPasswordHash(stored: unknown): stored is string {
  return typeof stored === 'string' && parsePasswordHash(stored) !== undefined;
}

/**
 * Check a password against a stored hash in constant time. A malformed stored value
 * yields false (after burning the default work), never an exception.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parsePasswordHash(stored);
  if (!parsed || typeof password !== 'string') {
    await burnPasswordCheck(typeof password === 'string' ? password : '');
    return false;
  }
  const candidate = await scrypt(password, parsed.salt, parsed.hash.length, parsed.params);
  return timingSafeEqual(candidate, parsed.hash);
}

/**
 * A fixed, valid hash of a random secret nobody knows. Verifying against it costs the
 * same as verifying a real user's default-cost hash, and it never matches.
 */
export const DUMMY_HASH = `${PREFIX}$N=${SCRYPT_DEFAULTS.N},r=${SCRYPT_DEFAULTS.r},p=${SCRYPT_DEFAULTS.p}$${randomBytes(
  SCRYPT_DEFAULTS.saltBytes,
).toString('base64')}$${randomBytes(SCRYPT_DEFAULTS.keyBytes).toString('base64')}`;

/** Spend the work of one default-cost verification; use it for unknown users. Always false. */
export async function burnPasswordCheck(password: string): Promise<false> {
  await verifyPassword(password, DUMMY_HASH);
  return false;
}
