import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { forwardAuthConfig } from '../support/forward-auth-gateway.js';
import { startEchoUpstream, startNginx, type EchoUpstream, type RunningProxy } from '../support/reverse-proxies.js';
import { CookieClient, loginWithForm } from '../support/http-client.js';
import { rawRequest } from '../support/raw-request.js';

const portOf = (url: string) => Number(new URL(url).port);

describe('forward authentication behind a real nginx (docs/forward-auth/nginx.conf)', () => {
  let gw: TestGateway;
  let upstream: EchoUpstream;
  let nginx: RunningProxy;

  beforeAll(async () => {
    [gw, upstream] = await Promise.all([startTestGateway((dir) => forwardAuthConfig(dir)), startEchoUpstream()]);
    nginx = await startNginx({ gatewayPort: portOf(gw.url), upstreamPort: upstream.port });
  }, 60_000);
  afterAll(async () => {
    await nginx?.stop();
    await upstream?.close();
    await gw?.stop();
  });

  const loggedIn = async (user: string, password: string) => {
    const client = new CookieClient(nginx.url);
    const login = await loginWithForm(client, user, password, '/app/');
    expect(login.status).toBe(303);
    return client;
  };

  it('sends an anonymous browser to the login page with where it wanted to go, and an API client a 401', async () => {
    const client = new CookieClient(nginx.url);
    const page = await client.get('/app/x?y=1', { accept: 'text/html' });
    expect(page.status).toBe(302);
    expect(new URL(page.location!, nginx.url).pathname + new URL(page.location!, nginx.url).search).toBe('/login?returnTo=%2Fapp%2Fx%3Fy%3D1');
    const api = await client.get('/app/x');
    expect(api.status).toBe(401);
    expect(api.headers.get('www-authenticate')).toBe('Bearer realm="portcullis"');
    expect(upstream.seen.some((r) => r.url === '/app/x' || r.url === '/app/x?y=1')).toBe(false);
  });

  it('passes a logged-in user with the token and identity headers, and without the gateway cookie', async () => {
    const client = await loggedIn('alice', 'wonderland');
    const r = await client.get('/app/whoami', { cookie: `theme=dark; portcullis_sid=${client.jar.get('portcullis_sid')}; lang=en` });
    expect(r.status).toBe(200);
    const seen = r.json();
    expect(seen.headers['x-user']).toBe('alice');
    expect(seen.headers['x-roles']).toBe('user');
    const claims = decodeJwt(String(seen.headers.authorization).replace(/^Bearer /, ''));
    expect(claims).toMatchObject({ sub: 'alice', aud: 'app', iss: gw.context.publicUrl });
    expect(String(seen.headers.cookie ?? '')).not.toContain('portcullis_');
    expect(seen.headers.cookie).toContain('theme=dark');
    expect(seen.headers.cookie).toContain('lang=en');
  });

  it('refuses with the reason where the policy says so', async () => {
    const client = await loggedIn('alice', 'wonderland');
    const r = await client.get('/admin/', { accept: 'text/html' });
    expect(r.status).toBe(403);
    expect(r.text).toContain("needs role 'admin'");
    expect(upstream.seen.some((s) => s.url === '/admin/')).toBe(false);
  });

  it('never lets spoofed identity, forwarding or original-request headers change the decision or reach the upstream', async () => {
    const alice = await loggedIn('alice', 'wonderland');
    const spoof = {
      'x-user': 'bob',
      'x-roles': 'admin',
      authorization: 'Bearer forged.token.value',
      'x-forwarded-for': '10.9.9.9',
      'x-forwarded-host': 'admin.example.test',
      'x-forwarded-proto': 'https',
      'x-forwarded-uri': '/app/',
      'x-forwarded-method': 'GET',
      'x-original-url': 'http://127.0.0.1/app/',
      'x-original-uri': '/app/',
      'x-original-method': 'GET',
    };
    // admin is still refused for alice whatever she claims
    const admin = await alice.get('/admin/x', spoof);
    expect(admin.status).toBe(403);
    // and what reaches the upstream on her own route is the gateway's word only
    const app = await alice.get('/app/x', spoof);
    expect(app.status).toBe(200);
    const seen = app.json();
    expect(seen.headers['x-user']).toBe('alice');
    expect(seen.headers['x-roles']).toBe('user');
    expect(decodeJwt(String(seen.headers.authorization).replace(/^Bearer /, '')).sub).toBe('alice');
    expect(seen.headers['x-forwarded-for']).toBe('127.0.0.1');
    // an anonymous caller with the same headers is still anonymous
    const anonymous = await new CookieClient(nginx.url).get('/app/x', spoof);
    expect(anonymous.status).toBe(401);
  });

  it('judges a path the way nginx routes it: dot segments and escapes cannot borrow a weaker route', async () => {
    const alice = await loggedIn('alice', 'wonderland');
    for (const path of ['/app/../admin/', '/app/%2e%2e/admin/', '/%61dmin/', '//admin/', '/public/../admin/']) {
      const r = await rawRequest(`${nginx.url}${path}`, { headers: { cookie: `portcullis_sid=${alice.jar.get('portcullis_sid')}` } });
      expect([403, 400, 500], path).toContain(r.status);
    }
    const encodedSlash = await rawRequest(`${nginx.url}/app/..%2Fadmin/`, { headers: { cookie: `portcullis_sid=${alice.jar.get('portcullis_sid')}` } });
    expect(encodedSlash.status).not.toBe(200);
  });

  it('matches a forward-authentication route by host', async () => {
    const alice = await loggedIn('alice', 'wonderland');
    const bob = await loggedIn('bob', 'builder');
    const asAlice = await rawRequest(`${nginx.url}/app/x`, { headers: { host: 'admin.example.test', cookie: `portcullis_sid=${alice.jar.get('portcullis_sid')}` } });
    expect(asAlice.status).toBe(403);
    const asBob = await rawRequest(`${nginx.url}/app/x`, { headers: { host: 'ADMIN.example.test', cookie: `portcullis_sid=${bob.jar.get('portcullis_sid')}` } });
    expect(asBob.status).toBe(200);
    expect(decodeJwt(String(JSON.parse(asBob.text).headers.authorization).replace(/^Bearer /, '')).aud).toBe('admin-host');
  });

  it('lets public routes through without a session, with no identity', async () => {
    const r = await rawRequest(`${nginx.url}/public/x`, { headers: { 'x-user': 'bob' } });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text).headers['x-user']).toBeUndefined();
  });

  it('after logout the next request is sent to log in again (no caching configured)', async () => {
    const bob = await loggedIn('bob', 'builder');
    expect((await bob.get('/admin/x')).status).toBe(200);
    const sid = bob.jar.get('portcullis_sid')!;
    expect((await bob.get('/logout', { accept: 'text/html' })).status).toBe(200);
    const replayed = await rawRequest(`${nginx.url}/admin/x`, { headers: { cookie: `portcullis_sid=${sid}`, accept: 'text/html' } });
    expect(replayed.status).toBe(302);
  });

  it('refuses a direct request to the verify endpoint from an address that is not a trusted proxy', async () => {
    const r = await rawRequest(`${gw.url}/auth/verify`, {
      localAddress: '127.0.0.2',
      headers: { 'x-forwarded-method': 'GET', 'x-forwarded-uri': '/public/x', 'x-forwarded-host': 'portal.test' },
    });
    expect(r.status).toBe(403);
    expect(JSON.parse(r.text)).toMatchObject({ statusCode: 403, code: 'GW_FORWARD_AUTH_UNTRUSTED' });
    // the same request from the trusted proxy address is answered
    const trusted = await rawRequest(`${gw.url}/auth/verify`, { headers: { 'x-forwarded-method': 'GET', 'x-forwarded-uri': '/public/x', 'x-forwarded-host': 'portal.test' } });
    expect(trusted.status).toBe(200);
  });

  it('keeps session ids and tokens out of the log', () => {
    expect(gw.logs()).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./);
    expect(gw.logs()).not.toContain('forged.token.value');
  });
});

describe('nginx caching the decision (forwardAuth.cacheSeconds)', () => {
  let gw: TestGateway;
  let upstream: EchoUpstream;
  let nginx: RunningProxy;
  const CACHE = 2;

  beforeAll(async () => {
    [gw, upstream] = await Promise.all([startTestGateway((dir) => forwardAuthConfig(dir, CACHE)), startEchoUpstream()]);
    nginx = await startNginx({ gatewayPort: portOf(gw.url), upstreamPort: upstream.port, cacheSeconds: CACHE });
  }, 60_000);
  afterAll(async () => {
    await nginx?.stop();
    await upstream?.close();
    await gw?.stop();
  });

  it('answers cacheable decisions with Cache-Control and Vary, refusals with no-store', async () => {
    const client = new CookieClient(nginx.url);
    await loginWithForm(client, 'alice', 'wonderland', '/app/');
    const verify = (uri: string) =>
      rawRequest(`${gw.url}/auth/verify`, { headers: { 'x-original-method': 'GET', 'x-original-uri': uri, host: 'portal.test', cookie: `portcullis_sid=${client.jar.get('portcullis_sid')}` } });
    const ok = await verify('/app/x');
    expect(ok.status).toBe(200);
    expect(ok.headers['cache-control']).toBe(`max-age=${CACHE}`);
    expect(ok.headers.vary).toBe('Cookie, Authorization');
    const refused = await verify('/admin/x');
    expect(refused.status).toBe(403);
    expect(refused.headers['cache-control']).toBe('no-store');
  });

  it('keeps a decision for at most cacheSeconds: after logout the old cookie works until then, and no longer', async () => {
    const bob = new CookieClient(nginx.url);
    await loginWithForm(bob, 'bob', 'builder', '/app/');
    const sid = bob.jar.get('portcullis_sid')!;
    const asked = () => rawRequest(`${nginx.url}/admin/cached`, { headers: { cookie: `portcullis_sid=${sid}` } });
    expect((await asked()).status).toBe(200);
    const before = gw.logs().length;
    await bob.get('/logout');
    const loggedOutAt = Date.now();
    // within the window nginx answers from its cache without asking the gateway
    const cached = await asked();
    if (Date.now() - loggedOutAt < CACHE * 1000 - 200) expect(cached.status).toBe(200);
    // after it (nginx keeps expiry times in whole seconds: up to one more), the gateway is asked again and the session is gone
    await new Promise((r) => setTimeout(r, CACHE * 1000 + 1100 - (Date.now() - loggedOutAt)));
    expect((await asked()).status).toBe(401);
    expect(gw.logs().length).toBeGreaterThan(before);
  });

  it('never serves one user the cached decision of another', async () => {
    const bob = new CookieClient(nginx.url);
    await loginWithForm(bob, 'bob', 'builder', '/app/');
    const alice = new CookieClient(nginx.url);
    await loginWithForm(alice, 'alice', 'wonderland', '/app/');
    expect((await bob.get('/admin/shared')).status).toBe(200);
    expect((await alice.get('/admin/shared')).status).toBe(403);
    const asAlice = await alice.get('/app/shared');
    const asBob = await bob.get('/app/shared');
    expect(asAlice.json().headers['x-user']).toBe('alice');
    expect(asBob.json().headers['x-user']).toBe('bob');
  });
});
