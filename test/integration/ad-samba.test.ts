/**
 * The ldap authenticator against a real Active Directory: Samba's AD DC, provisioned by the
 * harness (test/support/samba-ad.ts). Logins by sAMAccountName and userPrincipalName, nested
 * groups through LDAP_MATCHING_RULE_IN_CHAIN, LDAPS with the DC's own certificate, AD's bind
 * sub-errors (532 from a password the harness ages past the domain's maximum age), and group
 * searches larger than AD's MaxPageSize. The slowest LDAP suite (provisioning takes 20–40 s):
 * run it alone with `npx vitest run test/integration/ad-samba.test.ts`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PortcullisConfigInput } from '../../config/schema/index.js';
import { AD_ADMIN_PASSWORD, AD_BASE, AD_REALM, startSambaDc, type SambaDc } from '../support/samba-ad.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { CookieClient, loginWithForm } from '../support/http-client.js';
import { isRoot } from '../support/system-accounts.js';

const BULK_GROUPS = 1100;

describe.runIf(isRoot)('Active Directory (Samba AD DC; needs root for its loopback address)', () => {
  let dc: SambaDc;
  let gw: TestGateway;

  const adAuthenticator = (dcInfo: SambaDc, extra: Record<string, unknown> = {}) => ({
    type: 'ldap' as const,
    name: 'corp-ad',
    servers: [dcInfo.ldapsUrl],
    bindDn: `Administrator@${AD_REALM.toLowerCase()}`,
    bindPassword: `plain://${AD_ADMIN_PASSWORD}`,
    searchBase: AD_BASE,
    userFilter: '(&(objectClass=user)(|(sAMAccountName={login})(userPrincipalName={login})))',
    loginAttribute: 'sAMAccountName',
    groups: { source: 'search' as const, nested: 'ad' as const, maxGroups: 5000 },
    tls: { caFile: dcInfo.caFile, serverName: dcInfo.serverName },
    roleMapping: { map: { 'pt-level3': 'admin' }, keepUnmapped: true, defaultRoles: [] },
    ...extra,
  });

  const gatewayConfig = (dcInfo: SambaDc, extra: Record<string, unknown> = {}): PortcullisConfigInput => ({
    authenticators: [adAuthenticator(dcInfo, extra)],
    loginThrottle: { maxFailuresPerUser: 50, maxFailuresPerAddress: 200 },
    routes: [
      { name: 'app', prefix: '/app/', upstream: 'http://demo-engine.invalid' },
      { name: 'admin', prefix: '/admin/', upstream: 'http://demo-engine.invalid', policy: { allowRoles: ['admin'] } },
    ],
    demoEngine: { enabled: true },
  });

  beforeAll(async () => {
    dc = await startSambaDc({ bulkGroups: BULK_GROUPS });
    gw = await startTestGateway(() => gatewayConfig(dc));
  }, 240_000);
  afterAll(async () => {
    await gw?.stop();
    await dc?.close();
  });

  const login = async (user: string, password: string) => {
    const client = new CookieClient(gw.url);
    const answer = await loginWithForm(client, user, password, '/app/whoami');
    return { client, answer, me: answer.status === 303 ? (await client.get('/app/whoami')).json() : undefined };
  };

  it('logs in by sAMAccountName; nested groups three levels deep come through the in-chain rule', async () => {
    const { me, client } = await login('ad-alice', 'Alice-Passw0rd!');
    expect(me).toMatchObject({ user: 'ad-alice', attributes: expect.objectContaining({ firstName: 'Alice', lastName: 'Liddell', email: 'alice@portcullis.test' }) });
    expect(me.groups).toEqual(expect.arrayContaining(['pt-level1', 'pt-level2', 'pt-level3']));
    expect(me.tokenRoles).toContain('admin');
    expect((await client.get('/admin/whoami')).status).toBe(200);
  });

  it('logs in by userPrincipalName, and the session is the sAMAccountName', async () => {
    const { me } = await login('bob.builder@portcullis.test', 'Bob-Passw0rd!');
    expect(me).toMatchObject({ user: 'ad-bob' });
  });

  it(`reads all ${BULK_GROUPS} groups of a member of more groups than one AD page holds (paged searches)`, async () => {
    // checked on the authenticator: a token naming 1,100 groups is larger than an HTTP header may be
    const ad = gw.context.authenticators.password.find((a) => a.name === 'corp-ad')!;
    const user = await ad.verify('ad-many', 'Many-Passw0rd!', { clientAddress: '127.0.0.1', log: gw.context.log });
    expect(user?.groups.filter((g) => g.startsWith('pt-bulk-'))).toHaveLength(BULK_GROUPS);
  });

  it('a wrong password and an unknown user get the same answer', async () => {
    const wrong = await login('ad-alice', 'not-it');
    const unknown = await login('ad-nobody', 'whatever');
    expect(wrong.answer.status).toBe(401);
    expect(unknown.answer.status).toBe(401);
    expect(wrong.answer.text).toContain('Wrong user name or password');
    expect(unknown.answer.text).toContain('Wrong user name or password');
  });

  it.each([
    ['ad-dis', '533', 'Dis-Passw0rd!', 'Your account is disabled'],
    ['ad-exp', '701', 'Exp-Passw0rd!', 'Your account has expired'],
    ['ad-must', '773', 'Must-Passw0rd!', 'You must change your password'],
    ['ad-old', '532', 'Old-Passw0rd!', 'Your password has expired'],
  ])('%s with the right password (AD data %s) is told why; with a wrong one, nothing', async (user, _code, password, message) => {
    const right = await login(user, password);
    expect(right.answer.status).toBe(403);
    expect(right.answer.text).toContain(message);
    expect(right.me).toBeUndefined();
    const wrong = await login(user, 'a-wrong-guess');
    expect(wrong.answer.status).toBe(401);
    expect(wrong.answer.text).toContain('Wrong user name or password');
  });

  it('a locked-out account (AD data 775, sent whatever the password) looks like a wrong password', async () => {
    await dc.tool(['domain', 'passwordsettings', 'set', '--account-lockout-threshold=3']);
    for (let i = 0; i < 3; i++) expect((await login('ad-lock', `guess-${i}`)).answer.status).toBe(401);
    const right = await login('ad-lock', 'Lock-Passw0rd!');
    expect(right.answer.status).toBe(401);
    expect(right.answer.text).toContain('Wrong user name or password');
    expect(gw.logs()).toContain('the account is locked out in the directory');
  });

  it('LDAPS is checked against the DC certificate: without its CA the directory is unreachable', async () => {
    const other = await startTestGateway(() => gatewayConfig(dc, { tls: { serverName: dc.serverName } }));
    try {
      const { answer } = await (async () => {
        const client = new CookieClient(other.url);
        return { answer: await loginWithForm(client, 'ad-alice', 'Alice-Passw0rd!', '/app/whoami') };
      })();
      expect(answer.status).toBe(503);
    } finally {
      await other.stop();
    }
  });

  it('no password reaches the log', () => {
    for (const secret of ['Alice-Passw0rd!', 'Dis-Passw0rd!', 'Lock-Passw0rd!', AD_ADMIN_PASSWORD]) expect(gw.logs()).not.toContain(secret);
  });
});
