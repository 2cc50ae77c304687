import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Seals the provider's tokens (refresh token, ID token) kept in a session: AES-256-GCM with a
 * random 96-bit IV, the authenticator's name as additional data (a box cannot move to another
 * authenticator). A Redis dump or a replica shows only ciphertext. Format: `v1.<iv>.<tag>.<data>`.
 */
export class TokenBox {
  readonly #key: Buffer;
  readonly #aad: Buffer;

  constructor(key: Buffer, context: string) {
    if (key.length !== 32) throw new TypeError('TokenBox needs a 32-byte key');
    this.#key = key;
    this.#aad = Buffer.from(`portcullis-oidc:${context}`, 'utf8');
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(this.#aad);
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), data.toString('base64url')].join('.');
  }

  /** The plain text, or undefined when the box was made with another key or was altered. */
  open(sealed: string | undefined): string | undefined {
    if (typeof sealed !== 'string') return undefined;
    const [version, iv, tag, data] = sealed.split('.');
    if (version !== 'v1' || !iv || !tag || data === undefined) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(this.#aad);
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }
}
