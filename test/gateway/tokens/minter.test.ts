import { describe, expect, it } from 'vitest';
import { decodeJwt, decodeProtectedHeader, importJWK, jwtVerify } from 'jose';
import { TokenMinter } from '../../../gateway/tokens/minter.js';
import { generateSigningKey } from '../../../gateway/tokens/key-store.js';
import type { AuthenticatedUser } from '../../../gateway/authenticators/types.js';

const user: AuthenticatedUser = {
  loginId: 'bob',
  roles: ['admin', 'user'],
  groups: ['builders'],
  attributes: { firstName: 'Bob', email: 'bob@example.test', unrelated: 'x' },
  level: 'auth.weak',
  amr: ['pwd'],
  authenticator: 'local',
};

async function minter(alg: 'EdDSA' | 'ES256' | 'RS256' = 'EdDSA', clock = { now: 1_700_000_000_000 }, claimNames: Record<string, string> = {}) {
  const key = await generateSigningKey(alg);
  const m = new TokenMinter({ current: key, source: 'test' }, { issuer: 'https://gw.test', lifetimeSeconds: 300, renewBeforeSeconds: 60, claimNames, now: () => clock.now });
  return { m, key, clock };
}

describe('token minter', () => {
  for (const alg of ['EdDSA', 'ES256', 'RS256'] as const) {
    it(`mints the contract claims signed with ${alg} and a kid`, async () => {
      const { m, key } = await minter(alg);
      const token = await m.tokenFor({ user, audience: 'app', sid: 'digest-of-session', cacheKey: 's1' });
      const { payload, protectedHeader } = await jwtVerify(token, await importJWK(key.publicJwk, alg), {
        issuer: 'https://gw.test',
        audience: 'app',
        currentDate: new Date(1_700_000_000_000),
      });
      expect(protectedHeader).toMatchObject({ alg, kid: key.kid });
      expect(payload).toMatchObject({ sub: 'bob', roles: ['admin', 'user'], groups: ['builders'], acr: 'auth.weak', amr: ['pwd'], sid: 'digest-of-session', loginId: 'bob', firstName: 'Bob', email: 'bob@example.test' });
      expect(payload.exp! - payload.iat!).toBe(300);
      expect(payload.nbf).toBe(payload.iat);
      expect(payload.unrelated).toBeUndefined();
    });
  }

  it('reuses the token per session and audience until it nears expiry', async () => {
    const { m, clock } = await minter();
    const first = await m.tokenFor({ user, audience: 'app', cacheKey: 's1' });
    expect(await m.tokenFor({ user, audience: 'app', cacheKey: 's1' })).toBe(first);
    expect(await m.tokenFor({ user, audience: 'admin', cacheKey: 's1' })).not.toBe(first);
    expect(await m.tokenFor({ user, audience: 'app', cacheKey: 's2' })).not.toBe(first);
    clock.now += 239_000; // 61 s left: still reused
    expect(await m.tokenFor({ user, audience: 'app', cacheKey: 's1' })).toBe(first);
    clock.now += 2_000; // 59 s left: minted again
    const renewed = await m.tokenFor({ user, audience: 'app', cacheKey: 's1' });
    expect(renewed).not.toBe(first);
    expect(decodeJwt(renewed).iat).toBeGreaterThan(decodeJwt(first).iat!);
  });

  it('forgets a session’s tokens at logout', async () => {
    const { m } = await minter();
    const first = await m.tokenFor({ user, audience: 'app', cacheKey: 's1' });
    await m.tokenFor({ user, audience: 'admin', cacheKey: 's1' });
    const other = await m.tokenFor({ user, audience: 'app', cacheKey: 's2' });
    m.forget('s1');
    expect(m.cachedTokenFor('s1', 'app')).toBeUndefined();
    expect(m.cachedTokenFor('s1', 'admin')).toBeUndefined();
    expect(m.cachedTokenFor('s2', 'app')).toBe(other);
    expect(await m.tokenFor({ user, audience: 'app', cacheKey: 's1' })).not.toBe(first);
  });

  it('uses configured claim names for identity attributes', async () => {
    const { m } = await minter('EdDSA', { now: Date.now() }, { loginId: 'uid', email: 'mail' });
    const claims = decodeJwt(await m.tokenFor({ user, audience: 'app', cacheKey: 's' }));
    expect(claims.uid).toBe('bob');
    expect(claims.mail).toBe('bob@example.test');
    expect(claims.loginId).toBeUndefined();
    expect(decodeProtectedHeader(await m.tokenFor({ user, audience: 'app', cacheKey: 's' })).typ).toBe('portcullis+jwt');
  });
});
