import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TokenBox } from '../../../../gateway/authenticators/oidc/token-box.js';

describe('TokenBox', () => {
  const key = randomBytes(32);

  it('seals to ciphertext that does not contain the token, and opens it again', () => {
    const box = new TokenBox(key, 'oidc');
    const sealed = box.seal('refresh-token-value');
    expect(sealed).toMatch(/^v1\.[\w-]{16}\.[\w-]{22}\.[\w-]+$/);
    expect(sealed).not.toContain('refresh-token-value');
    expect(box.open(sealed)).toBe('refresh-token-value');
    expect(box.seal('same')).not.toBe(box.seal('same')); // a fresh IV each time
  });

  it('does not open with another key, under another authenticator name, or when altered', () => {
    const sealed = new TokenBox(key, 'oidc').seal('secret');
    expect(new TokenBox(randomBytes(32), 'oidc').open(sealed)).toBeUndefined();
    expect(new TokenBox(key, 'other-oidc').open(sealed)).toBeUndefined();
    const parts = sealed.split('.');
    const data = Buffer.from(parts[3]!, 'base64url');
    data[0] = data[0]! ^ 1;
    expect(new TokenBox(key, 'oidc').open([...parts.slice(0, 3), data.toString('base64url')].join('.'))).toBeUndefined();
  });

  it('answers undefined for anything that is not a box', () => {
    const box = new TokenBox(key, 'oidc');
    for (const value of [undefined, '', 'v1', 'v2.a.b.c', 'v1.!!.??.##', 'plain-token']) expect(box.open(value)).toBeUndefined();
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => new TokenBox(randomBytes(16), 'oidc')).toThrow(TypeError);
  });
});
