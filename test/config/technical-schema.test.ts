import { describe, expect, it } from 'vitest';
import { basicAuthenticatorSchema, headerAuthenticatorSchema, mtlsAuthenticatorSchema } from '../../config/schema/technical.js';

const tls = { certFile: 's.crt', keyFile: 's.key', caFile: 'ca.crt' };
const issuePaths = (result: { success: boolean; error?: { issues: Array<{ path: PropertyKey[] }> } }) =>
  result.success ? [] : result.error!.issues.map((i) => i.path.join('.'));

describe('technical authenticator schemas', () => {
  it('fill their defaults', () => {
    expect(headerAuthenticatorSchema.parse({ type: 'header', trustedProxies: ['10.0.0.5'] })).toMatchObject({ name: 'header', header: 'x-remote-user', level: 'auth.weak' });
    expect(basicAuthenticatorSchema.parse({ type: 'basic', users: 'local' })).toMatchObject({ name: 'basic', realm: 'portcullis', cacheSeconds: 60, cacheMaxEntries: 10_000 });
    expect(mtlsAuthenticatorSchema.parse({ type: 'mtls', tls, users: [{ id: 'a', match: { subject: 'CN=a' } }] })).toMatchObject({
      name: 'mtls',
      listen: { host: '127.0.0.1', port: 8443 },
      defaultRoles: ['TechnicalUser'],
      revokedFingerprints: [],
      users: [{ id: 'a', roles: [], revoked: false, attributes: {} }],
    });
  });

  it('accept addresses, ranges and presets as trusted proxies', () => {
    expect(headerAuthenticatorSchema.safeParse({ type: 'header', trustedProxies: ['10.0.0.5', '10.0.0.0/8', '2001:db8::/32', 'loopback'] }).success).toBe(true);
  });

  it.each([
    [{ type: 'header', trustedProxies: [] }, ['trustedProxies']],
    [{ type: 'header', trustedProxies: ['proxy.corp', '10.0.0.0/33', '10.0.0.1/8/8'] }, ['trustedProxies.0', 'trustedProxies.1', 'trustedProxies.2']],
    [{ type: 'header', trustedProxies: ['10.0.0.1'], header: 'X User' }, ['header']],
  ])('header: %j is refused at %j', (input, paths) => {
    expect(issuePaths(headerAuthenticatorSchema.safeParse(input))).toEqual(paths);
  });

  it.each([
    [{ type: 'basic' }, ['users']],
    [{ type: 'basic', users: 'local', realm: 'a"b' }, ['realm']],
    [{ type: 'basic', users: 'local', cacheSeconds: 7200 }, ['cacheSeconds']],
    [{ type: 'basic', users: 'local', pathPrefixes: ['api/'] }, ['pathPrefixes.0']],
  ])('basic: %j is refused at %j', (input, paths) => {
    expect(issuePaths(basicAuthenticatorSchema.safeParse(input))).toEqual(paths);
  });

  it.each([
    [{ users: [] }, ['users']],
    [{ users: [{ id: 'a', match: {} }] }, ['users.0.match']],
    [{ users: [{ id: 'a', match: { san: 'spiffe://x' } }] }, ['users.0.match.san']],
    [{ users: [{ id: 'a', match: { fingerprint256: 'abcd' } }] }, ['users.0.match.fingerprint256']],
    [{ users: [{ id: 'a', match: { subject: 'CN=a' } }], revokedFingerprints: ['nope'] }, ['revokedFingerprints.0']],
    [{ users: [{ id: 'a', match: { subject: 'CN=a' } }], tls: { certFile: 'x' } }, ['tls.keyFile', 'tls.caFile']],
  ])('mtls: %j is refused at %j', (input, paths) => {
    expect(issuePaths(mtlsAuthenticatorSchema.safeParse({ type: 'mtls', tls, ...input }))).toEqual(paths);
  });
});

describe('server.trustedProxies', () => {
  it('is checked entry by entry, so check-config names the bad one', async () => {
    const { portcullisConfigSchema } = await import('../../config/schema/index.js');
    const result = portcullisConfigSchema.safeParse({
      server: { trustedProxies: ['10.0.0.0/8', 'proxy.corp'] },
      authenticators: [{ type: 'file', usersFile: 'users.yaml' }],
    });
    expect(issuePaths(result)).toEqual(['server.trustedProxies.1']);
  });
});
