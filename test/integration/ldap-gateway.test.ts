/**
 * The whole path: a browser-like client logs in at the real gateway through the login form,
 * the gateway asks two real slapd servers, and the demo engine's /whoami shows the token's
 * roles mapped from LDAP groups.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIRECTORY, startSlapd, type SlapdServer } from '../support/slapd.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { CookieClient, loginWithForm } from '../support/http-client.js';

const { ada, grace, obrien } = DIRECTORY.users;

describe('gateway login against LDAP', () => {
  let a: SlapdServer;
  let b: SlapdServer;
  let gw: TestGateway;

  beforeAll(async () => {
    [a, b] = await Promise.all([startSlapd(), startSlapd()]);
    // authenticators resolve env:// secrets from the process environment
    process.env.LDAP_SERVICE_PASSWORD = DIRECTORY.servicePassword;
    gw = await startTestGateway(() => ({
      authenticators: [
        {
          type: 'ldap',
          name: 'directory',
          servers: [a.url, b.url],
          bindDn: DIRECTORY.serviceDn,
          bindPassword: 'env://LDAP_SERVICE_PASSWORD',
          searchBase: DIRECTORY.peopleBase,
          groups: { searchBase: DIRECTORY.groupsBase, nested: 'recursive' },
          roleMapping: { map: { staff: 'user', admins: 'admin' }, keepUnmapped: false, defaultRoles: [] },
          connectTimeoutMs: 500,
          operationTimeoutMs: 1000,
          pool: { loadBalance: true, retryIntervalSeconds: 1 },
        },
      ],
      routes: [
        { name: 'app', prefix: '/app/', upstream: 'http://demo-engine.invalid' },
        { name: 'admin', prefix: '/admin/', upstream: 'http://demo-engine.invalid', policy: { allowRoles: ['admin'] } },
      ],
      demoEngine: { enabled: true },
      loginThrottle: { maxFailuresPerUser: 50, maxFailuresPerAddress: 200 },
    }));
  });
  afterAll(async () => {
    delete process.env.LDAP_SERVICE_PASSWORD;
    await gw?.stop();
    await Promise.all([a?.close(), b?.close()]);
  });

  it('logs grace in through the form; the token carries roles mapped from her nested groups', async () => {
    const client = new CookieClient(gw.url);
    const answer = await loginWithForm(client, grace.login, grace.password, '/admin/');
    expect(answer.status).toBe(303);
    expect(answer.location).toBe('/admin/');
    const whoami = await client.get('/admin/whoami');
    expect(whoami.status).toBe(200);
    const body = whoami.json();
    expect(body.user).toBe('grace');
    expect(body.tokenRoles).toEqual(['admin', 'user']);
    expect(body.attributes).toMatchObject({ firstName: 'Grace', lastName: 'Hopper', email: 'grace@example.org' });
    expect(body.level).toBe('auth.weak');
  });

  it('ada (engineer, staff by nesting) reaches /app/ but not /admin/', async () => {
    const client = new CookieClient(gw.url);
    expect((await loginWithForm(client, ada.login, ada.password, '/app/')).status).toBe(303);
    const whoami = await client.get('/app/whoami');
    expect(whoami.json()).toMatchObject({ user: 'ada', tokenRoles: ['user'] });
    expect((await client.get('/admin/whoami')).status).toBe(403);
  });

  it('the user with special characters in login and DN logs in through the form', async () => {
    const client = new CookieClient(gw.url);
    expect((await loginWithForm(client, obrien.login, obrien.password, '/app/')).status).toBe(303);
    expect((await client.get('/app/whoami')).json().user).toBe(obrien.login);
  });

  it('injection, empty and wrong passwords get the login page again with 401/400 and no session', async () => {
    for (const [username, password] of [
      ['*', ada.password],
      ['a*', ada.password],
      ['*)(uid=ada', ada.password],
      [ada.login, 'wrong-password-42'],
      ['nobody', 'wrong-password-42'],
    ] as const) {
      const client = new CookieClient(gw.url);
      const answer = await loginWithForm(client, username, password);
      expect(answer.status).toBe(401);
      expect((await client.get('/app/whoami')).status).toBe(401);
    }
    const empty = await loginWithForm(new CookieClient(gw.url), ada.login, '');
    expect([400, 401]).toContain(empty.status);
    expect(gw.logs()).not.toContain('wrong-password-42');
    expect(gw.logs()).not.toContain(ada.password);
    expect(gw.logs()).not.toContain(DIRECTORY.servicePassword);
  });

  it('one server stopped: logins keep working; both stopped: 503 with a coded answer, no password in the log', async () => {
    await a.stop();
    try {
      for (const u of [ada, grace, ada, grace]) {
        expect((await loginWithForm(new CookieClient(gw.url), u.login, u.password)).status).toBe(303);
      }
      await b.stop();
      const client = new CookieClient(gw.url);
      const answer = await loginWithForm(client, ada.login, ada.password);
      expect(answer.status).toBe(503);
      expect(gw.logs()).toMatch(/no server is reachable/);
      expect(gw.logs()).not.toContain(ada.password);
    } finally {
      await Promise.all([a.start(), b.start()]);
    }
    await new Promise((r) => setTimeout(r, 1100));
    expect((await loginWithForm(new CookieClient(gw.url), ada.login, ada.password)).status).toBe(303);
  });
});
