import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { CookieClient, csrfOf, loginWithForm } from '../support/http-client.js';
import { demoConfig, startTestGateway, type TestGateway } from '../support/gateway.js';

const HTML = { accept: 'text/html,application/xhtml+xml' };

describe('one login at the gateway reaches two engines through signed tokens', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startTestGateway(async (dir) => ({ ...(await demoConfig(dir)), loginThrottle: { maxFailuresPerUser: 3, maxFailuresPerAddress: 50 } }));
  });
  afterAll(async () => gw?.stop());

  it('sends a browser without a session to the login page with the page it asked for', async () => {
    const client = new CookieClient(gw.url);
    const answer = await client.get('/app/', HTML);
    expect(answer.status).toBe(302);
    expect(answer.location).toBe('/login?returnTo=%2Fapp%2F');
  });

  it('answers an API client without a session 401 with a challenge', async () => {
    const answer = await new CookieClient(gw.url).get('/app/whoami', { accept: 'application/json' });
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
    expect(answer.json().code).toBe('GW_UNAUTHENTICATED');
  });

  it('refuses a login form posted without its CSRF value', async () => {
    const client = new CookieClient(gw.url);
    await client.get('/login');
    const answer = await client.postForm('/login', { username: 'alice', password: 'wonderland', csrf: 'forged-value-forged-value-forged', returnTo: '/' });
    expect(answer.status).toBe(403);
    expect(answer.json().code).toBe('GW_CSRF_INVALID');
    expect(client.jar.has('portcullis_sid')).toBe(false);
  });

  it('logs alice in, rotates the planted session id and returns to the page asked for', async () => {
    const client = new CookieClient(gw.url);
    const planted = 'A'.repeat(43);
    client.jar.set('portcullis_sid', planted);
    const answer = await loginWithForm(client, 'alice', 'wonderland', '/app/');
    expect(answer.status).toBe(303);
    expect(answer.location).toBe('/app/');
    const cookie = answer.headers.getSetCookie().find((c) => c.startsWith('portcullis_sid='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(client.jar.get('portcullis_sid')).not.toBe(planted);

    const whoami = await client.get('/app/whoami');
    expect(whoami.status).toBe(200);
    expect(whoami.json()).toMatchObject({ user: 'alice', roles: ['reader'], tokenRoles: ['user'], level: 'auth.weak', amr: ['pwd'] });
    expect(whoami.json().attributes).toMatchObject({ firstName: 'Alice', email: 'alice@example.test' });
  });

  it('answers a wrong password and an unknown user alike, and logs neither password', async () => {
    const client = new CookieClient(gw.url);
    const wrong = await loginWithForm(client, 'alice', 'not-her-password-123');
    const unknown = await loginWithForm(client, 'mallory', 'not-her-password-123');
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const message = (html: string) => /role="alert">([^<]*)</.exec(html)?.[1];
    expect(message(wrong.text)).toBe(message(unknown.text));
    expect(gw.logs()).not.toContain('not-her-password-123');
  });

  it('serves both portals from one login, and refuses /admin/ to alice with the reason', async () => {
    const alice = new CookieClient(gw.url);
    await loginWithForm(alice, 'alice', 'wonderland');
    expect((await alice.get('/app/', HTML)).status).toBe(200);
    const admin = await alice.get('/admin/', HTML);
    expect(admin.status).toBe(403);
    expect(admin.text).toContain("this route needs role &#39;admin&#39;");
    const api = await alice.get('/admin/whoami');
    expect(api.status).toBe(403);
    expect(api.json().code).toBe('GW_FORBIDDEN');

    const bob = new CookieClient(gw.url);
    await loginWithForm(bob, 'bob', 'builder');
    expect((await bob.get('/app/whoami')).json().user).toBe('bob');
    const bobAdmin = await bob.get('/admin/whoami');
    expect(bobAdmin.status).toBe(200);
    expect([...bobAdmin.json().roles].sort()).toEqual(['administrator', 'reader']);
  });

  it('never lets a client-sent identity header, forwarded chain or session cookie reach the engine', async () => {
    const client = new CookieClient(gw.url);
    await loginWithForm(client, 'alice', 'wonderland');
    const answer = await client.get('/app/headers', {
      authorization: 'Bearer forged.token.value',
      'x-forwarded-for': '203.0.113.66',
      'x-forwarded-host': 'evil.example',
      'x-on-behalf-of': 'bob',
      connection: 'authorization, x-forwarded-for',
    });
    expect(answer.status).toBe(200);
    const seen = answer.json().headers as Record<string, string>;
    expect(seen.authorization).toMatch(/^Bearer ey/);
    expect(seen.authorization).not.toContain('forged');
    expect(seen['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen['x-forwarded-host']).toBe(new URL(gw.url).host);
    expect(seen['x-on-behalf-of']).toBeUndefined();
    expect(seen.cookie ?? '').not.toContain('portcullis_sid');
  });

  it('mints the contract token once per session and audience, with a digest as sid', async () => {
    const client = new CookieClient(gw.url);
    await loginWithForm(client, 'bob', 'builder');
    const first = (await client.get('/app/headers')).json().headers.authorization.slice(7);
    const second = (await client.get('/app/headers')).json().headers.authorization.slice(7);
    const forAdmin = (await client.get('/admin/headers')).json().headers.authorization.slice(7);
    expect(second).toBe(first);
    expect(forAdmin).not.toBe(first);

    const claims = decodeJwt(first);
    const header = decodeProtectedHeader(first);
    const jwks = await (await fetch(`${gw.url}/.well-known/jwks.json`)).json();
    expect(header.alg).toBe('EdDSA');
    expect(jwks.keys.map((k: { kid: string }) => k.kid)).toContain(header.kid);
    expect(claims).toMatchObject({ iss: gw.url, aud: 'app', sub: 'bob', roles: ['admin', 'user'], acr: 'auth.weak', loginId: 'bob' });
    expect(claims.exp! - claims.iat!).toBe(300);
    expect(typeof claims.jti).toBe('string');
    expect(claims.sid).toBeTypeOf('string');
    expect(claims.sid).not.toBe(client.jar.get('portcullis_sid'));
    expect(decodeJwt(forAdmin).aud).toBe('admin');
  });

  it('accepts only local paths to return to', async () => {
    for (const returnTo of ['//evil.example/x', 'https://evil.example/', '/\\evil.example', 'javascript:alert(1)']) {
      const client = new CookieClient(gw.url);
      const answer = await loginWithForm(client, 'alice', 'wonderland', returnTo);
      expect(answer.status).toBe(303);
      expect(answer.location).toBe('/');
    }
  });

  it('logs out of every portal at once', async () => {
    const client = new CookieClient(gw.url);
    await loginWithForm(client, 'bob', 'builder');
    const sid = client.jar.get('portcullis_sid')!;
    expect((await client.get('/admin/whoami')).status).toBe(200);
    const out = await client.get('/logout', HTML);
    expect(out.status).toBe(200);
    expect(out.text).toContain('logged out');
    expect((await client.get('/app/', HTML)).location).toBe('/login?returnTo=%2Fapp%2F');
    // the old cookie value is dead, not just forgotten by the browser
    const replay = new CookieClient(gw.url);
    replay.jar.set('portcullis_sid', sid);
    expect((await replay.get('/admin/whoami')).status).toBe(401);
  });

  it('locks a user out after repeated failures with 429 and Retry-After', async () => {
    const client = new CookieClient(gw.url);
    for (let i = 0; i < 3; i++) expect((await loginWithForm(client, 'carol-locked', 'wrong-password')).status).toBe(401);
    const locked = await loginWithForm(client, 'carol-locked', 'wrong-password');
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('caps anonymous login posts per client address with 429 and Retry-After', async () => {
    const limited = await startTestGateway(async (dir) => ({ ...(await demoConfig(dir)), loginThrottle: { maxEntryRequestsPerAddress: 3, entryWindowSeconds: 60 } }));
    try {
      const client = new CookieClient(limited.url);
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await loginWithForm(client, `user${i}`, 'wrong-password')).status);
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
      const answer = await loginWithForm(client, 'alice', 'wonderland');
      expect(answer.status).toBe(429);
      expect(answer.json().code).toBe('GW_RATE_LIMITED');
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await limited.stop();
    }
  });

  it('treats a malformed session cookie as no session', async () => {
    const client = new CookieClient(gw.url);
    client.jar.set('portcullis_sid', '%%%not-a-session%%%');
    const answer = await client.get('/app/whoami');
    expect(answer.status).toBe(401);
    expect(answer.text).not.toContain('not-a-session');
  });

  it('keeps query strings out of the access log', async () => {
    await new CookieClient(gw.url).get('/login?returnTo=%2Fapp%2F&code=one-time-secret-in-query');
    expect(gw.logs()).toContain('"path":"/login"');
    expect(gw.logs()).not.toContain('one-time-secret-in-query');
  });

  it('publishes health and the login form', async () => {
    expect((await fetch(`${gw.url}/healthz`)).status).toBe(200);
    const form = await new CookieClient(gw.url).get('/login');
    expect(csrfOf(form.text)).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(form.text).toContain('name="username"');
  });
});
