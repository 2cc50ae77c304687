/**
 * The LDAP flavour of the identity-backend client against real slapd servers: lookups,
 * nested groups, group members, the cache counted at the server (slapd's accepted
 * connections), TTL expiry, failover, and a client certificate over ldaps://.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLdapIdentityBackend, type LdapIdentityBackendOptions } from '../../engine-client/identity-backend/index.js';
import { DIRECTORY, startSlapd, type SlapdServer } from '../support/slapd.js';
import { createTestPki, type TestPki } from '../support/test-pki.js';

async function settled(s: SlapdServer): Promise<number> {
  let last = -1;
  for (let i = 0; i < 40; i++) {
    const now = s.connections();
    if (now === last) return now;
    last = now;
    await new Promise((r) => setTimeout(r, 25));
  }
  return last;
}

describe('LDAP identity backend', () => {
  let pki: TestPki;
  let slapd: SlapdServer;
  let second: SlapdServer;

  beforeAll(async () => {
    pki = createTestPki();
    const cert = pki.server('ldap', { dns: ['ldap.test'], ip: ['127.0.0.1'] });
    [slapd, second] = await Promise.all([
      startSlapd({ tls: { certFile: cert.certFile, keyFile: cert.keyFile, caFile: pki.ca.certFile, verifyClient: 'demand' } }),
      startSlapd(),
    ]);
  });
  afterAll(async () => {
    await Promise.all([slapd?.close(), second?.close()]);
    pki?.remove();
  });

  const options = (o: Partial<LdapIdentityBackendOptions> = {}): LdapIdentityBackendOptions => ({
    endpoints: [slapd.url],
    bindDn: DIRECTORY.serviceDn,
    bindPassword: DIRECTORY.servicePassword,
    connectTimeoutMs: 500,
    requestTimeoutMs: 1000,
    directory: { searchBase: DIRECTORY.peopleBase, groups: { searchBase: DIRECTORY.groupsBase, nested: 'recursive' } },
    ...o,
  });

  it('reads users with nested groups, group members, and answers null for the unknown', async () => {
    const b = createLdapIdentityBackend(options());
    expect(await b.getUser('ada')).toEqual({
      loginId: 'ada',
      attributes: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.org' },
      groups: ['auditors', 'engineers', 'everyone', 'staff'],
    });
    expect(await b.getGroups('grace')).toEqual(['admins', 'engineers', 'everyone', 'staff']);
    expect(await b.getGroupMembers('engineers')).toEqual(['ada', 'grace']);
    expect(await b.getUser('nobody')).toBeNull();
    expect(await b.getUser('*')).toBeNull();
    expect(await b.getGroupMembers('nope')).toBeNull();
    expect(await b.getGroupMembers('*')).toBeNull();
  });

  it('cache hits do not reach the directory; entries expire after the TTL', async () => {
    const b = createLdapIdentityBackend(options({ cache: { ttlMs: 300 } }));
    const before = await settled(slapd);
    for (let i = 0; i < 5; i++) expect((await b.getUser('grace'))?.loginId).toBe('grace');
    expect((await settled(slapd)) - before).toBe(1);
    expect(b.cacheStats()).toMatchObject({ hits: 4, misses: 1 });
    await new Promise((r) => setTimeout(r, 350));
    await b.getUser('grace');
    expect((await settled(slapd)) - before).toBe(2);
  });

  it('with caching off every call reaches the directory', async () => {
    const b = createLdapIdentityBackend(options({ cache: false }));
    const before = await settled(slapd);
    for (let i = 0; i < 3; i++) await b.getUser('linus');
    expect((await settled(slapd)) - before).toBe(3);
  });

  it('fails over to the next directory server and reports the dead one', async () => {
    const b = createLdapIdentityBackend(options({ endpoints: ['ldap://127.0.0.1:1', second.url] }));
    expect((await b.getUser('ada'))?.loginId).toBe('ada');
    expect(b.state().map((s) => s.status)).toEqual(['down', 'up']);
    const none = createLdapIdentityBackend(options({ endpoints: ['ldap://127.0.0.1:1'] }));
    await expect(none.getUser('ada')).rejects.toMatchObject({ code: 'IDENTITY_BACKEND_UNAVAILABLE', statusCode: 503 });
  });

  it('ldaps:// with the technical user’s client certificate; without it the server refuses', async () => {
    const client = pki.client('identity-reader');
    const withCert = createLdapIdentityBackend(
      options({ endpoints: [slapd.ldapsUrl!], tls: { ca: pki.ca.cert, cert: client.cert, key: client.key } }),
    );
    expect((await withCert.getUser('ada'))?.loginId).toBe('ada');
    const withoutCert = createLdapIdentityBackend(options({ endpoints: [slapd.ldapsUrl!], tls: { ca: pki.ca.cert } }));
    await expect(withoutCert.getUser('ada')).rejects.toMatchObject({ code: 'IDENTITY_BACKEND_UNAVAILABLE' });
  });
});
