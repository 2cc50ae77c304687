import { describe, expect, it } from 'vitest';
import { oidcProviderSchema } from '../../../../config/schema/oidc.js';
import { claimAt, levelOf, userFromClaims } from '../../../../gateway/authenticators/oidc/user-mapping.js';
import type { ResolvedProvider } from '../../../../gateway/authenticators/oidc/settings.js';

function provider(overrides: Record<string, unknown> = {}): ResolvedProvider {
  const config = oidcProviderSchema.parse({ name: 'corp', issuer: 'https://op.example.test', clientId: 'gw', clientSecret: 'plain://s', ...overrides });
  return { name: 'corp', label: 'Corp', issuer: config.issuer, at: 'p', credentials: { method: 'client_secret_basic', secret: 's' }, redirectUri: '', postLogoutRedirectUri: '', backchannelLogoutUri: '', config };
}
const data = { provider: 'corp', sub: 's-1', freshAt: 0 };

describe('claimAt', () => {
  it('reads a claim, a dotted path, and prefers a top-level claim whose name has dots', () => {
    const claims = { groups: ['a'], realm_access: { roles: ['r'] }, 'https://example.test/groups': ['u'] };
    expect(claimAt(claims, 'groups')).toEqual(['a']);
    expect(claimAt(claims, 'realm_access.roles')).toEqual(['r']);
    expect(claimAt(claims, 'https://example.test/groups')).toEqual(['u']);
  });

  it('answers undefined for missing paths, paths through arrays or scalars, and inherited properties', () => {
    const claims = { a: { b: 1 }, list: [{ x: 1 }] };
    for (const path of ['a.c', 'a.b.c', 'list.0.x', 'missing', 'a.__proto__', 'constructor', 'a.toString']) expect(claimAt(claims, path)).toBeUndefined();
  });
});

describe('userFromClaims', () => {
  it('maps the login claim, attributes, nested groups through the role mapping', () => {
    const p = provider({ groupsClaim: 'realm_access.roles', roleMapping: { map: { admins: 'admin', staff: 'user' }, keepUnmapped: false } });
    const user = userFromClaims('oidc', p, { sub: 's-1', preferred_username: 'bob', given_name: 'Bob', email: 'b@x', realm_access: { roles: ['staff', 'admins', 'admins', 'other'] } }, data);
    expect(user).toMatchObject({ loginId: 'bob', roles: ['admin', 'user'], groups: ['admins', 'other', 'staff'], attributes: { firstName: 'Bob', email: 'b@x' }, authenticator: 'oidc', level: 'auth.weak', amr: ['oidc'] });
    expect(user.extra).toEqual({ oidc: data });
  });

  it('ignores groups that are not strings, and a groups claim that is not a list', () => {
    const p = provider({ groupsClaim: 'groups' });
    expect(userFromClaims('oidc', p, { preferred_username: 'a', groups: ['ok', 1, { x: 1 }, ''] }, data).groups).toEqual(['ok']);
    expect(userFromClaims('oidc', p, { preferred_username: 'a', groups: { admin: true } }, data).groups).toEqual([]);
  });

  it('refuses a missing, empty or non-string login claim with OIDC_LOGIN_ID_MISSING', () => {
    for (const claims of [{}, { preferred_username: '' }, { preferred_username: ['bob'] }, { preferred_username: 'x'.repeat(300) }]) {
      expect(() => userFromClaims('oidc', provider(), claims, data)).toThrow(expect.objectContaining({ code: 'OIDC_LOGIN_ID_MISSING', statusCode: 401 }));
    }
  });
});

describe('levelOf', () => {
  const p = provider({ acrLevels: { gold: 'auth.strong', silver: 'auth.weak' } });
  it('a listed acr or a strong amr gives auth.strong; anything else auth.weak', () => {
    expect(levelOf(p, { acr: 'gold' }).level).toBe('auth.strong');
    expect(levelOf(p, { amr: ['pwd', 'otp'] })).toEqual({ level: 'auth.strong', amr: ['oidc', 'mfa'] });
    expect(levelOf(p, { acr: 'silver', amr: ['pwd'] }).level).toBe('auth.weak');
    expect(levelOf(p, { acr: 'toString' }).level).toBe('auth.weak');
    expect(levelOf(p, { amr: 'otp' }).level).toBe('auth.strong');
    expect(levelOf(p, { acr: 0, amr: [1] }).level).toBe('auth.weak');
  });
});
