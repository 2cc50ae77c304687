/**
 * The vault end to end over real HTTP: users store credentials through the REST API and the
 * account section's forms, a route's `credentials` filter hands each caller's own secret to a
 * real upstream, an engine reads a user's credential with that user's token (engine-client's
 * vault client), a technical user on the mTLS listener reads only what its grant names, and
 * no endpoint lets alice read or change bob's credentials. A canary value never shows up in
 * a log line, an error body or a page.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, generateKeyPair } from 'jose';
import { createVaultClient, substituteCredentials } from '../../engine-client/vault/index.js';
import type { MtlsAuthenticator } from '../../gateway/authenticators/mtls/mtls-authenticator.js';
import { createTestPki, type TestPki } from '../support/certs.js';
import { DEMO_USERS, startTestGateway, writeUsersFile, type TestGateway } from '../support/gateway.js';
import { CookieClient, loginWithForm, type Answer } from '../support/http-client.js';
import { tlsRequest } from '../support/tls-request.js';

const CANARY = `canary-${randomBytes(12).toString('hex')}`;
const BOB_SECRET = `bob-${randomBytes(8).toString('hex')}`;
let gw: TestGateway;
let upstream: Server;
let seen: IncomingHttpHeaders[] = [];
let pki: TestPki;
let mtlsUrl: string;
let alice: CookieClient;
let bob: CookieClient;
const pages: string[] = [];

const json = (body: unknown) => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
async function call(client: CookieClient, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const answer = await client.request(method, path, body === undefined ? undefined : JSON.stringify(body), { ...(body === undefined ? {} : { 'content-type': 'application/json' }), accept: 'application/json', ...headers });
  pages.push(answer.text);
  return answer;
}
async function csrfOf(client: CookieClient): Promise<string> {
  return (await call(client, 'GET', '/api/vault/credentials')).json().csrfToken;
}
/** The engine token the gateway attaches for `client` on the `engine` route, as the engine receives it. */
async function engineTokenOf(client: CookieClient): Promise<string> {
  seen = [];
  expect((await client.get('/engine/anything', { accept: 'application/json' })).status).toBe(200);
  return String(seen[0]!.authorization).replace(/^Bearer /, '');
}

beforeAll(async () => {
  upstream = createServer((req, res) => {
    seen.push(req.headers);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ ok: true }));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  pki = await createTestPki();
  gw = await startTestGateway(
    async (dir) => {
      await writeUsersFile(dir, DEMO_USERS);
      return {
        authenticators: [
          { type: 'file', name: 'local', usersFile: 'users.yaml' },
          {
            type: 'mtls',
            name: 'services',
            listen: { host: '127.0.0.1', port: 0 },
            tls: { certFile: pki.main.server.cert, keyFile: pki.main.server.key, caFile: pki.main.ca.cert },
            users: [{ id: 'scheduler', match: { subject: 'CN=billing-service, O=Acme' } }],
          },
        ],
        vault: {
          masterKeys: [{ id: 'test-1', key: 'env://VAULT_KEY' }],
          adminRoles: ['admin'],
          technicalGrants: [
            { technicalUser: 'scheduler', audience: 'engine', keys: ['github_token'] },
            { technicalUser: 'scheduler', audience: 'ops', keys: ['ops_token'] },
          ],
        },
        routes: [
          { name: 'saas', prefix: '/saas/', upstream: upstreamUrl, filters: [{ use: 'credentials', options: { headers: { 'X-Api-Key': '${credentials.github_token}', Authorization: 'token ${credentials.github_token}' } } }] },
          { name: 'chat', prefix: '/chat/', upstream: upstreamUrl, filters: [{ use: 'credentials', options: { headers: { 'X-Slack': '${credentials.slack_token}' } } }] },
          { name: 'engine', prefix: '/engine/', upstream: upstreamUrl },
          { name: 'ops', prefix: '/ops/', upstream: upstreamUrl, policy: { allowRoles: ['admin'] } },
        ],
      };
    },
    { VAULT_KEY: randomBytes(32).toString('base64') },
  );
  mtlsUrl = (gw.context.authenticators.request.find((a) => a.type === 'mtls') as MtlsAuthenticator).url!;
  alice = new CookieClient(gw.url);
  bob = new CookieClient(gw.url);
  expect((await loginWithForm(alice, 'alice', 'wonderland')).status).toBe(303);
  expect((await loginWithForm(bob, 'bob', 'builder')).status).toBe(303);
});

afterAll(async () => {
  await gw?.stop();
  await new Promise((r) => upstream?.close(r));
  await pki?.cleanup();
});

describe('storing credentials', () => {
  it('lets a browser store its own credential only with its session CSRF token', async () => {
    expect((await call(alice, 'PUT', '/api/vault/credentials/github_token', { value: CANARY })).status).toBe(403);
    const put = await call(alice, 'PUT', '/api/vault/credentials/github_token', { value: CANARY }, { 'x-csrf-token': await csrfOf(alice) });
    expect(put.status).toBe(201);
    expect(put.text).not.toContain(CANARY);
    expect((await call(bob, 'PUT', '/api/vault/credentials/github_token', { value: BOB_SECRET }, { 'x-csrf-token': await csrfOf(bob) })).status).toBe(201);
  });

  it('lists names, never values', async () => {
    const list = await call(alice, 'GET', '/api/vault/credentials');
    expect(list.json()).toMatchObject({ user: 'alice', credentials: [{ key: 'github_token' }] });
    expect(list.text).not.toContain(CANARY);
  });

  it('answers a bad name or value with a 400 naming the field', async () => {
    const csrf = await csrfOf(alice);
    const badKey = await call(alice, 'PUT', '/api/vault/credentials/not-valid', { value: 'x' }, { 'x-csrf-token': csrf });
    expect(badKey.status).toBe(400);
    expect(badKey.json()).toMatchObject({ code: 'GW_CREDENTIAL_INVALID', message: expect.stringMatching(/^key: /) });
    const badValue = await call(alice, 'PUT', '/api/vault/credentials/ok', { value: 'x'.repeat(9000) }, { 'x-csrf-token': csrf });
    expect(badValue.json()).toMatchObject({ code: 'GW_CREDENTIAL_INVALID', message: expect.stringMatching(/^value: /) });
  });

  it('refuses an anonymous caller with 401', async () => {
    const anonymous = new CookieClient(gw.url);
    expect((await call(anonymous, 'GET', '/api/vault/credentials')).status).toBe(401);
  });
});

describe('the credentials filter', () => {
  it('sends each caller their own credential upstream', async () => {
    seen = [];
    expect((await alice.get('/saas/repos', { accept: 'application/json' })).status).toBe(200);
    expect(seen[0]).toMatchObject({ 'x-api-key': CANARY, authorization: `token ${CANARY}` });
    seen = [];
    expect((await bob.get('/saas/repos', { accept: 'application/json' })).status).toBe(200);
    expect(seen[0]).toMatchObject({ 'x-api-key': BOB_SECRET, authorization: `token ${BOB_SECRET}` });
  });

  it('never forwards a client-sent copy of the header', async () => {
    seen = [];
    await alice.get('/engine/x', { 'x-api-key': 'forged', accept: 'application/json' });
    expect(seen[0]!['x-api-key']).toBeUndefined();
  });

  it('sends a browser without the credential to the account page, and tells an API client which key is missing', async () => {
    const browser = await alice.get('/chat/', { accept: 'text/html' });
    expect(browser.status).toBe(303);
    expect(browser.location).toBe('/account#credentials');
    const api = await call(alice, 'GET', '/chat/');
    expect(api.status).toBe(403);
    expect(api.json()).toMatchObject({ code: 'GW_CREDENTIAL_MISSING', key: 'slack_token', message: expect.stringContaining('slack_token') });
  });
});

describe('engines', () => {
  it("substitute alice's credential with alice's token, and bob's with bob's", async () => {
    const client = createVaultClient({ gatewayUrl: gw.url });
    const aliceToken = await engineTokenOf(alice);
    expect(await substituteCredentials(client, aliceToken, 'curl -H "Authorization: token ${credentials:github_token}" # $credentials_github_token')).toBe(
      `curl -H "Authorization: token ${CANARY}" # ${CANARY}`,
    );
    const bobToken = await engineTokenOf(bob);
    expect(await client.get(bobToken, 'github_token')).toBe(BOB_SECRET);
    await expect(client.get(bobToken, 'nothing_here')).rejects.toMatchObject({ code: 'VAULT_CREDENTIAL_MISSING' });
  });

  it("cannot reach alice's credentials with bob's token", async () => {
    const bobToken = await engineTokenOf(bob);
    const engine = new CookieClient(gw.url);
    for (const [method, path, body] of [
      ['POST', '/api/vault/users/alice/values', { keys: ['github_token'] }],
      ['GET', '/api/vault/users/alice/credentials/github_token/value', undefined],
      ['GET', '/api/vault/credentials/github_token/value', undefined],
    ] as const) {
      const answer = await call(engine, method, path, body, { authorization: `Bearer ${bobToken}` });
      expect(answer.text, `${method} ${path}`).not.toContain(CANARY);
    }
  });

  it('refuses a token the gateway did not sign, and an expired one', async () => {
    const { privateKey } = await generateKeyPair('EdDSA');
    const forged = await new SignJWT({ roles: [] }).setProtectedHeader({ alg: 'EdDSA', kid: gw.context.keys.current.kid }).setSubject('alice').setAudience('engine').setIssuer(gw.url).setIssuedAt().setExpirationTime('5m').sign(privateKey);
    const answer = await call(new CookieClient(gw.url), 'POST', '/api/vault/values', { keys: ['github_token'] }, { authorization: `Bearer ${forged}` });
    expect(answer.status).toBe(401);
    expect(answer.text).not.toContain(CANARY);
    const user = { loginId: 'alice', roles: [], groups: [], attributes: {}, level: 'auth.weak' as const, amr: ['pwd' as const] };
    const { token: expired } = await gw.context.minter.mint({ user, audience: 'engine', cacheKey: 'test' }, Math.floor(Date.now() / 1000) - 3600);
    const late = await call(new CookieClient(gw.url), 'POST', '/api/vault/values', { keys: ['github_token'] }, { authorization: `Bearer ${expired}` });
    expect(late.status).toBe(401);
    expect(late.json().code).toBe('GW_UNAUTHENTICATED');
  });

  it('never gives a value to a browser session', async () => {
    const answer = await call(alice, 'GET', '/api/vault/credentials/github_token/value');
    expect(answer.status).toBe(403);
    expect(answer.text).not.toContain(CANARY);
  });
});

describe('a technical user with a grant', () => {
  it('reads the granted key of a user over mTLS, and nothing else', async () => {
    const client = await pki.client('billing');
    const ok = await tlsRequest(`${mtlsUrl}/api/vault/users/alice/values`, client, { method: 'POST', ...json({ keys: ['github_token'] }) });
    expect(ok.status).toBe(200);
    expect(ok.json()).toEqual({ values: { github_token: CANARY }, missing: [] });
    const other = await tlsRequest(`${mtlsUrl}/api/vault/users/alice/values`, client, { method: 'POST', ...json({ keys: ['github_token', 'slack_token'] }) });
    expect(other.status).toBe(403);
    expect(other.json().message).toContain('slack_token');
    expect(other.body).not.toContain(CANARY);
  });

  it("reads only the users of its own engine: those who may open one of the engine's routes", async () => {
    const client = await pki.client('billing');
    const ask = (user: string, key: string) => tlsRequest(`${mtlsUrl}/api/vault/users/${user}/values`, client, { method: 'POST', ...json({ keys: [key] }) });
    // bob is an admin and may open /ops/; alice may not, so the ops grant does not reach her
    expect((await ask('bob', 'ops_token')).status).toBe(200);
    const alice = await ask('alice', 'ops_token');
    expect(alice.status).toBe(403);
    expect(alice.json().message).toBe("'alice' is not a user of the engine 'ops' that technical user 'scheduler' works for");
    // a user no identity store knows and no session shows is nobody's user
    expect((await ask('mallory', 'github_token')).status).toBe(403);
    expect(gw.logs()).not.toMatch(/"event":"credential-read".*"owner":"alice".*"engine":"ops"/);
  });

  it('is not a user: it has no credentials of its own to manage', async () => {
    const own = await tlsRequest(`${mtlsUrl}/api/vault/credentials`, await pki.client('billing'));
    expect(own.status).toBe(403);
  });

  it('is refused without a client certificate on the main listener', async () => {
    const anonymous = await call(new CookieClient(gw.url), 'POST', '/api/vault/users/alice/values', { keys: ['github_token'] });
    expect(anonymous.status).toBe(401);
  });
});

describe("alice and bob's credentials", () => {
  it("give alice no way to read, change or remove bob's", async () => {
    const csrf = await csrfOf(alice);
    const h = { 'x-csrf-token': csrf };
    const attempts: Array<[string, string, unknown?]> = [
      ['GET', '/api/vault/users/bob/credentials'],
      ['DELETE', '/api/vault/users/bob/credentials/github_token'],
      ['POST', '/api/vault/users/bob/values', { keys: ['github_token'] }],
      ['GET', '/api/vault/credentials/github_token/value'],
      ['POST', '/api/vault/values', { keys: ['github_token'] }],
    ];
    for (const [method, path, body] of attempts) {
      const answer = await call(alice, method, path, body, h);
      expect(answer.status, `${method} ${path}`).toBe(403);
      expect(answer.text).not.toContain(BOB_SECRET);
    }
    // alice's own endpoints only ever touch alice: bob's value is unchanged
    await call(alice, 'PUT', '/api/vault/credentials/github_token', { value: CANARY }, h);
    const form = await alice.postForm('/account/credentials/remove', { csrf, key: 'github_token', user: 'bob' });
    expect(form.status).toBe(303);
    const bobToken = await engineTokenOf(bob);
    expect(await createVaultClient({ gatewayUrl: gw.url, cacheSeconds: 0 }).get(bobToken, 'github_token')).toBe(BOB_SECRET);
    // and alice's token never reads bob's
    const aliceToken = await engineTokenOf(alice);
    await expect(createVaultClient({ gatewayUrl: gw.url }).get(aliceToken, 'github_token')).rejects.toMatchObject({ code: 'VAULT_CREDENTIAL_MISSING' });
  });

  it("let an administrator list and remove another user's names, never read the values", async () => {
    const csrf = await csrfOf(alice);
    await call(alice, 'PUT', '/api/vault/credentials/github_token', { value: CANARY }, { 'x-csrf-token': csrf });
    const list = await call(bob, 'GET', '/api/vault/users/alice/credentials');
    expect(list.status).toBe(200);
    expect(list.json().credentials.map((c: { key: string }) => c.key)).toEqual(['github_token']);
    expect(list.text).not.toContain(CANARY);
    expect((await call(bob, 'POST', '/api/vault/users/alice/values', { keys: ['github_token'] }, { 'x-csrf-token': await csrfOf(bob) })).status).toBe(403);
    expect((await call(bob, 'DELETE', '/api/vault/users/alice/credentials/github_token')).status).toBe(403); // no CSRF token
    expect((await call(bob, 'DELETE', '/api/vault/users/alice/credentials/github_token', undefined, { 'x-csrf-token': await csrfOf(bob) })).status).toBe(204);
    expect((await call(alice, 'GET', '/api/vault/credentials')).json().credentials).toEqual([]);
  });
});

describe('the account section', () => {
  it('saves, replaces and removes with plain form posts, and never shows the value again', async () => {
    const csrf = await csrfOf(alice);
    const saved = await alice.postForm('/account/credentials/set', { csrf, key: 'deploy_key', value: CANARY });
    expect(saved.status).toBe(303);
    expect(saved.location).toBe(`/account?notice=${encodeURIComponent('Saved the credential deploy_key.')}#credentials`);
    const replaced = await alice.postForm('/account/credentials/set', { csrf, key: 'deploy_key', value: `${CANARY}-2` });
    expect(decodeURIComponent(replaced.location!)).toContain('Replaced the credential deploy_key.');
    const section = gw.context.accountSections.find((s) => s.id === 'credentials')!;
    const cookieName = [...alice.jar.keys()].find((k) => k.includes('portcullis_sid'))!;
    const session = (await gw.context.sessions.load({ cookies: { [cookieName]: alice.jar.get(cookieName) }, headers: {} } as never))!;
    const html = await section.render({ request: { id: 'test' } as never, session, csrf: 'CSRF-VALUE' });
    pages.push(html);
    expect(html).toContain('<code>deploy_key</code>');
    expect(html).toContain('name="csrf" value="CSRF-VALUE"');
    expect(html).toMatch(/<label for="credential-value">Value<\/label>\s*<input type="password" id="credential-value"/);
    expect(html).not.toContain(CANARY);
    const removed = await alice.postForm('/account/credentials/remove', { csrf, key: 'deploy_key' });
    expect(decodeURIComponent(removed.location!)).toContain('Removed the credential deploy_key.');
    expect(await section.render({ request: { id: 'test' } as never, session, csrf: 'x' })).toContain('not stored any credentials');
  });

  it('refuses a form post without the session CSRF token, and brings a rejected value back as a notice naming the field', async () => {
    expect((await alice.postForm('/account/credentials/set', { csrf: 'wrong', key: 'k', value: CANARY })).status).toBe(403);
    const bad = await alice.postForm('/account/credentials/set', { csrf: await csrfOf(alice), key: 'bad-name', value: CANARY });
    expect(bad.status).toBe(303);
    expect(decodeURIComponent(bad.location!)).toContain('key: must be letters');
    expect(bad.location).not.toContain(CANARY);
    const anonymous = await new CookieClient(gw.url).postForm('/account/credentials/set', { csrf: 'x', key: 'k', value: CANARY });
    expect(anonymous.status).toBe(303);
    expect(anonymous.location).toMatch(/^\/login/);
  });
});

describe('the canary', () => {
  it('appears in no log line, error body or page', async () => {
    expect(gw.logs()).not.toContain(CANARY);
    expect(gw.logs()).not.toContain(BOB_SECRET);
    for (const page of pages) expect(page).not.toContain(CANARY);
    // and every access was audited without it
    expect(gw.logs()).toMatch(/"event":"credential-read".*"actor":"scheduler".*"via":"technical".*"engine":"engine"/);
    expect(gw.logs()).toMatch(/"event":"credential-read".*"owner":"alice".*"via":"filter".*"engine":"saas"/);
  });
});
