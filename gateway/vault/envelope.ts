import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { GatewayError } from '../errors.js';

/** AES-256-GCM with a fresh 96-bit nonce per value and a 128-bit tag. */
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = 'v1';

/** Thrown when a ciphertext is not what its key and authenticated data sealed (tampered, moved, wrong key). */
export class EnvelopeOpenError extends GatewayError {
  constructor() {
    super('GW_VAULT_DECRYPT_FAILED', 500, 'the ciphertext does not open under this key and authenticated data');
    this.name = 'EnvelopeOpenError';
  }
}

/**
 * Seal `plaintext` under a 32-byte key, binding `aad` (who and what the value belongs to): the
 * result opens only with the same key and the same aad, so a ciphertext copied to another user
 * or another credential name fails. Output: `v1.<nonce>.<ciphertext+tag>`, base64url.
 */
export function seal(key: Buffer, plaintext: Buffer, aad: string): string {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return `${VERSION}.${nonce.toString('base64url')}.${body.toString('base64url')}`;
}

export function open(key: Buffer, sealed: string, aad: string): Buffer {
  const parts = typeof sealed === 'string' ? sealed.split('.') : [];
  if (parts.length !== 3 || parts[0] !== VERSION) throw new EnvelopeOpenError();
  const nonce = Buffer.from(parts[1]!, 'base64url');
  const body = Buffer.from(parts[2]!, 'base64url');
  // base64url decoding skips characters it does not know: re-encode to refuse any altered text
  if (nonce.length !== NONCE_BYTES || body.length < TAG_BYTES || nonce.toString('base64url') !== parts[1] || body.toString('base64url') !== parts[2]) {
    throw new EnvelopeOpenError();
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new EnvelopeOpenError();
  }
}

/** What a credential value is bound to. NUL cannot occur in a user id or a key name's charset. */
export function credentialAad(userId: string, key: string): string {
  return `portcullis-vault/credential\u0000${userId}\u0000${key}`;
}

/** What a wrapped data key is bound to: its user and the master key that wraps it. */
export function dataKeyAad(userId: string, masterKeyId: string): string {
  return `portcullis-vault/data-key\u0000${userId}\u0000${masterKeyId}`;
}

export function verificationAad(masterKeyId: string): string {
  return `portcullis-vault/verification\u0000${masterKeyId}`;
}
