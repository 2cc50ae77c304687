import { inflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAML_ERROR_CODES as C } from '../../../../gateway/authenticators/saml/errors.js';
import { buildLogoutRequest, redirectUrl, signElement, testKeyPair, toBase64 } from '../../../support/saml-idp.js';
import { buildLogoutResponse } from '../../../support/saml-xml.js';
import { SP_URL, incidentOf, startSp } from './sp-harness.js';
import type { SpHarness } from './sp-harness.js';

let h: SpHarness;
beforeAll(async () => {
  h = await startSp();
});
afterAll(async () => {
  await h?.close();
});

async function loginAs(user: string) {
  const { requestId } = await h.startLogin('/');
  const res = await h.postToAcs(h.idp.response({ user, inResponseTo: requestId, sessionIndex: `_si-${user}` }), '/');
  expect(res.statusCode).toBe(302);
  return h.completion.logins.at(-1)!.user;
}

const sloPath = (url: string) => url.replace(SP_URL, '');

describe('SAML single logout started at the gateway', () => {
  it('sends a LogoutRequest for the NameID and session index, and accepts the IdP answer', async () => {
    const user = await loginAs('alice');
    const url = await h.saml.logoutRedirect(user);
    expect(url?.startsWith(h.idp.sloUrl)).toBe(true);

    const idpAnswer = await fetch(url!, { redirect: 'manual' });
    expect(idpAnswer.status).toBe(302);
    expect(h.idp.logoutRequests.at(-1)).toMatchObject({ nameId: 'alice', sessionIndex: '_si-alice' });

    const back = await h.app.inject({ method: 'GET', url: sloPath(idpAnswer.headers.get('location')!) });
    expect(back.statusCode).toBe(200);
    expect(back.body).toContain('signed out of the gateway and of your identity provider');
  });

  it('an unsigned LogoutResponse with no matching request does not claim the IdP signed the user out', async () => {
    const xml = buildLogoutResponse({ issuer: h.idp.entityId, destination: `${SP_URL}/saml/slo`, inResponseTo: '_never-sent' });
    const back = await h.app.inject({ method: 'GET', url: sloPath(redirectUrl(`${SP_URL}/saml/slo`, 'SAMLResponse', xml, undefined)) });
    expect(back.body).not.toContain('of your identity provider.');
    expect(back.body).toContain('did not confirm');
  });

  it('a signed LogoutResponse confirms the IdP sign-out only for a request the gateway sent, and only once', async () => {
    const forged = buildLogoutResponse({ issuer: h.idp.entityId, destination: `${SP_URL}/saml/slo`, inResponseTo: '_never-sent' });
    const unmatched = await h.app.inject({ method: 'GET', url: sloPath(redirectUrl(`${SP_URL}/saml/slo`, 'SAMLResponse', forged, undefined, h.idp.key)) });
    expect(unmatched.body).not.toContain('of your identity provider.'); // refused outright: InResponseTo unknown

    const user = await loginAs('alice');
    const idpAnswer = await fetch((await h.saml.logoutRedirect(user))!, { redirect: 'manual' });
    const answerPath = sloPath(idpAnswer.headers.get('location')!);
    expect((await h.app.inject({ method: 'GET', url: answerPath })).body).toContain('of your identity provider.');
    // the same signed answer again (a replay from the browser history) confirms nothing more
    const replayed = await h.app.inject({ method: 'GET', url: answerPath });
    expect(replayed.body).not.toContain('of your identity provider.');
    expect(replayed.body).toContain('did not confirm');
  });

  it('has no IdP logout for a user whose IdP has no SLO URL', async () => {
    const noSlo = await startSp({ idp: h.idp, idpConfig: { sloUrl: undefined } });
    try {
      const { requestId } = await noSlo.startLogin('/');
      await noSlo.postToAcs(noSlo.idp.response({ inResponseTo: requestId }), '/');
      expect(await noSlo.saml.logoutRedirect(noSlo.completion.logins.at(-1)!.user)).toBeUndefined();
    } finally {
      await noSlo.app.close();
    }
  });
});

describe('SAML single logout started at the IdP', () => {
  it('ends the sessions of the named user on a signed LogoutRequest (HTTP-Redirect) and answers the IdP', async () => {
    await loginAs('bob');
    const xml = buildLogoutRequest({ issuer: h.idp.entityId, destination: `${SP_URL}/saml/slo`, nameId: 'bob' });
    const res = await h.app.inject({ method: 'GET', url: sloPath(redirectUrl(`${SP_URL}/saml/slo`, 'SAMLRequest', xml, 'rs-1', h.idp.key)) });
    expect(res.statusCode).toBe(302);
    expect(String(res.headers.location).startsWith(h.idp.sloUrl)).toBe(true);
    // HTTP-Redirect binding: base64 of raw-deflated XML; the answer must be a successful LogoutResponse
    const encoded = new URL(String(res.headers.location)).searchParams.get('SAMLResponse') ?? '';
    const answer = inflateRawSync(Buffer.from(encoded, 'base64')).toString('utf8');
    expect(answer).toMatch(/<(\w+:)?LogoutResponse[\s>]/);
    expect(answer).toContain('urn:oasis:names:tc:SAML:2.0:status:Success');
    expect(h.completion.ended).toContainEqual({ authenticator: 'saml', loginId: 'bob' });
  });

  it('refuses the same signed LogoutRequest a second time', async () => {
    await loginAs('bob');
    const xml = buildLogoutRequest({ issuer: h.idp.entityId, destination: `${SP_URL}/saml/slo`, nameId: 'bob' });
    const url = sloPath(redirectUrl(`${SP_URL}/saml/slo`, 'SAMLRequest', xml, undefined, h.idp.key));
    expect((await h.app.inject({ method: 'GET', url })).statusCode).toBe(302);
    const again = await h.app.inject({ method: 'GET', url });
    expect(again.statusCode).toBe(401);
    expect(incidentOf(h, again.body).log?.code).toBe(C.replay);
  });

  it('ends the sessions on a signed LogoutRequest over HTTP-POST', async () => {
    await loginAs('alice');
    const before = h.completion.ended.length;
    const xml = signElement(buildLogoutRequest({ issuer: h.idp.entityId, destination: `${SP_URL}/saml/slo`, nameId: 'alice' }), 'LogoutRequest', { key: h.idp.key });
    const res = await h.app.inject({
      method: 'POST',
      url: '/saml/slo',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ SAMLRequest: toBase64(xml) }).toString(),
    });
    expect(res.statusCode).toBe(302);
    expect(h.completion.ended.slice(before)).toContainEqual({ authenticator: 'saml', loginId: 'alice' });
  });

  it('refuses an unsigned LogoutRequest and ends nothing', async () => {
    await loginAs('bob');
    const before = h.completion.ended.length;
    const xml = buildLogoutRequest({ issuer: h.idp.entityId, destination: `${SP_URL}/saml/slo`, nameId: 'bob' });
    const res = await h.app.inject({ method: 'GET', url: sloPath(redirectUrl(`${SP_URL}/saml/slo`, 'SAMLRequest', xml, undefined)) });
    expect(res.statusCode).toBe(401);
    expect(incidentOf(h, res.body).log?.code).toBe(C.logoutRequest);
    expect(h.completion.ended.length).toBe(before);
  });

  it('refuses a LogoutRequest signed by another key and ends nothing', async () => {
    const before = h.completion.ended.length;
    const xml = buildLogoutRequest({ issuer: h.idp.entityId, destination: `${SP_URL}/saml/slo`, nameId: 'bob' });
    const res = await h.app.inject({ method: 'GET', url: sloPath(redirectUrl(`${SP_URL}/saml/slo`, 'SAMLRequest', xml, undefined, testKeyPair('attacker'))) });
    expect(res.statusCode).toBe(401);
    expect(incidentOf(h, res.body).log?.code).toBe(C.logoutRequest);
    expect(h.completion.ended.length).toBe(before);
  });
});
