/**
 * The pam authenticator against the machine's real Linux-PAM and pam_unix: throw-away system
 * accounts and a PAM service file made for the test, logins through the gateway's form.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { CookieClient, loginWithForm } from '../support/http-client.js';
import { createSystemAccounts, isRoot, type SystemAccounts } from '../support/system-accounts.js';

describe.runIf(isRoot)('pam authenticator (needs root: creates system accounts)', () => {
  let accounts: SystemAccounts;
  let gw: TestGateway;
  let erin: string;
  let frank: string;
  let locked: string;
  let expiredAccount: string;
  let expiredPassword: string;
  let admins: string;

  beforeAll(async () => {
    accounts = createSystemAccounts();
    admins = accounts.addGroup('pt-admins');
    const staff = accounts.addGroup('pt-staff');
    erin = accounts.addUser('pt-erin', 'Erin-Secret-1', [admins, staff]);
    frank = accounts.addUser('pt-frank', 'Frank-Secret-1', [staff]);
    locked = accounts.addUser('pt-locked', 'Locked-Secret-1');
    accounts.run('passwd', ['-l', locked]);
    expiredAccount = accounts.addUser('pt-gone', 'Gone-Secret-1');
    accounts.run('chage', ['-E', '1970-01-02', expiredAccount]);
    expiredPassword = accounts.addUser('pt-stale', 'Stale-Secret-1');
    accounts.run('chage', ['-d', '0', expiredPassword]);
    gw = await startTestGateway(() => ({
      authenticators: [{ type: 'pam', name: 'system', service: accounts.service, roleMapping: { map: { [admins]: 'admin' }, keepUnmapped: false, defaultRoles: ['user'] } }],
      routes: [
        { name: 'app', prefix: '/app/', upstream: 'http://demo-engine.invalid' },
        { name: 'admin', prefix: '/admin/', upstream: 'http://demo-engine.invalid', policy: { allowRoles: ['admin'] } },
      ],
      demoEngine: { enabled: true },
    }));
  });
  afterAll(async () => {
    await gw?.stop();
    accounts?.remove();
  });

  const login = async (user: string, password: string) => {
    const client = new CookieClient(gw.url);
    const started = performance.now();
    const answer = await loginWithForm(client, user, password, '/app/whoami');
    return { client, answer, ms: performance.now() - started };
  };

  it('logs a system user in; the system groups become groups and mapped roles', async () => {
    const { client, answer } = await login(erin, 'Erin-Secret-1');
    expect(answer.status).toBe(303);
    const me = (await client.get('/app/whoami')).json();
    expect(me).toMatchObject({ user: erin, tokenRoles: ['admin', 'user'], amr: ['pwd'] });
    expect(me.groups).toEqual(expect.arrayContaining([admins, erin]));
    expect((await client.get('/admin/whoami')).status).toBe(200);
  });

  it('a user outside the admin group gets a 403 on /admin/', async () => {
    const { client, answer } = await login(frank, 'Frank-Secret-1');
    expect(answer.status).toBe(303);
    expect((await client.get('/admin/whoami')).status).toBe(403);
  });

  it('refuses a wrong password and an unknown user alike, in time too', async () => {
    const wrong = await login(erin, 'not-her-password');
    const unknown = await login(`pt-nobody-${accounts.suffix}`, 'whatever');
    expect(wrong.answer.status).toBe(401);
    expect(unknown.answer.status).toBe(401);
    expect(wrong.answer.text).toContain('Wrong user name or password');
    expect(unknown.answer.text).toContain('Wrong user name or password');
    // both are held to the failure floor (300 ms) whatever PAM took
    expect(wrong.ms).toBeGreaterThanOrEqual(290);
    expect(unknown.ms).toBeGreaterThanOrEqual(290);
  });

  it('refuses a locked account (passwd -l) like a wrong password', async () => {
    const { answer } = await login(locked, 'Locked-Secret-1');
    expect(answer.status).toBe(401);
  });

  it('tells the owner of an expired account, and only with the right password', async () => {
    const right = await login(expiredAccount, 'Gone-Secret-1');
    expect(right.answer.status).toBe(403);
    expect(right.answer.text).toContain('Your account has expired');
    const wrong = await login(expiredAccount, 'guess');
    expect(wrong.answer.status).toBe(401);
    expect(wrong.answer.text).not.toContain('expired');
  });

  it('tells the owner of an expired password to change it', async () => {
    const { answer } = await login(expiredPassword, 'Stale-Secret-1');
    expect(answer.status).toBe(403);
    expect(answer.text).toContain('Your password has expired');
  });

  it('names that PAM could read as options never reach it', async () => {
    const { answer } = await login('-h', 'x');
    expect(answer.status).toBe(401);
  });

  it('no password reaches the log', () => {
    expect(gw.logs()).not.toContain('Erin-Secret-1');
    expect(gw.logs()).not.toContain('Gone-Secret-1');
  });
});

describe('pam authenticator start-up', () => {
  it('stops with the service named when the PAM service file is missing', async () => {
    await expect(
      startTestGateway(() => ({ authenticators: [{ type: 'pam', name: 'system', service: 'no-such-service-xyz' }], routes: [] })),
    ).rejects.toMatchObject({ code: 'GW_AUTHENTICATOR_INVALID', message: expect.stringContaining("there is no PAM service 'no-such-service-xyz'") });
  });
});
