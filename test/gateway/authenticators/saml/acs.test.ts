import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAML_ERROR_CODES as C } from '../../../../gateway/authenticators/saml/errors.js';
import {
  AC_MFA,
  insertCommentInNameId,
  parseAutoPostForm,
  replaceNameId,
  stripSignatures,
  testKeyPair,
  wrapWithForgedAssertion,
} from '../../../support/saml-idp.js';
import { ACS_URL, incidentOf, startSp } from './sp-harness.js';
import type { SpHarness } from './sp-harness.js';

let h: SpHarness;
beforeAll(async () => {
  h = await startSp();
});
afterAll(async () => {
  await h?.close();
});

/** Post a response and expect the refusal page with an incident id logged under `code`. */
async function expectRefused(xml: string, code: string, status = 401) {
  const before = h.completion.logins.length;
  const res = await h.postToAcs(xml, '/app/');
  expect(res.statusCode).toBe(status);
  expect(res.headers['content-type']).toMatch(/text\/html/);
  const { incident, log } = incidentOf(h, res.body);
  expect(incident).toMatch(/^[A-Za-z0-9]{12}$/);
  expect(res.headers['x-portcullis-incident']).toBe(incident);
  expect(log?.code).toBe(code);
  // nothing of the XML, the reason or a stack reaches the user
  expect(res.body).not.toMatch(/<saml|samlp:|Assertion|at \w+ \(|node-saml|SAML_/);
  expect(h.completion.logins.length).toBe(before);
  return { res, log };
}

describe('SAML ACS: SP-initiated login', () => {
  it('logs in through the real IdP: AuthnRequest, signed response, session completion with mapped user', async () => {
    const { location, requestId, relayState } = await h.startLogin('/app/page?x=1');
    expect(location.startsWith(h.idp.ssoUrl)).toBe(true);
    expect(relayState).toBe('/app/page?x=1');
    const idpPage = await fetch(location);
    expect(idpPage.status).toBe(200);
    const { action, fields } = parseAutoPostForm(await idpPage.text());
    expect(action).toBe(ACS_URL);
    expect(h.idp.authnRequests.at(-1)?.id).toBe(requestId);

    const res = await h.app.inject({
      method: 'POST',
      url: '/saml/acs',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams(fields).toString(),
    });
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe('/app/page?x=1');
    const { user, returnTo } = h.completion.logins.at(-1)!;
    expect(returnTo).toBe('/app/page?x=1');
    expect(user).toMatchObject({
      loginId: 'alice',
      authenticator: 'saml',
      roles: ['user'],
      groups: ['staff'],
      attributes: { email: 'alice@example.test', firstName: 'Alice' },
      level: 'auth.weak',
      amr: ['saml'],
    });
    expect((user.extra?.saml as { idp: string; nameId: string }).nameId).toBe('alice');
  });

  it('takes attribute values exactly: "admins " is not the group admins', async () => {
    const { requestId } = await h.startLogin('/');
    const res = await h.postToAcs(h.idp.response({ user: 'alice', inResponseTo: requestId, attributes: { groups: ['admins ', ' staff', 'staff'] } }), '/');
    expect(res.statusCode).toBe(302);
    const { user } = h.completion.logins.at(-1)!;
    expect(user.groups).toEqual([' staff', 'admins ', 'staff']);
    expect(user.roles).toEqual(['user']);
  });

  it('refuses an attribute value with element content instead of joining it into text', async () => {
    const { requestId } = await h.startLogin('/');
    const markup = '<saml:Attribute Name="groups"><saml:AttributeValue>adm<saml:X>ins</saml:X></saml:AttributeValue></saml:Attribute>';
    await expectRefused(h.idp.response({ user: 'alice', inResponseTo: requestId, attributes: {}, attributeXml: markup }), C.malformed, 400);
  });

  it('refuses deeply nested XML before parsing it', async () => {
    const { requestId } = await h.startLogin('/');
    const deep = '<saml:Advice>'.repeat(6000) + '</saml:Advice>'.repeat(6000);
    await expectRefused(h.idp.response({ user: 'alice', inResponseTo: requestId, assertionXml: deep, sign: 'none' }), C.malformed, 400);
    expect(h.logs.some((l) => String(l.msg ?? '').includes('nest deeper') || JSON.stringify(l).includes('nest deeper'))).toBe(true);
  });

  it('raises the level to auth.strong when the IdP reports a multi-factor context', async () => {
    const { requestId } = await h.startLogin('/');
    const res = await h.postToAcs(h.idp.response({ user: 'bob', inResponseTo: requestId, authnContextClassRef: AC_MFA }), '/');
    expect(res.statusCode).toBe(302);
    expect(h.completion.logins.at(-1)!.user).toMatchObject({ loginId: 'bob', roles: ['admin', 'user'], level: 'auth.strong', amr: ['saml', 'mfa'] });
  });

  it('accepts a response signed on the Response element only', async () => {
    const { requestId } = await h.startLogin('/');
    const res = await h.postToAcs(h.idp.response({ inResponseTo: requestId, sign: 'response' }), '/');
    expect(res.statusCode).toBe(302);
  });
});

describe('SAML ACS: refusals, each attack on its own', () => {
  it('refuses an unsigned assertion', async () => {
    const { requestId } = await h.startLogin();
    await expectRefused(h.idp.response({ inResponseTo: requestId, sign: 'none' }), C.signature);
  });

  it('refuses a response whose signatures were stripped', async () => {
    const { requestId } = await h.startLogin();
    await expectRefused(stripSignatures(h.idp.response({ inResponseTo: requestId, sign: 'both' })), C.signature);
  });

  it('refuses a signature made by another key', async () => {
    const { requestId } = await h.startLogin();
    await expectRefused(h.idp.response({ inResponseTo: requestId, key: testKeyPair('attacker') }), C.signature);
  });

  it('refuses signature wrapping: the signed assertion plus an unsigned one for another user', async () => {
    const { requestId } = await h.startLogin();
    const signed = h.idp.response({ inResponseTo: requestId });
    await expectRefused(wrapWithForgedAssertion(signed, 'bob', 'sibling-first'), C.wrapping);
  });

  it('refuses signature wrapping with the signed assertion hidden in Extensions', async () => {
    const { requestId } = await h.startLogin();
    const signed = h.idp.response({ inResponseTo: requestId, sign: 'response' });
    await expectRefused(wrapWithForgedAssertion(signed, 'bob', 'hide-signed'), C.wrapping);
  });

  it('refuses a NameID changed after signing', async () => {
    const { requestId } = await h.startLogin();
    await expectRefused(replaceNameId(h.idp.response({ inResponseTo: requestId }), 'bob'), C.signature);
  });

  it('refuses a NameID with an XML comment inserted after signing', async () => {
    const { requestId } = await h.startLogin();
    h.idp.users['mallory'] = { nameId: 'alice.evil.test' };
    const signed = h.idp.response({ user: 'mallory', inResponseTo: requestId });
    await expectRefused(insertCommentInNameId(signed, 'alice'.length), C.xmlComment);
  });

  it('refuses a signed NameID with white space around it instead of trimming it into another user', async () => {
    for (const nameId of [' alice.evil.test', 'alice.evil.test\n', '\talice.evil.test']) {
      const { requestId } = await h.startLogin();
      h.idp.users['padded'] = { nameId };
      await expectRefused(h.idp.response({ user: 'padded', inResponseTo: requestId }), C.noLoginId);
    }
  });

  it('refuses an expired assertion', async () => {
    const { requestId } = await h.startLogin();
    await expectRefused(h.idp.response({ inResponseTo: requestId, timeShiftMs: -20 * 60_000 }), C.expired);
  });

  it('refuses an assertion for another audience', async () => {
    const { requestId } = await h.startLogin();
    await expectRefused(h.idp.response({ inResponseTo: requestId, audience: 'https://other-sp.test/metadata' }), C.audience);
  });

  it('refuses a bearer confirmation for another recipient', async () => {
    const { requestId } = await h.startLogin();
    await expectRefused(h.idp.response({ inResponseTo: requestId, recipient: 'https://other-sp.test/acs' }), C.recipient);
  });

  it('refuses a response for another destination', async () => {
    const { requestId } = await h.startLogin();
    await expectRefused(h.idp.response({ inResponseTo: requestId, destination: 'https://other-sp.test/acs' }), C.destination);
  });

  it('refuses an InResponseTo this gateway never sent', async () => {
    await h.startLogin();
    await expectRefused(h.idp.response({ inResponseTo: '_0123456789abcdef0123456789abcdef' }), C.inResponseTo);
  });

  it('refuses an unsolicited response while unsolicited responses are off', async () => {
    await expectRefused(h.idp.response({}), C.unsolicited);
  });

  it('refuses the same response posted twice', async () => {
    const { requestId } = await h.startLogin();
    const xml = h.idp.response({ inResponseTo: requestId });
    expect((await h.postToAcs(xml, '/')).statusCode).toBe(302);
    await expectRefused(xml, C.inResponseTo);
  });

  it('refuses SHA-1 signatures', async () => {
    const { requestId } = await h.startLogin();
    const xml = h.idp.response({
      inResponseTo: requestId,
      signatureAlgorithm: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1',
      digestAlgorithm: 'http://www.w3.org/2000/09/xmldsig#sha1',
    });
    await expectRefused(xml, C.weakAlgorithm);
  });

  it('refuses a response from an issuer that is not configured', async () => {
    const { requestId } = await h.startLogin();
    await expectRefused(h.idp.response({ inResponseTo: requestId, issuer: 'https://rogue-idp.test' }), C.unknownIssuer);
  });

  it('refuses a non-success status without revealing it', async () => {
    const { requestId } = await h.startLogin();
    await expectRefused(h.idp.response({ inResponseTo: requestId, statusCode: 'urn:oasis:names:tc:SAML:2.0:status:Responder', sign: 'none' }), C.status);
  });

  it('answers an unexpected failure after validation with 500, an incident id and nothing else', async () => {
    const { requestId } = await h.startLogin();
    const original = h.completion.completeLogin;
    h.completion.completeLogin = async () => {
      throw new Error('session store down (/srv/gateway/sessions/store.ts:42)');
    };
    try {
      const res = await h.postToAcs(h.idp.response({ inResponseTo: requestId }), '/');
      expect(res.statusCode).toBe(500);
      const { incident, log } = incidentOf(h, res.body);
      expect(log).toMatchObject({ code: 'SAML_INTERNAL_ERROR', msg: 'saml login failed', reason: expect.stringContaining('session store down') });
      expect(incident).toMatch(/^[A-Za-z0-9]{12}$/);
      expect(res.body).not.toMatch(/session store|store\.ts|\bat \S+:\d+/);
    } finally {
      h.completion.completeLogin = original;
    }
  });

  it('answers 400 for a SAMLResponse that is not XML', async () => {
    await expectRefused('this is not xml <', C.malformed, 400);
  });

  it('lands on "/" when RelayState points at another site', async () => {
    for (const relay of ['https://evil.test/phish', '//evil.test/x', '/\\evil.test', 'javascript:alert(1)']) {
      const { requestId } = await h.startLogin('/');
      const res = await h.postToAcs(h.idp.response({ inResponseTo: requestId }), relay);
      expect(res.statusCode).toBe(302);
      expect(res.headers.location).toBe('/');
      expect(h.completion.logins.at(-1)!.returnTo).toBe('/');
    }
  });
});

describe('SAML ACS: IdP-initiated (unsolicited) responses when enabled', () => {
  let u: SpHarness;
  beforeAll(async () => {
    u = await startSp({ idp: h.idp, idpConfig: { allowUnsolicited: true } });
  });
  afterAll(async () => {
    await u?.app.close();
  });

  it('accepts an unsolicited response once, and refuses the same assertion again as a replay', async () => {
    const xml = u.idp.response({});
    expect((await u.postToAcs(xml, '/app/')).statusCode).toBe(302);
    expect(u.completion.logins.at(-1)!.user.loginId).toBe('alice');
    const again = await u.postToAcs(xml, '/app/');
    expect(again.statusCode).toBe(401);
    expect(incidentOf(u, again.body).log?.code).toBe(C.replay);
  });

  it('lets only one of two simultaneous posts of the same response through', async () => {
    const xml = u.idp.response({});
    const results = await Promise.all([u.postToAcs(xml, '/'), u.postToAcs(xml, '/'), u.postToAcs(xml, '/')]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([302, 401, 401]);
  });

  it('still checks everything else on an unsolicited response (audience)', async () => {
    const res = await u.postToAcs(u.idp.response({ audience: 'https://other-sp.test' }), '/');
    expect(res.statusCode).toBe(401);
    expect(incidentOf(u, res.body).log?.code).toBe(C.audience);
  });
});
