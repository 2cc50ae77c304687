import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestGateway } from '../support/gateway.js';
import { AC_MFA, buildLogoutRequest, insertCommentInNameId, redirectUrl, replaceNameId, testKeyPair, wrapWithForgedAssertion } from '../support/saml-idp.js';
import type { TestIdp } from '../support/saml-idp.js';
import { CookieClient, loginThroughIdp, postResponse, startSamlGateway, startSamlLogin } from '../support/saml-gateway.js';

const HTML = { accept: 'text/html' };
let gw: TestGateway;
let idp: TestIdp;

beforeAll(async () => {
  ({ gw, idp } = await startSamlGateway());
}, 60_000);
afterAll(async () => {
  await gw?.stop();
  await idp?.close();
});

/** The incident id shown to the user and the gateway log line that carries it. */
function incident(body: string) {
  const id = /Reference: ([A-Za-z0-9]+)/.exec(body)?.[1];
  const line = gw
    .logs()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .find((l) => id && l.incident === id);
  return { id, line };
}

/** The response is refused: the failure page with an id, the reason logged, and no session. */
async function expectRefusedThroughGateway(client: CookieClient, xml: string, code: string, relayState = '/app/') {
  const res = await postResponse(client, xml, relayState);
  expect(res.status).toBe(401);
  expect(res.text).toContain('Login failed');
  const { id, line } = incident(res.text);
  expect(id).toMatch(/^[A-Za-z0-9]{12}$/);
  expect(line).toMatchObject({ code, incident: id, msg: 'saml login refused' });
  expect(res.text).not.toMatch(/saml:|samlp:|Assertion|node-saml|SAML_|\bat \S+:\d+/);
  expect(client.jar.has('portcullis_sid')).toBe(false);
  expect((await client.get('/app/', HTML)).location).toBe('/login?returnTo=%2Fapp%2F');
}

describe('SAML through the real gateway: SP-initiated login over HTTP', () => {
  it('the login page offers the IdP; login lands on the page asked for, the engine sees the SAML identity; logout goes through the IdP', async () => {
    const client = new CookieClient(gw.url);
    expect((await client.get('/app/', HTML)).location).toBe('/login?returnTo=%2Fapp%2F');
    const loginPage = await client.get('/login?returnTo=%2Fapp%2F', HTML);
    expect(loginPage.text).toContain('Sign in with Corp IdP');
    expect(loginPage.text).toContain('href="/saml/login?idp=corp&amp;returnTo=%2Fapp%2F"');

    idp.currentUser = 'bob';
    const acs = await loginThroughIdp(client, '/app/');
    expect(acs.status).toBe(303);
    expect(acs.location).toBe('/app/');
    expect(client.jar.has('portcullis_sid')).toBe(true);

    const whoami = await client.get('/app/whoami');
    expect(whoami.status).toBe(200);
    expect(whoami.json()).toMatchObject({ user: 'bob', tokenRoles: ['admin', 'user'], level: 'auth.weak', amr: ['saml'] });
    expect(whoami.json().attributes).toMatchObject({ email: 'bob@example.test', firstName: 'Bob' });
    expect((await client.get('/admin/whoami')).status).toBe(200);

    // single logout: the gateway session ends, the browser goes to the IdP, which answers back
    const out = await client.get('/logout', HTML);
    expect(out.status).toBe(302);
    expect(out.location!.startsWith(idp.sloUrl)).toBe(true);
    const idpAnswer = await fetch(out.location!, { redirect: 'manual' });
    expect(idp.logoutRequests.at(-1)?.nameId).toBe('bob');
    const back = new URL(idpAnswer.headers.get('location')!);
    const signedOut = await client.get(back.pathname + back.search, HTML);
    expect(signedOut.status).toBe(200);
    expect(signedOut.text).toContain('Signed out');
    expect((await client.get('/app/', HTML)).location).toBe('/login?returnTo=%2Fapp%2F');
    idp.currentUser = 'alice';
  });

  it('gives auth.strong to a login the IdP made with multi-factor', async () => {
    const client = new CookieClient(gw.url);
    const { requestId } = await startSamlLogin(client);
    expect((await postResponse(client, idp.response({ inResponseTo: requestId, authnContextClassRef: AC_MFA }))).status).toBe(303);
    expect((await client.get('/app/whoami')).json()).toMatchObject({ user: 'alice', level: 'auth.strong', amr: ['saml', 'mfa'] });
  });

  it('ends the gateway session when the IdP sends a signed LogoutRequest', async () => {
    const client = new CookieClient(gw.url);
    expect((await loginThroughIdp(client)).status).toBe(303);
    expect((await client.get('/app/whoami')).status).toBe(200);
    const other = new CookieClient(gw.url); // the IdP front-channel call comes without the user's cookie
    const request = buildLogoutRequest({ issuer: idp.entityId, destination: `${gw.url}/saml/slo`, nameId: 'alice' });
    const url = new URL(redirectUrl(`${gw.url}/saml/slo`, 'SAMLRequest', request, undefined, idp.key));
    const slo = await other.get(url.pathname + url.search, HTML);
    expect(slo.status).toBe(302);
    expect(slo.location!.startsWith(idp.sloUrl)).toBe(true);
    expect((await client.get('/app/', HTML)).location).toBe('/login?returnTo=%2Fapp%2F');
  });
});

describe('SAML through the real gateway: refused responses', () => {
  it('refuses an unsigned assertion', async () => {
    const client = new CookieClient(gw.url);
    const { requestId } = await startSamlLogin(client);
    await expectRefusedThroughGateway(client, idp.response({ inResponseTo: requestId, sign: 'none' }), 'SAML_SIGNATURE_INVALID');
  });

  it('refuses a signature by another key', async () => {
    const client = new CookieClient(gw.url);
    const { requestId } = await startSamlLogin(client);
    await expectRefusedThroughGateway(client, idp.response({ inResponseTo: requestId, key: testKeyPair('attacker') }), 'SAML_SIGNATURE_INVALID');
  });

  it('refuses signature wrapping (signed assertion plus an unsigned one for another user)', async () => {
    const client = new CookieClient(gw.url);
    const { requestId } = await startSamlLogin(client);
    await expectRefusedThroughGateway(client, wrapWithForgedAssertion(idp.response({ inResponseTo: requestId }), 'bob'), 'SAML_SIGNATURE_WRAPPING');
  });

  it('refuses a NameID modified after signing', async () => {
    const client = new CookieClient(gw.url);
    const { requestId } = await startSamlLogin(client);
    await expectRefusedThroughGateway(client, replaceNameId(idp.response({ inResponseTo: requestId }), 'bob'), 'SAML_SIGNATURE_INVALID');
  });

  it('refuses a NameID with an XML comment inserted after signing', async () => {
    const client = new CookieClient(gw.url);
    const { requestId } = await startSamlLogin(client);
    idp.users['mallory'] = { nameId: 'bob.evil.test' };
    await expectRefusedThroughGateway(client, insertCommentInNameId(idp.response({ user: 'mallory', inResponseTo: requestId }), 3), 'SAML_XML_COMMENT_REFUSED');
  });

  it('refuses an expired assertion', async () => {
    const client = new CookieClient(gw.url);
    const { requestId } = await startSamlLogin(client);
    await expectRefusedThroughGateway(client, idp.response({ inResponseTo: requestId, timeShiftMs: -30 * 60_000 }), 'SAML_ASSERTION_EXPIRED');
  });

  it('refuses an assertion for another audience', async () => {
    const client = new CookieClient(gw.url);
    const { requestId } = await startSamlLogin(client);
    await expectRefusedThroughGateway(client, idp.response({ inResponseTo: requestId, audience: 'https://someone-else.test/sp' }), 'SAML_AUDIENCE_MISMATCH');
  });

  it('refuses an assertion for another recipient', async () => {
    const client = new CookieClient(gw.url);
    const { requestId } = await startSamlLogin(client);
    await expectRefusedThroughGateway(client, idp.response({ inResponseTo: requestId, recipient: 'https://someone-else.test/acs' }), 'SAML_RECIPIENT_MISMATCH');
  });

  it('refuses an unknown InResponseTo', async () => {
    const client = new CookieClient(gw.url);
    await startSamlLogin(client);
    await expectRefusedThroughGateway(client, idp.response({ inResponseTo: '_ffffffffffffffffffffffffffffffffffffffff' }), 'SAML_IN_RESPONSE_TO_UNKNOWN');
  });

  it('refuses the same response posted twice', async () => {
    const first = new CookieClient(gw.url);
    const { requestId } = await startSamlLogin(first);
    const xml = idp.response({ inResponseTo: requestId });
    expect((await postResponse(first, xml)).status).toBe(303);
    await expectRefusedThroughGateway(new CookieClient(gw.url), xml, 'SAML_IN_RESPONSE_TO_UNKNOWN');
  });

  it('refuses a response for a login another browser started (login CSRF)', async () => {
    const attacker = new CookieClient(gw.url);
    const { requestId } = await startSamlLogin(attacker);
    // the attacker's own valid response, posted from the victim's browser (no binding cookie)
    const victim = new CookieClient(gw.url);
    await expectRefusedThroughGateway(victim, idp.response({ inResponseTo: requestId }), 'SAML_BROWSER_MISMATCH');
    // the wrong cookie does not help either
    const other = new CookieClient(gw.url);
    await startSamlLogin(other);
    const second = await startSamlLogin(attacker);
    await expectRefusedThroughGateway(other, idp.response({ inResponseTo: second.requestId }), 'SAML_BROWSER_MISMATCH');
  });

  it('lands on "/" when RelayState points at another site, never off-site', async () => {
    for (const relay of ['https://evil.test/', '//evil.test/path', '/\\evil.test']) {
      const client = new CookieClient(gw.url);
      const { requestId } = await startSamlLogin(client);
      const res = await postResponse(client, idp.response({ inResponseTo: requestId }), relay);
      expect(res.status).toBe(303);
      expect(res.location).toBe('/');
    }
  });
});
