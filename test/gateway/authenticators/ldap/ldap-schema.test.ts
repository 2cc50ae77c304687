import { describe, expect, it } from 'vitest';
import { LDAP_DEFAULTS, ldapAuthenticatorSchema } from '../../../../config/schema/ldap.js';

const base = { type: 'ldap', servers: ['ldap://127.0.0.1:389'], searchBase: 'dc=example,dc=org' };

function problems(input: unknown): string[] {
  const r = ldapAuthenticatorSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => i.path.join('.'));
}

describe('ldap authenticator configuration', () => {
  it('fills every default from LDAP_DEFAULTS', () => {
    const c = ldapAuthenticatorSchema.parse(base);
    expect(c.userFilter).toBe(LDAP_DEFAULTS.userFilter);
    expect(c.pool).toEqual(LDAP_DEFAULTS.pool);
    expect(c.groups).toMatchObject({ source: 'search', nested: 'off', maxDepth: 5 });
    expect(c.tls).toMatchObject({ checkServerName: true, startTls: false });
    expect([c.connectTimeoutMs, c.operationTimeoutMs]).toEqual([LDAP_DEFAULTS.connectTimeoutMs, LDAP_DEFAULTS.operationTimeoutMs]);
  });

  it.each([
    [{ ...base, servers: [] }, 'servers'],
    [{ ...base, servers: ['http://x'] }, 'servers.0'],
    [{ ...base, servers: ['ldap://x/dc=example'] }, 'servers.0'],
    [{ ...base, userFilter: '(uid=alice)' }, 'userFilter'],
    [{ ...base, userFilter: 'uid={login}' }, 'userFilter'],
    [{ ...base, bindDn: 'cn=svc' }, 'bindPassword'],
    [{ ...base, bindDn: 'cn=svc', bindPassword: 'secret-written-inline' }, 'bindPassword'],
    [{ ...base, servers: ['ldaps://x'], tls: { startTls: true } }, 'tls.startTls'],
    [{ ...base, tls: { certFile: 'c.pem' } }, 'tls.certFile'],
    [{ ...base, groups: { nested: 'deep' } }, 'groups.nested'],
    [{ ...base, groups: { filter: '(member=x)' } }, 'groups.filter'],
    [{ ...base, pool: { retryIntervalSeconds: 0 } }, 'pool.retryIntervalSeconds'],
    [{ ...base, userDnPattern: 'uid=x,dc=y' }, 'userDnPattern'],
    [{ ...base, bindPasword: 'plain://typo' }, ''],
  ])('refuses %j at %s', (input, path) => {
    expect(problems(input)).toContain(path);
  });
});
