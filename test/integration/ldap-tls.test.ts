/**
 * The LDAP authenticator over TLS against a real slapd that demands client certificates:
 * ldaps:// and StartTLS, the CA file, the server-name check, the client certificate.
 * The server certificate names only `ldap.test`, while the URL says 127.0.0.1.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ldapAuthenticatorSchema, type LdapAuthenticatorInput } from '../../config/schema/ldap.js';
import { createLdapAuthenticator } from '../../gateway/authenticators/ldap/index.js';
import type { AuthenticatorContext, LoginContext } from '../../gateway/authenticators/types.js';
import { DIRECTORY, startSlapd, type SlapdServer } from '../support/slapd.js';
import { createTestPki, type CertFiles, type TestPki } from '../support/test-pki.js';

const log = pino({ level: 'silent' });
const ctx = { configDir: process.cwd(), dataDir: process.cwd(), publicUrl: 'http://127.0.0.1', log, byName: () => undefined, sharedStore: undefined as never } satisfies AuthenticatorContext;
const lctx: LoginContext = { clientAddress: '127.0.0.1', log: log as unknown as LoginContext['log'] };
const { ada } = DIRECTORY.users;

describe('LDAP authenticator over TLS', () => {
  let pki: TestPki;
  let other: TestPki;
  let client: CertFiles;
  let slapd: SlapdServer;

  beforeAll(async () => {
    pki = createTestPki();
    other = createTestPki('Untrusted CA');
    const cert = pki.server('ldap', { dns: ['ldap.test'] });
    client = pki.client('portcullis-gateway');
    slapd = await startSlapd({ tls: { certFile: cert.certFile, keyFile: cert.keyFile, caFile: pki.ca.certFile, verifyClient: 'demand' } });
  });
  afterAll(async () => {
    await slapd?.close();
    pki?.remove();
    other?.remove();
  });

  const login = async (servers: string[], tls: NonNullable<LdapAuthenticatorInput['tls']>) => {
    const auth = await createLdapAuthenticator(
      ldapAuthenticatorSchema.parse({
        type: 'ldap',
        servers,
        bindDn: DIRECTORY.serviceDn,
        bindPassword: `plain://${DIRECTORY.servicePassword}`,
        searchBase: DIRECTORY.peopleBase,
        connectTimeoutMs: 1000,
        operationTimeoutMs: 2000,
        tls,
      }),
      ctx,
    );
    return auth.verify(ada.login, ada.password, lctx).catch((e) => e);
  };
  const withCert = () => ({ caFile: pki.ca.certFile, certFile: client.certFile, keyFile: client.keyFile });

  it('ldaps:// with the CA file, the expected server name and a client certificate logs in', async () => {
    expect((await login([slapd.ldapsUrl!], { ...withCert(), serverName: 'ldap.test' }))?.loginId).toBe('ada');
  });

  it('StartTLS upgrades ldap:// before the bind', async () => {
    const before = slapd.log().length;
    expect((await login([slapd.url], { ...withCert(), serverName: 'ldap.test', startTls: true }))?.loginId).toBe('ada');
    await new Promise((r) => setTimeout(r, 100));
    expect(slapd.log().slice(before).some((l) => l.includes('oid=1.3.6.1.4.1.1466.20037'))).toBe(true);
  });

  it('the server-name check is on by default: a certificate for another name is refused', async () => {
    const err = await login([slapd.ldapsUrl!], withCert());
    expect(err).toMatchObject({ code: 'GW_LDAP_UNAVAILABLE', statusCode: 503 });
    expect(err.cause.down[0].lastFailure).toBe('LDAP_TLS_FAILED');
    // switching only the name check off still verifies the chain
    expect((await login([slapd.ldapsUrl!], { ...withCert(), checkServerName: false }))?.loginId).toBe('ada');
  });

  it('a server certificate from a CA we do not trust is refused', async () => {
    const err = await login([slapd.ldapsUrl!], { caFile: other.ca.certFile, certFile: client.certFile, keyFile: client.keyFile, serverName: 'ldap.test' });
    expect(err).toMatchObject({ code: 'GW_LDAP_UNAVAILABLE' });
  });

  it('without the client certificate the directory refuses the connection', async () => {
    const err = await login([slapd.ldapsUrl!], { caFile: pki.ca.certFile, serverName: 'ldap.test' });
    expect(err).toMatchObject({ code: 'GW_LDAP_UNAVAILABLE' });
  });

  it('a CA file that cannot be read fails at start-up with the option path', async () => {
    const err = await createLdapAuthenticator(
      ldapAuthenticatorSchema.parse({ type: 'ldap', servers: [slapd.ldapsUrl!], searchBase: DIRECTORY.peopleBase, tls: { caFile: '/nonexistent/ca.pem' } }),
      ctx,
    ).catch((e) => e);
    expect(err).toMatchObject({ code: 'GW_LDAP_CONFIG_INVALID' });
    expect(err.message).toContain('authenticators[name=ldap].tls.caFile');
  });
});
