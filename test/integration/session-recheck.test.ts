/**
 * Sessions learn about account changes: a real gateway, the users file edited on disk and a
 * real slapd modified with ldapmodify/ldapdelete while the sessions live.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DIRECTORY, startSlapd, type SlapdServer } from '../support/slapd.js';
import { startTestGateway, writeUsersFile, type TestGateway, type TestUser } from '../support/gateway.js';
import { CookieClient, loginWithForm } from '../support/http-client.js';

const RECHECK_SECONDS = 1;
const settle = () => new Promise((r) => setTimeout(r, RECHECK_SECONDS * 1000 + 400));

const routes = [
  { name: 'app', prefix: '/app/', upstream: 'http://demo-engine.invalid' },
  { name: 'admin', prefix: '/admin/', upstream: 'http://demo-engine.invalid', policy: { allowRoles: ['admin'] } },
];

describe('session re-check against the users file', () => {
  let gw: TestGateway;
  const users: Record<string, TestUser & { disabled?: boolean }> = {
    carol: { password: 'carol-pw', roles: ['user', 'admin'] },
    dan: { password: 'dan-pw', roles: ['user'] },
    eve: { password: 'eve-pw', roles: ['user'] },
  };
  const rewrite = async (changed: Record<string, TestUser & { disabled?: boolean }>) => {
    await writeUsersFile(gw.dir, changed, 'users.next.yaml');
    // disabled is not a writeUsersFile option: append it to the entries that have it
    const { readFile, rename } = await import('node:fs/promises');
    let text = await readFile(join(gw.dir, 'users.next.yaml'), 'utf8');
    for (const [login, user] of Object.entries(changed)) if (user.disabled) text = text.replace(`  ${JSON.stringify(login)}:\n`, `  ${JSON.stringify(login)}:\n    disabled: true\n`);
    await writeFile(join(gw.dir, 'users.next.yaml'), text);
    await rename(join(gw.dir, 'users.next.yaml'), join(gw.dir, 'users.yaml'));
  };

  beforeAll(async () => {
    gw = await startTestGateway(async (dir) => {
      await writeUsersFile(dir, users);
      return {
        authenticators: [{ type: 'file', name: 'local', usersFile: 'users.yaml' }],
        session: { recheckSeconds: RECHECK_SECONDS },
        routes,
        demoEngine: { enabled: true },
      };
    });
  });
  afterAll(async () => gw?.stop());

  it('a removed role leaves the session and the next token; a disabled user and a deleted user are logged out', async () => {
    const carol = new CookieClient(gw.url);
    const dan = new CookieClient(gw.url);
    const eve = new CookieClient(gw.url);
    for (const [client, login] of [[carol, 'carol'], [dan, 'dan'], [eve, 'eve']] as const) {
      expect((await loginWithForm(client, login, users[login]!.password, '/app/')).status).toBe(303);
    }
    expect((await carol.get('/admin/whoami', { accept: 'application/json' })).json().tokenRoles).toEqual(['admin', 'user']);
    expect((await dan.get('/app/whoami', { accept: 'application/json' })).status).toBe(200);

    await rewrite({ carol: { ...users.carol!, roles: ['user', 'auditor'] }, dan: { ...users.dan!, disabled: true } }); // eve deleted
    await settle();

    expect((await carol.get('/admin/whoami', { accept: 'application/json' })).status).toBe(403);
    const whoami = await carol.get('/app/whoami', { accept: 'application/json' });
    expect(whoami.status).toBe(200);
    expect(whoami.json().tokenRoles).toEqual(['auditor', 'user']);
    expect((await dan.get('/app/whoami', { accept: 'application/json' })).status).toBe(401);
    expect((await eve.get('/app/whoami', { accept: 'application/json' })).status).toBe(401);
    expect(gw.logs()).toContain('session ended: the user was deleted or disabled');
  });
});

describe('session re-check against a real slapd', () => {
  let slapd: SlapdServer;
  let gw: TestGateway;
  const ldap = (tool: string, args: string[], input?: string) =>
    execFileSync(tool, ['-x', '-H', slapd.url, '-D', DIRECTORY.rootDn, '-w', DIRECTORY.rootPassword, ...args], { input, stdio: ['pipe', 'ignore', 'pipe'] });

  beforeAll(async () => {
    slapd = await startSlapd();
    process.env.LDAP_RECHECK_PASSWORD = DIRECTORY.servicePassword;
    gw = await startTestGateway(() => ({
      authenticators: [
        {
          type: 'ldap',
          name: 'directory',
          servers: [slapd.url],
          bindDn: DIRECTORY.serviceDn,
          bindPassword: 'env://LDAP_RECHECK_PASSWORD',
          searchBase: DIRECTORY.peopleBase,
          groups: { searchBase: DIRECTORY.groupsBase, nested: 'recursive' },
          roleMapping: { map: { staff: 'user', admins: 'admin' }, keepUnmapped: false, defaultRoles: [] },
          connectTimeoutMs: 500,
          operationTimeoutMs: 1000,
        },
      ],
      session: { recheckSeconds: RECHECK_SECONDS },
      routes,
      demoEngine: { enabled: true },
    }));
  });
  afterAll(async () => {
    delete process.env.LDAP_RECHECK_PASSWORD;
    await gw?.stop();
    await slapd?.close();
  });

  it('a user taken out of a group loses the role; a deleted entry loses the session', async () => {
    const grace = new CookieClient(gw.url);
    const ada = new CookieClient(gw.url);
    expect((await loginWithForm(grace, DIRECTORY.users.grace.login, DIRECTORY.users.grace.password, '/admin/')).status).toBe(303);
    expect((await loginWithForm(ada, DIRECTORY.users.ada.login, DIRECTORY.users.ada.password, '/app/')).status).toBe(303);
    expect((await grace.get('/admin/whoami', { accept: 'application/json' })).json().tokenRoles).toEqual(['admin', 'user']);

    // groupOfNames needs a member: grace is replaced, not removed
    ldap('/usr/bin/ldapmodify', [], 'dn: cn=admins,ou=groups,dc=example,dc=org\nchangetype: modify\nreplace: member\nmember: uid=linus,ou=people,dc=example,dc=org\n');
    ldap('/usr/bin/ldapdelete', ['uid=ada,ou=people,dc=example,dc=org']);
    await settle();

    expect((await grace.get('/admin/whoami', { accept: 'application/json' })).status).toBe(403);
    expect((await grace.get('/app/whoami', { accept: 'application/json' })).json().tokenRoles).toEqual(['user']);
    expect((await ada.get('/app/whoami', { accept: 'application/json' })).status).toBe(401);
  });
});
