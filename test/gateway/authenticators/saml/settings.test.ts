import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { samlAuthenticatorSchema } from '../../../../config/schema/saml.js';
import { SAML_ERROR_CODES as C } from '../../../../gateway/authenticators/saml/errors.js';
import { resolveSamlSettings } from '../../../../gateway/authenticators/saml/settings.js';
import { testKeyPair } from '../../../support/saml-idp.js';

const fixtures = join(import.meta.dirname, '../../../fixtures/saml');
const ctx = { configDir: fixtures, publicUrl: 'https://gw.example.test/' };
const parse = (idp: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  samlAuthenticatorSchema.parse({ type: 'saml', identityProviders: [{ name: 'corp', ...idp }], ...extra });

async function codeAndMessage(p: Promise<unknown>) {
  try {
    await p;
  } catch (err) {
    return { code: (err as { code: string }).code, message: (err as Error).message };
  }
  return { code: undefined, message: '' };
}

describe('SAML configuration', () => {
  it('imports an IdP from its metadata file and fills the SP URLs from the public URL', async () => {
    const s = await resolveSamlSettings(parse({ metadataFile: 'idp-metadata.xml' }), ctx);
    expect(s).toMatchObject({
      spEntityId: 'https://gw.example.test/saml/metadata',
      acsUrl: 'https://gw.example.test/saml/acs',
      sloUrl: 'https://gw.example.test/saml/slo',
    });
    expect(s.idps[0]).toMatchObject({ entityId: 'https://idp.example.test/saml', ssoUrl: 'https://idp.example.test/saml/sso', label: 'Sign in with corp' });
    expect(s.idps[0]!.certificates[0]).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
  });

  it('defaults: unsolicited off, 60 s clock skew, no SP signing', () => {
    const c = parse({ metadataFile: 'idp-metadata.xml' });
    expect(c.identityProviders[0]!.allowUnsolicited).toBe(false);
    expect(c.clockSkewSeconds).toBe(60);
    expect(c.signing).toBeUndefined();
  });

  it('schema: an IdP without metadata needs entity id, SSO URL and a certificate, each named by path', () => {
    const r = samlAuthenticatorSchema.safeParse({ type: 'saml', identityProviders: [{ name: 'corp' }] });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join('.')).sort()).toEqual(['identityProviders.0.certificates', 'identityProviders.0.entityId', 'identityProviders.0.ssoUrl']);
  });

  it('schema: the SP private key must be a secret reference; duplicate IdP names are refused', () => {
    const key = samlAuthenticatorSchema.safeParse({ type: 'saml', identityProviders: [{ name: 'a', metadataFile: 'x' }], signing: { privateKey: '-----BEGIN PRIVATE KEY-----', certificateFile: 'c' } });
    expect(key.error!.issues[0]!.path.join('.')).toBe('signing.privateKey');
    const dup = samlAuthenticatorSchema.safeParse({ type: 'saml', identityProviders: [{ name: 'a', metadataFile: 'x' }, { name: 'a', metadataFile: 'y' }] });
    expect(dup.error!.issues[0]!.path.join('.')).toBe('identityProviders.1.name');
  });

  it('fails at start-up with SAML_CONFIG_INVALID naming the path of a missing metadata file', async () => {
    const r = await codeAndMessage(resolveSamlSettings(parse({ metadataFile: 'nope.xml' }), ctx, 'authenticators[0]'));
    expect(r.code).toBe(C.config);
    expect(r.message).toMatch(/^authenticators\[0\]\.identityProviders\[0\]\.metadataFile: cannot read/);
  });

  it('fails naming the certificate that is not a certificate', async () => {
    const r = await codeAndMessage(resolveSamlSettings(parse({ entityId: 'x', ssoUrl: 'https://idp/sso', certificates: ['bm90IGEgY2VydA=='] }), ctx, 'a'));
    expect(r).toEqual({ code: C.config, message: expect.stringMatching(/^a\.identityProviders\[0\]\.certificates\[0\]: is not an X\.509/) });
  });

  it('fails naming the SP key reference that cannot be resolved, without echoing a key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'saml-settings-'));
    writeFileSync(join(dir, 'sp.crt'), testKeyPair('portcullis-test-sp').certificate);
    const missing = await codeAndMessage(
      resolveSamlSettings(parse({ metadataFile: join(fixtures, 'idp-metadata.xml') }, { signing: { privateKey: 'env://PORTCULLIS_NO_SUCH_VAR', certificateFile: 'sp.crt' } }), { ...ctx, configDir: dir }, 'a'),
    );
    expect(missing).toEqual({ code: C.config, message: expect.stringMatching(/^a\.signing\.privateKey: .*PORTCULLIS_NO_SUCH_VAR/) });
    const garbage = await codeAndMessage(
      resolveSamlSettings(parse({ metadataFile: join(fixtures, 'idp-metadata.xml') }, { signing: { privateKey: 'plain://s3cr3t-not-a-key', certificateFile: 'sp.crt' } }), { ...ctx, configDir: dir }, 'a'),
    );
    expect(garbage.code).toBe(C.config);
    expect(garbage.message).toMatch(/^a\.signing\.privateKey: not a usable PEM private key/);
    expect(garbage.message).not.toContain('s3cr3t');
  });
});
