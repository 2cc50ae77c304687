/** The verify endpoint asked directly, the way a trusted proxy on 127.0.0.1 asks: what is cacheable, what matches, which token. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, writeUsersFile, DEMO_USERS, type TestGateway } from '../support/gateway.js';
import { startEchoUpstream, type EchoUpstream } from '../support/reverse-proxies.js';
import { CookieClient, loginWithForm } from '../support/http-client.js';
import { rawRequest } from '../support/raw-request.js';

describe('forward-authentication decisions', () => {
  let gw: TestGateway;
  let upstream: EchoUpstream;
  let cookie: string;

  beforeAll(async () => {
    upstream = await startEchoUpstream();
    gw = await startTestGateway(async (dir) => {
      await writeUsersFile(dir, DEMO_USERS);
      return {
        authenticators: [
          { type: 'file', name: 'local', usersFile: 'users.yaml' },
          { type: 'basic', name: 'api', users: 'local', realm: 'portcullis-api' },
        ],
        forwardAuth: { enabled: true, trustedProxies: ['loopback'], cacheSeconds: 5 },
        routes: [
          // proxied by the gateway AND answered to proxies: one chain, one token
          { name: 'both', prefix: '/both/', upstream: upstream.url },
          { name: 'closed', prefix: '/closed/', filters: [{ use: 'ip-allow-list', options: { allow: ['10.0.0.0/8'] } }] },
          { name: 'open-ip', prefix: '/lan/', filters: [{ use: 'ip-allow-list', options: { allow: ['192.0.2.0/24'] } }] },
        ],
      };
    });
    const client = new CookieClient(gw.url);
    await loginWithForm(client, 'bob', 'builder', '/both/');
    cookie = `portcullis_sid=${client.jar.get('portcullis_sid')}`;
  }, 60_000);
  afterAll(async () => {
    await gw?.stop();
    await upstream?.close();
  });

  const verify = (uri: string, headers: Record<string, string> = {}, query = '') =>
    rawRequest(`${gw.url}/auth/verify${query}`, { headers: { 'x-forwarded-method': 'GET', 'x-forwarded-uri': uri, 'x-forwarded-host': 'portal.test', ...headers } });

  it('answers with the same token the gateway sends when it proxies the route itself', async () => {
    const proxied = await rawRequest(`${gw.url}/both/x`, { headers: { cookie } });
    expect(proxied.status).toBe(200);
    const answered = await verify('/both/x', { cookie });
    expect(answered.status).toBe(200);
    expect(answered.headers.authorization).toBe(JSON.parse(proxied.text).headers.authorization);
    expect(answered.headers['cache-control']).toBe('max-age=5');
  });

  it('never marks a decision cacheable that rests on more than the session cookie', async () => {
    const basic = await verify('/both/x', { authorization: `Basic ${Buffer.from('bob:builder').toString('base64')}` });
    expect(basic.status).toBe(200);
    expect(basic.headers['cache-control']).toBe('no-store');
    // an IP allow list decides on the client address, which a cache keyed by the cookie cannot see
    const lan = await verify('/lan/x', { cookie, 'x-forwarded-for': '192.0.2.7' });
    expect(lan.status).toBe(200);
    expect(lan.headers['cache-control']).toBe('no-store');
  });

  it('reads the client address from X-Forwarded-For written by the trusted proxy', async () => {
    expect((await verify('/closed/x', { cookie, 'x-forwarded-for': '192.0.2.7' })).status).toBe(403);
    expect((await verify('/closed/x', { cookie, 'x-forwarded-for': '10.1.2.3' })).status).toBe(200);
    expect((await verify('/lan/x', { cookie, 'x-forwarded-for': '10.1.2.3' })).headers['x-portcullis-refusal']).toBeTruthy();
  });

  it('refuses a request no route serves, and answers browsers by the redirect style asked for', async () => {
    const none = await verify('/nowhere/', { cookie });
    expect(none.status).toBe(403);
    expect(none.headers['x-portcullis-refusal']).toBe('no route serves this address');
    const nginxStyle = await verify('/both/x', { accept: 'text/html' });
    expect(nginxStyle.status).toBe(401);
    expect(nginxStyle.headers.location).toBe('/login?returnTo=%2Fboth%2Fx');
    const redirectStyle = await verify('/both/x', { accept: 'text/html' }, '?browser=redirect');
    expect(redirectStyle.status).toBe(302);
    expect(redirectStyle.headers.location).toBe('/login?returnTo=%2Fboth%2Fx');
  });

  it('answers a malformed sub-request with a coded 400 and no stack trace', async () => {
    const r = await rawRequest(`${gw.url}/auth/verify`, { headers: { 'x-forwarded-uri': '/both/x' } });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.text)).toEqual({ statusCode: 400, code: 'GW_FORWARD_AUTH_BAD_REQUEST', error: 'Bad Request', message: 'the proxy sent no X-Forwarded-Method (or X-Original-Method)', requestId: expect.any(String) });
  });
});
