import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAML_ERROR_CODES as C } from '../../../../gateway/authenticators/saml/errors.js';
import { TestIdp, authnRequestFromUrl } from '../../../support/saml-idp.js';
import { ACS_URL, SP_ENTITY_ID, incidentOf, startSp } from './sp-harness.js';
import type { SpHarness } from './sp-harness.js';

describe('SAML with two identity providers', () => {
  let corp: TestIdp;
  let partner: TestIdp;
  let h: SpHarness;

  beforeAll(async () => {
    corp = await TestIdp.start({ spAcsUrl: ACS_URL, spEntityId: SP_ENTITY_ID });
    partner = await TestIdp.start({ spAcsUrl: ACS_URL, spEntityId: SP_ENTITY_ID, entityId: 'https://partner-idp.test/saml', keyName: 'partner-idp' });
    h = await startSp({
      idp: corp,
      config: {
        identityProviders: [
          { name: 'corp', label: 'Corp', entityId: corp.entityId, ssoUrl: corp.ssoUrl, certificates: [corp.certificate] },
          { name: 'partner', label: 'Partner', entityId: partner.entityId, ssoUrl: partner.ssoUrl, certificates: [partner.certificate] },
        ] as never,
      },
    });
  });
  afterAll(async () => {
    await h?.app.close();
    await Promise.all([corp?.close(), partner?.close()]);
  });

  it('offers a button per IdP and a chooser page when none is named', async () => {
    expect(h.saml.loginChoices('/x').map((c) => c.label)).toEqual(['Corp', 'Partner']);
    const res = await h.app.inject({ method: 'GET', url: '/saml/login?returnTo=%2Fx' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('href="/saml/login?idp=partner&amp;returnTo=%2Fx"');
  });

  it('accepts the partner IdP answering its own request', async () => {
    const start = await h.app.inject({ method: 'GET', url: '/saml/login?idp=partner&returnTo=%2F' });
    expect(String(start.headers.location).startsWith(partner.ssoUrl)).toBe(true);
    const { id } = authnRequestFromUrl(String(start.headers.location));
    expect((await h.postToAcs(partner.response({ inResponseTo: id }), '/')).statusCode).toBe(302);
  });

  it('refuses one IdP answering a request that was sent to the other', async () => {
    const start = await h.app.inject({ method: 'GET', url: '/saml/login?idp=partner&returnTo=%2F' });
    const { id } = authnRequestFromUrl(String(start.headers.location));
    const res = await h.postToAcs(corp.response({ inResponseTo: id }), '/');
    expect(res.statusCode).toBe(401);
    expect(incidentOf(h, res.body).log?.code).toBe(C.inResponseTo);
  });

  it('refuses a response claiming to be from the partner but signed by the corp key', async () => {
    const start = await h.app.inject({ method: 'GET', url: '/saml/login?idp=partner&returnTo=%2F' });
    const { id } = authnRequestFromUrl(String(start.headers.location));
    const res = await h.postToAcs(corp.response({ inResponseTo: id, issuer: partner.entityId }), '/');
    expect(res.statusCode).toBe(401);
    expect(incidentOf(h, res.body).log?.code).toBe(C.signature);
  });
});
