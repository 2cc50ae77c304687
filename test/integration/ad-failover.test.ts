/**
 * Failover between two real Active Directory domain controllers behind one LDAP authenticator,
 * seen through the gateway's login form. The harness provisions a Samba AD DC and joins a
 * second Samba DC to its domain (`samba-tool domain join ... DC`, on a loopback address of its
 * own), so both hold the same users, groups and passwords, replicated at the join; a test CA
 * signs each DC's certificate for its address, as an enterprise CA would, so one `tls.caFile`
 * checks both. The first DC is stopped (its samba process ends; the address stays, so
 * connections are refused) and started again; the pool's background probe finds it.
 * Setup (provision 8–13 s, join 7 s) takes 15–25 s on a busy two-core machine; AD_FIGURES=1
 * prints it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PortcullisConfigInput } from '../../config/schema/index.js';
import type { LdapAuthenticator } from '../../gateway/authenticators/ldap/index.js';
import { AD_ADMIN_PASSWORD, AD_BASE, AD_REALM, startSambaDc, type SambaDc } from '../support/samba-ad.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { CookieClient, loginWithForm } from '../support/http-client.js';
import { isRoot } from '../support/system-accounts.js';
import { createTestPki, type TestPki } from '../support/test-pki.js';

const USERS = [
  { login: 'ad-alice', password: 'Alice-Passw0rd!', user: 'ad-alice', admin: true },
  { login: 'bob.builder@portcullis.test', password: 'Bob-Passw0rd!', user: 'ad-bob', admin: false },
] as const;

async function until(condition: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (condition()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return condition();
}

describe.runIf(isRoot)('Active Directory failover: two Samba DCs of one domain in one pool (needs root)', () => {
  let pki: TestPki;
  let first: SambaDc;
  let second: SambaDc;
  let failover: TestGateway;
  let roundRobin: TestGateway;

  const gatewayConfig = (pool: { loadBalance: boolean; sticky: boolean }): PortcullisConfigInput => ({
    authenticators: [
      {
        type: 'ldap',
        name: 'corp-ad',
        servers: [first.ldapsUrl, second.ldapsUrl],
        bindDn: `Administrator@${AD_REALM.toLowerCase()}`,
        bindPassword: `plain://${AD_ADMIN_PASSWORD}`,
        searchBase: AD_BASE,
        userFilter: '(&(objectClass=user)(|(sAMAccountName={login})(userPrincipalName={login})))',
        loginAttribute: 'sAMAccountName',
        groups: { source: 'search', nested: 'ad' },
        // no serverName: each DC's certificate names its own address
        tls: { caFile: pki.ca.certFile },
        roleMapping: { map: { 'pt-level3': 'admin' }, keepUnmapped: true, defaultRoles: [] },
        connectTimeoutMs: 1_000,
        operationTimeoutMs: 3_000,
        pool: { ...pool, retryIntervalSeconds: 1 },
      },
    ],
    loginThrottle: { maxFailuresPerUser: 50, maxFailuresPerAddress: 200 },
    routes: [
      { name: 'app', prefix: '/app/', upstream: 'http://demo-engine.invalid' },
      { name: 'admin', prefix: '/admin/', upstream: 'http://demo-engine.invalid', policy: { allowRoles: ['admin'] } },
    ],
    demoEngine: { enabled: true },
  });

  beforeAll(async () => {
    const began = Date.now();
    pki = createTestPki('Portcullis Test Enterprise CA');
    first = await startSambaDc({ acceptJoins: true, pki });
    second = await startSambaDc({ joinTo: first, pki });
    failover = await startTestGateway(() => gatewayConfig({ loadBalance: false, sticky: true }));
    roundRobin = await startTestGateway(() => gatewayConfig({ loadBalance: true, sticky: false }));
    if (process.env.AD_FIGURES) console.info('two-DC setup', { firstMs: first.setupMs, joinedMs: second.setupMs, totalMs: Date.now() - began });
  }, 180_000);
  afterAll(async () => {
    await Promise.all([failover?.stop(), roundRobin?.stop()]);
    await second?.close();
    await first?.close();
    pki?.remove();
  });

  const pool = (gw: TestGateway) => gw.context.authenticators.password.find((a) => a.name === 'corp-ad') as LdapAuthenticator;
  const served = (gw: TestGateway) => {
    const [a, b] = pool(gw).state();
    return { first: a!.served, second: b!.served };
  };

  /**
   * Each user logs in through the form and reaches the application (admin only through the
   * nested group). Answers which DC served each login POST, from the pool's per-server counts.
   */
  const everyoneLogsIn = async (gw: TestGateway): Promise<string[]> => {
    const servedBy: string[] = [];
    for (const u of USERS) {
      const client = new CookieClient(gw.url);
      const before = served(gw);
      const answer = await loginWithForm(client, u.login, u.password, '/app/whoami');
      const after = served(gw);
      servedBy.push(`${after.first > before.first ? 'first' : ''}${after.second > before.second ? 'second' : ''}`);
      expect(answer.status, `${u.login}: ${answer.text.slice(0, 200)}`).toBe(303);
      // the session re-check asks the directory too: these requests go through the pool as well
      const me = (await client.get('/app/whoami')).json();
      expect(me.user).toBe(u.user);
      if (u.admin) expect(me.groups).toEqual(expect.arrayContaining(['pt-level1', 'pt-level2', 'pt-level3']));
      expect((await client.get('/admin/whoami')).status).toBe(u.admin ? 200 : 403);
    }
    return servedBy;
  };

  it('both DCs up: round robin spreads form logins over both, and each knows the same users and nested groups', async () => {
    const servedBy = [...(await everyoneLogsIn(roundRobin)), ...(await everyoneLogsIn(roundRobin))];
    expect(servedBy.every((dc) => dc === 'first' || dc === 'second')).toBe(true);
    expect(new Set(servedBy)).toEqual(new Set(['first', 'second']));
  });

  it('failover mode, both up: the first DC serves everything', async () => {
    const before = served(failover);
    expect(await everyoneLogsIn(failover)).toEqual(USERS.map(() => 'first'));
    expect(served(failover).second).toBe(before.second);
  });

  it('the first DC stops: logins fail over to the second DC with no error to the user', async () => {
    await first.stop();
    const before = served(failover);
    expect(await everyoneLogsIn(failover)).toEqual(USERS.map(() => 'second'));
    expect(served(failover).first).toBe(before.first);
    expect(pool(failover).state()[0]).toMatchObject({ id: first.ldapsUrl, status: 'down' });
    expect(failover.logs()).toContain('LDAP server marked down; trying the next one');
  });

  it('the first DC returns: the probe finds it without any login, and users move back to it', async () => {
    await first.start();
    expect(await until(() => pool(failover).state()[0]!.status === 'up', 10_000)).toBe(true);
    expect(failover.logs()).toContain('LDAP server answers again');
    const before = served(failover);
    expect(await everyoneLogsIn(failover)).toEqual(USERS.map(() => 'first'));
    expect(served(failover).second).toBe(before.second);
  });

  it('a wrong password is an answer from the DC, not a reason to fail over', async () => {
    const before = served(failover);
    const answer = await loginWithForm(new CookieClient(failover.url), 'ad-alice', 'not-her-password', '/app/whoami');
    expect(answer.status).toBe(401);
    expect(pool(failover).state().map((s) => s.status)).toEqual(['up', 'up']);
    expect(served(failover)).toEqual({ first: before.first + 1, second: before.second });
  });

  it('no password reaches the log', () => {
    for (const gw of [failover, roundRobin]) {
      for (const secret of [...USERS.map((u) => u.password), AD_ADMIN_PASSWORD, 'not-her-password']) expect(gw.logs()).not.toContain(secret);
    }
  });
});
