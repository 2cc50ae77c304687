import { inflateRawSync } from 'node:zlib';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestIdp, authnRequestFromUrl, testKeyPair } from '../../../support/saml-idp.js';
import { ACS_URL, SP_ENTITY_ID, SP_URL, incidentOf, startSp } from './sp-harness.js';
import type { SpHarness } from './sp-harness.js';

let idp: TestIdp;
let h: SpHarness;
beforeAll(async () => {
  idp = await TestIdp.start({ spAcsUrl: ACS_URL, spEntityId: SP_ENTITY_ID, spSloUrl: `${SP_URL}/saml/slo` });
  h = await startSp({ idp });
});
afterAll(async () => {
  await h?.close();
  await idp?.close();
});

describe('SAML login start', () => {
  it('redirects to the IdP with a deflated AuthnRequest naming this SP, its ACS and the IdP as destination', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/saml/login?returnTo=%2Fapp%2F' });
    expect(res.statusCode).toBe(302);
    expect(res.headers['cache-control']).toBe('no-store');
    const url = new URL(String(res.headers.location));
    expect(url.origin + url.pathname).toBe(idp.ssoUrl);
    expect(url.searchParams.get('RelayState')).toBe('/app/');
    const xml = inflateRawSync(Buffer.from(url.searchParams.get('SAMLRequest')!, 'base64')).toString();
    expect(xml).toContain(`AssertionConsumerServiceURL="${ACS_URL}"`);
    expect(xml).toContain(`Destination="${idp.ssoUrl}"`);
    expect(xml).toContain(`>${SP_ENTITY_ID}</saml:Issuer>`);
    expect(xml).toMatch(/ID="_[0-9a-f]{40}"/);
    // no RequestedAuthnContext unless configured (node-saml would ask for exact password auth)
    expect(xml).not.toContain('RequestedAuthnContext');
    expect(url.searchParams.get('Signature')).toBeNull();
  });

  it('never puts an off-site returnTo into RelayState', async () => {
    for (const bad of ['https://evil.test/', '//evil.test/', 'javascript:alert(1)']) {
      const res = await h.app.inject({ method: 'GET', url: `/saml/login?returnTo=${encodeURIComponent(bad)}` });
      expect(new URL(String(res.headers.location)).searchParams.get('RelayState')).toBe('/');
    }
  });

  it('answers 404 for an unknown IdP name', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/saml/login?idp=nope' });
    expect(res.statusCode).toBe(404);
  });

  it('offers one login choice per IdP', () => {
    expect(h.saml.loginChoices('/app/')).toEqual([{ label: 'Sign in with Corp', url: '/saml/login?idp=corp&returnTo=%2Fapp%2F' }]);
    expect(h.saml.label).toBe('Sign in with Corp');
  });

  it('publishes SP metadata with entity id, ACS and single logout', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/saml/metadata' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/application\/samlmetadata\+xml/);
    expect(res.body).toContain(`entityID="${SP_ENTITY_ID}"`);
    expect(res.body).toContain(`Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${ACS_URL}"`);
    expect(res.body).toContain('SingleLogoutService');
    expect(res.body).toContain('AuthnRequestsSigned="false"');
    expect(res.body).not.toContain('KeyDescriptor');
  });
});

describe('SAML login start with an SP signing key', () => {
  let signed: SpHarness;
  let signedIdp: TestIdp;
  const sp = testKeyPair('portcullis-test-sp');
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'saml-sp-'));
    writeFileSync(join(dir, 'sp.key'), sp.privateKey);
    writeFileSync(join(dir, 'sp.crt'), sp.certificate);
    signedIdp = await TestIdp.start({ spAcsUrl: ACS_URL, spEntityId: SP_ENTITY_ID, spCertificate: sp.certificate });
    signed = await startSp({ idp: signedIdp, config: { signing: { privateKey: `file://${join(dir, 'sp.key')}`, certificateFile: join(dir, 'sp.crt') } } });
  });
  afterAll(async () => {
    await signed?.close();
    await signedIdp?.close();
  });

  it('signs the AuthnRequest with RSA-SHA256, verifiable with the certificate in the metadata', async () => {
    const { location } = await signed.startLogin('/');
    expect(new URL(location).searchParams.get('SigAlg')).toBe('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
    const page = await fetch(location);
    expect(page.status).toBe(200);
    expect(signedIdp.authnRequests.at(-1)).toMatchObject({ signed: true, signatureValid: true });

    const md = await signed.app.inject({ method: 'GET', url: '/saml/metadata' });
    expect(md.body).toContain('AuthnRequestsSigned="true"');
    expect(md.body).toContain(sp.certificate.split('\n')[1]!);
  });
});

describe('SAML browser binding', () => {
  const headers = { 'content-type': 'application/x-www-form-urlencoded' };
  const form = (xml: string) => new URLSearchParams({ SAMLResponse: Buffer.from(xml).toString('base64'), RelayState: '/' }).toString();

  it('auto: on behind https with a SameSite=None; Secure cookie limited to the ACS path, off over http', async () => {
    const https = await startSp({ idp, publicUrl: 'https://sp.test' });
    const plain = await startSp({ idp });
    try {
      const cookie = String((await https.app.inject({ method: 'GET', url: '/saml/login' })).headers['set-cookie']);
      expect(cookie).toMatch(/^portcullis_saml=[A-Za-z0-9_-]{43}; Path=\/saml\/acs; Max-Age=600; HttpOnly; SameSite=None; Secure$/);
      expect((await plain.app.inject({ method: 'GET', url: '/saml/login' })).headers['set-cookie']).toBeUndefined();
    } finally {
      await https.app.close();
      await plain.app.close();
    }
  });

  it('refuses a response posted without the cookie; the browser that started the login still finishes it', async () => {
    const on = await startSp({ idp, config: { bindToBrowser: true } });
    try {
      const start = await on.app.inject({ method: 'GET', url: '/saml/login' });
      const cookie = String(start.headers['set-cookie']).split(';')[0]!;
      expect(cookie).toMatch(/^portcullis_saml=/);
      const { id } = authnRequestFromUrl(String(start.headers.location));
      const stranger = await on.app.inject({ method: 'POST', url: '/saml/acs', headers, payload: form(idp.response({ inResponseTo: id })) });
      expect(stranger.statusCode).toBe(401);
      expect(incidentOf(on, stranger.body).log?.code).toBe('SAML_BROWSER_MISMATCH');
      const wrong = await on.app.inject({ method: 'POST', url: '/saml/acs', headers: { ...headers, cookie: `portcullis_saml=${'A'.repeat(43)}` }, payload: form(idp.response({ inResponseTo: id })) });
      expect(incidentOf(on, wrong.body).log?.code).toBe('SAML_BROWSER_MISMATCH');
      const owner = await on.app.inject({ method: 'POST', url: '/saml/acs', headers: { ...headers, cookie }, payload: form(idp.response({ inResponseTo: id })) });
      expect(owner.statusCode).toBe(302);
      // one nonce per browser: a second login keeps the cookie, so parallel tabs work
      const again = await on.app.inject({ method: 'GET', url: '/saml/login', headers: { cookie } });
      expect(String(again.headers['set-cookie']).split(';')[0]).toBe(cookie);
    } finally {
      await on.app.close();
    }
  });
});
