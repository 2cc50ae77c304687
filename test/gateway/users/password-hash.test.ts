import { describe, expect, it } from 'vitest';
import {
  DUMMY_HASH,
  burnPasswordCheck,
  hashPassword,
  isPasswordHash,
  parsePasswordHash,
  verifyPassword,
} from '../../../gateway/users/password-hash.js';

describe('password-hash', () => {
  it('produces a self-describing salted scrypt string', async () => {
    const stored = await hashPassword('wonderland');
    expect(stored).toMatch(/^scrypt\$N=16384,r=8,p=1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(stored).not.toContain('wonderland');
    expect(isPasswordHash(stored)).toBe(true);
  });

  it('salts: the same password hashes differently twice', async () => {
    const [a, b] = await Promise.all([hashPassword('same'), hashPassword('same')]);
    expect(a).not.toBe(b);
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const stored = await hashPassword('builder');
    expect(await verifyPassword('builder', stored)).toBe(true);
    expect(await verifyPassword('Builder', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
  });

  it('honours the parameters stored in the hash', async () => {
    const stored = await hashPassword('cheap', { N: 1024, r: 8, p: 1 });
    expect(stored.startsWith('scrypt$N=1024,r=8,p=1$')).toBe(true);
    expect(await verifyPassword('cheap', stored)).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['plain text', 'wonderland'],
    ['wrong scheme', 'bcrypt$N=16384,r=8,p=1$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA=='],
    ['N not a power of two', 'scrypt$N=1000,r=8,p=1$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA=='],
    ['memory bomb N', `scrypt$N=${2 ** 30},r=8,p=1$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==`],
    ['missing part', 'scrypt$N=16384,r=8,p=1$c2FsdHNhbHQ='],
  ])('treats a malformed stored value (%s) as a mismatch, never an exception', async (_name, stored) => {
    expect(parsePasswordHash(stored)).toBeUndefined();
    expect(await verifyPassword('wonderland', stored)).toBe(false);
  });

  it('DUMMY_HASH is well formed and never matches', async () => {
    expect(isPasswordHash(DUMMY_HASH)).toBe(true);
    expect(await verifyPassword('', DUMMY_HASH)).toBe(false);
    expect(await burnPasswordCheck('anything')).toBe(false);
  });
});
