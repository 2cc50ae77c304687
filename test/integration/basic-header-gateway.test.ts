/**
 * The ways in without a browser session, through a running gateway and the demo engine
 * over real sockets: HTTP Basic against file users (with the login form's lockout), a
 * trusted header from an upstream proxy (believed from loopback on one gateway, from a
 * documentation address only on the other), identity headers for engines that cannot read
 * tokens, and a per-route IP allow list.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_USERS, startTestGateway, writeUsersFile, type TestGateway } from '../support/gateway.js';
import { CookieClient, loginWithForm } from '../support/http-client.js';

const users = { ...DEMO_USERS, dora: { password: 'explorer', roles: ['user'] } };
const basic = (login: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${login}:${password}`).toString('base64')}`, accept: 'application/json' });

let trusting: TestGateway; // header authenticator trusts loopback (where the tests run)
let distrusting: TestGateway; // header authenticator trusts 192.0.2.1 only

beforeAll(async () => {
  [trusting, distrusting] = await Promise.all([
    startTestGateway(async (dir) => {
      await writeUsersFile(dir, users);
      return {
        authenticators: [
          { type: 'file', name: 'local', usersFile: 'users.yaml' },
          { type: 'header', name: 'sso-agent', trustedProxies: ['loopback'], header: 'X-Remote-User', rolesHeader: 'X-Remote-Roles' },
        ],
        routes: [
          { name: 'app', prefix: '/app/', upstream: 'http://demo-engine.invalid', filters: [{ use: 'ip-allow-list', options: {} }] },
          {
            name: 'admin',
            prefix: '/admin/',
            upstream: 'http://demo-engine.invalid',
            policy: { allowRoles: ['admin'] },
            filters: [{ use: 'identity-headers', options: { headers: { 'X-User': '${user.loginId}' } } }],
          },
        ],
        demoEngine: { enabled: true },
      };
    }),
    startTestGateway(async (dir) => {
      await writeUsersFile(dir, users);
      return {
        authenticators: [
          { type: 'file', name: 'local', usersFile: 'users.yaml' },
          { type: 'basic', name: 'api', users: 'local', realm: 'portcullis-api' },
          { type: 'header', name: 'sso-agent', trustedProxies: ['192.0.2.1'], header: 'X-Remote-User' },
        ],
        routes: [
          {
            name: 'app',
            prefix: '/app/',
            upstream: 'http://demo-engine.invalid',
            filters: [{ use: 'identity-headers', options: { headers: { 'X-User': '${user.loginId}', 'X-User-Mail': '${user.email}' } } }],
          },
          { name: 'admin', prefix: '/admin/', upstream: 'http://demo-engine.invalid', filters: [{ use: 'ip-allow-list', options: { allow: ['192.0.2.0/24'] } }] },
        ],
        demoEngine: { enabled: true },
        loginThrottle: { maxFailuresPerUser: 3, maxFailuresPerAddress: 100 },
      };
    }),
  ]);
});

afterAll(async () => {
  await Promise.all([trusting?.stop(), distrusting?.stop()]);
});

describe('HTTP Basic', () => {
  it('lets an API client in with Basic credentials; no cookie is set', async () => {
    const res = await fetch(`${distrusting.url}/app/whoami`, { headers: basic('alice', 'wonderland') });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ user: 'alice', amr: ['basic'], level: 'auth.weak' });
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('answers a wrong password with 401 and a Basic challenge', async () => {
    const res = await fetch(`${distrusting.url}/app/whoami`, { headers: basic('alice', 'not-the-password') });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="portcullis-api", charset="UTF-8"');
    expect((await res.json()).code).toBe('GW_BASIC_INVALID');
  });

  it('counts failures with the login form: a Basic lockout also locks the form', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await fetch(`${distrusting.url}/app/whoami`, { headers: basic('dora', `guess-${i}`) })).status);
    expect(statuses).toEqual([401, 401, 429]);
    const right = await fetch(`${distrusting.url}/app/whoami`, { headers: basic('dora', 'explorer') });
    expect(right.status).toBe(429);
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(0);
    const form = await loginWithForm(new CookieClient(distrusting.url), 'dora', 'explorer', '/app/');
    expect(form.status).toBe(429);
  });

  it('never writes a password to the log', () => {
    expect(distrusting.logs()).not.toContain('not-the-password');
    expect(distrusting.logs()).not.toContain('guess-1');
  });
});

describe('trusted header', () => {
  it('believes the header from a trusted proxy and strips it before the engine', async () => {
    const whoami = await fetch(`${trusting.url}/admin/whoami`, { headers: { 'x-remote-user': 'carol', 'x-remote-roles': 'admin', accept: 'application/json' } });
    expect(whoami.status).toBe(200);
    expect(await whoami.json()).toMatchObject({ user: 'carol', tokenRoles: ['admin'], amr: ['header'] });
    const headers = await fetch(`${trusting.url}/admin/headers`, { headers: { 'x-remote-user': 'carol', 'x-remote-roles': 'admin' } });
    const seen = (await headers.json()).headers;
    expect(seen['x-remote-user']).toBeUndefined();
    expect(seen['x-remote-roles']).toBeUndefined();
  });

  it('ignores the header from an untrusted peer', async () => {
    const res = await fetch(`${distrusting.url}/app/whoami`, { headers: { 'x-remote-user': 'bob', accept: 'application/json' } });
    expect(res.status).toBe(401);
  });

  it('strips the header an untrusted client sends along with a real session', async () => {
    const client = new CookieClient(distrusting.url);
    expect((await loginWithForm(client, 'alice', 'wonderland', '/app/')).status).toBe(303);
    expect((await client.get('/app/whoami', { 'x-remote-user': 'bob' })).json().user).toBe('alice');
    const seen = (await client.get('/app/headers', { 'x-remote-user': 'bob' })).json().headers;
    expect(seen['x-remote-user']).toBeUndefined();
  });
});

describe('identity headers and route IP allow lists', () => {
  it('forwards configured identity headers and replaces a spoofed copy', async () => {
    const client = new CookieClient(distrusting.url);
    await loginWithForm(client, 'alice', 'wonderland', '/app/');
    const seen = (await client.get('/app/headers', { 'x-user': 'mallory', 'x-user-mail': 'mallory@evil.test', 'x-on-behalf-of': 'mallory' })).json().headers;
    expect(seen['x-user']).toBe('alice');
    expect(seen['x-user-mail']).toBe('alice@example.test');
    // nobody but the engine itself says on whose behalf a call is made
    expect(seen['x-on-behalf-of']).toBeUndefined();
  });

  it('strips identity header names on routes without the filter too', async () => {
    // on this gateway only /admin/ forwards X-User; a client copy sent to /app/ is removed all the same
    const seen = await fetch(`${trusting.url}/app/headers`, { headers: { 'x-remote-user': 'carol', 'x-user': 'mallory' } });
    expect(seen.status).toBe(200);
    expect((await seen.json()).headers['x-user']).toBeUndefined();
    const admin = await fetch(`${trusting.url}/admin/headers`, { headers: { 'x-remote-user': 'carol', 'x-remote-roles': 'admin', 'x-user': 'mallory' } });
    expect((await admin.json()).headers['x-user']).toBe('carol');
  });

  it('refuses a route to an address off its allow list with 403 and says why in the log', async () => {
    const res = await fetch(`${distrusting.url}/admin/whoami`, { headers: basic('bob', 'builder') });
    expect(res.status).toBe(403);
    expect((await res.json()).code).toBe('GW_IP_DENIED');
    expect(distrusting.logs()).toMatch(/"refusal":"ip-denied".*"clientAddress":"127\.0\.0\.1"/);
  });

  it('a refused address is not sent to the login page first', async () => {
    const res = await fetch(`${distrusting.url}/admin/`, { headers: { accept: 'text/html' }, redirect: 'manual' });
    expect(res.status).toBe(403);
  });

  it('switched on with no list, loopback may use the route', async () => {
    const res = await fetch(`${trusting.url}/app/whoami`, { headers: { 'x-remote-user': 'carol', accept: 'application/json' } });
    expect(res.status).toBe(200);
  });
});
