import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { forwardAuthConfig } from '../support/forward-auth-gateway.js';
import { startCaddy, startEchoUpstream, type EchoUpstream, type RunningProxy } from '../support/reverse-proxies.js';
import { CookieClient, loginWithForm } from '../support/http-client.js';
import { rawRequest } from '../support/raw-request.js';

describe('forward authentication behind a real Caddy (docs/forward-auth/Caddyfile)', () => {
  let gw: TestGateway;
  let upstream: EchoUpstream;
  let caddy: RunningProxy;

  beforeAll(async () => {
    [gw, upstream] = await Promise.all([startTestGateway((dir) => forwardAuthConfig(dir)), startEchoUpstream()]);
    caddy = await startCaddy({ gatewayPort: Number(new URL(gw.url).port), upstreamPort: upstream.port });
  }, 60_000);
  afterAll(async () => {
    await caddy?.stop();
    await upstream?.close();
    await gw?.stop();
  });

  const loggedIn = async (user: string, password: string) => {
    const client = new CookieClient(caddy.url);
    expect((await loginWithForm(client, user, password, '/app/')).status).toBe(303);
    return client;
  };

  it('relays the 302 to the login page for an anonymous browser, 401 for an API client', async () => {
    const client = new CookieClient(caddy.url);
    const page = await client.get('/admin/x', { accept: 'text/html' });
    expect(page.status).toBe(302);
    expect(page.location).toBe('/login?returnTo=%2Fadmin%2Fx');
    expect((await client.get('/admin/x')).status).toBe(401);
  });

  it('passes the token and identity headers, and keeps the gateway cookie from the upstream', async () => {
    const bob = await loggedIn('bob', 'builder');
    const r = await bob.get('/admin/x', { cookie: `a=1; portcullis_sid=${bob.jar.get('portcullis_sid')}` });
    expect(r.status).toBe(200);
    const seen = r.json();
    expect(seen.headers['x-user']).toBe('bob');
    expect(String(seen.headers['x-roles']).split(',').sort()).toEqual(['admin', 'user']);
    expect(decodeJwt(String(seen.headers.authorization).replace(/^Bearer /, ''))).toMatchObject({ sub: 'bob', aud: 'admin' });
    expect(String(seen.headers.cookie)).not.toContain('portcullis_');
    expect(String(seen.headers.cookie)).toContain('a=1');
  });

  it('answers a refusal with the page that says why', async () => {
    const alice = await loggedIn('alice', 'wonderland');
    const r = await alice.get('/admin/x', { accept: 'text/html' });
    expect(r.status).toBe(403);
    expect(r.text).toMatch(/needs role (&#39;|')admin(&#39;|')/);
  });

  it('never lets spoofed headers change the decision or reach the upstream', async () => {
    const alice = await loggedIn('alice', 'wonderland');
    const spoof = {
      'x-user': 'bob',
      'x-roles': 'admin',
      'x-forwarded-for': '10.9.9.9',
      'x-forwarded-host': 'admin.example.test',
      'x-forwarded-uri': '/app/',
      'x-forwarded-method': 'GET',
      'x-original-url': 'http://127.0.0.1/app/',
      'x-original-uri': '/app/',
      'x-original-method': 'GET',
    };
    expect((await alice.get('/admin/x', spoof)).status).toBe(403);
    const r = await alice.get('/app/x', spoof);
    expect(r.status).toBe(200);
    const seen = r.json();
    expect(seen.headers['x-user']).toBe('alice');
    expect(seen.headers['x-roles']).toBe('user');
    expect(decodeJwt(String(seen.headers.authorization).replace(/^Bearer /, '')).sub).toBe('alice');
    // on a public route the client's identity headers are gone too
    const pub = await rawRequest(`${caddy.url}/public/x`, { headers: { 'x-user': 'bob', 'x-roles': 'admin' } });
    expect(pub.status).toBe(200);
    expect(JSON.parse(pub.text).headers['x-user']).toBeUndefined();
    expect(JSON.parse(pub.text).headers['x-roles']).toBeUndefined();
  });

  it('after logout sends the browser to log in again', async () => {
    const bob = await loggedIn('bob', 'builder');
    const sid = bob.jar.get('portcullis_sid')!;
    await bob.get('/logout');
    const r = await rawRequest(`${caddy.url}/app/x`, { headers: { cookie: `portcullis_sid=${sid}`, accept: 'text/html' } });
    expect(r.status).toBe(302);
    expect(r.headers.location).toBe('/login?returnTo=%2Fapp%2Fx');
  });
});
