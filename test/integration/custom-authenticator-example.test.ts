/**
 * config/examples/custom.yaml works as it says: an operator's authenticator module next to the
 * file users, and one user mapping after every login (renamed logins, rules, the module's
 * guest fallback, refusals, a module that throws).
 */
import { copyFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/loader.js';
import type { PortcullisConfigInput } from '../../config/schema/index.js';
import { DEMO_USERS, startTestGateway, writeUsersFile, type TestGateway } from '../support/gateway.js';
import { CookieClient, loginWithForm } from '../support/http-client.js';

const EXAMPLES = resolve(import.meta.dirname, '../../config/examples');
const EXAMPLE = join(EXAMPLES, 'custom.yaml');

let gw: TestGateway;

async function exampleGateway(change: (input: PortcullisConfigInput & Record<string, any>) => void = () => {}, extraFiles: Record<string, string> = {}): Promise<TestGateway> {
  const loaded = await loadConfig(EXAMPLE, { env: {} });
  const input = structuredClone(loaded.config) as unknown as PortcullisConfigInput & Record<string, any>;
  change(input);
  return startTestGateway(async (dir) => {
    await writeUsersFile(dir, { ...DEMO_USERS, carol: { password: 'contract', roles: ['user', 'admin'], groups: ['contractors'] }, 'svc-backup': { password: 'backup-pass', roles: ['user'] } }, 'demo-users.yaml');
    for (const f of ['custom-authenticator.mjs', 'user-mapping.mjs', 'access-codes.json']) await copyFile(join(EXAMPLES, f), join(dir, f));
    for (const [name, text] of Object.entries(extraFiles)) await writeFile(join(dir, name), text);
    return { ...input, server: { ...input.server, port: 0 } };
  });
}

async function whoami(user: string, password: string, gateway = gw) {
  const client = new CookieClient(gateway.url);
  const login = await loginWithForm(client, user, password, '/app/whoami');
  return { login, client, me: login.status === 303 ? (await client.get('/app/whoami')).json() : undefined };
}

beforeAll(async () => {
  gw = await exampleGateway();
});
afterAll(async () => gw?.stop());

describe('config/examples/custom.yaml', () => {
  it('validates as it stands', async () => {
    const loaded = await loadConfig(EXAMPLE, { env: {} });
    expect(loaded.config.authenticators.map((a) => a.type)).toEqual(['file', 'module']);
    expect(loaded.config.userMapping?.rules).toHaveLength(2);
  });

  it('maps a file user: the domain is stripped, the module adds its attribute', async () => {
    const { me } = await whoami('CORP\\Bob', 'builder');
    expect(me).toMatchObject({ user: 'bob', tokenRoles: ['admin', 'user'], attributes: expect.objectContaining({ language: 'en', firstName: 'Bob' }) });
  });

  it('a rule removes the admin role of contractors, so carol gets a 403 on /admin/', async () => {
    const { me, client } = await whoami('carol', 'contract');
    expect(me).toMatchObject({ user: 'carol', tokenRoles: ['user'], attributes: expect.objectContaining({ clientId: 'external' }) });
    expect((await client.get('/admin/whoami')).status).toBe(403);
  });

  it('logs in with an access code through the operator module', async () => {
    const { me } = await whoami('lab-7', 'lab-code-7');
    expect(me).toMatchObject({ user: 'lab-7', tokenRoles: ['lab', 'user'], amr: ['pwd'] });
  });

  it('maps a kiosk account to the fallback user guest', async () => {
    const { me } = await whoami('kiosk-1', '4711-2342');
    expect(me).toMatchObject({ user: 'guest', tokenRoles: ['guest'], attributes: { loginId: 'guest', firstName: 'Guest' } });
  });

  it('refuses an svc- account with the right password: 403 page, no session, no failure counted', async () => {
    const { login, client } = await whoami('svc-backup', 'backup-pass');
    expect(login.status).toBe(403);
    expect(login.text).toContain('Sign-in was refused');
    expect((await client.get('/app/whoami')).status).toBe(401);
    expect(gw.logs()).toContain('userMapping.rules[1] refuses the user');
    expect(gw.logs()).not.toContain('backup-pass');
  });

  it('a wrong access code is a wrong password', async () => {
    const { login } = await whoami('kiosk-1', '0000');
    expect(login.status).toBe(401);
  });
});

describe('a user mapping module that throws', () => {
  let broken: TestGateway;
  beforeAll(async () => {
    broken = await exampleGateway(
      (input) => {
        input.userMapping!.module = './throwing-mapping.mjs#mapUser';
      },
      { 'throwing-mapping.mjs': "export function mapUser() { throw new Error('directory lookup exploded'); }\n" },
    );
  });
  afterAll(async () => broken?.stop());

  it('refuses the login generically; the cause is in the log only', async () => {
    const { login, client } = await whoami('alice', 'wonderland', broken);
    expect(login.status).toBe(403);
    expect(login.text).not.toContain('exploded');
    expect((await client.get('/app/whoami')).status).toBe(401);
    expect(broken.logs()).toContain('directory lookup exploded');
    expect(broken.logs()).toContain('"event":"user-mapping-failed"');
  });
});

describe('an authenticator module', () => {
  it('that throws while verifying refuses generically and logs the cause', async () => {
    const g = await exampleGateway(
      (input) => {
        input.authenticators[1] = { type: 'module', name: 'flaky', module: './flaky.mjs' };
      },
      { 'flaky.mjs': "export function createAuthenticator() { return { kind: 'password', verify() { throw new Error('backend on fire'); } }; }\n" },
    );
    try {
      const { login } = await whoami('nobody', 'x', g);
      expect(login.status).toBe(403);
      expect(login.text).not.toContain('on fire');
      expect(g.logs()).toContain('backend on fire');
      expect(g.logs()).toContain('"event":"authenticator-module-failed"');
    } finally {
      await g.stop();
    }
  });

  it.each([
    ['no kind', "export default () => ({ verify() {} });", /has kind undefined/],
    ['a password kind without verify', "export default () => ({ kind: 'password' });", /has no verify\(\) function/],
    ['a routed kind without label', "export default () => ({ kind: 'routed', loginUrl() {}, register() {} });", /has no label/],
    ['no such export', 'export const other = 1;', /exports no function 'nope'/],
  ])('with %s stops the start-up naming the option', async (_what, source, message) => {
    const spec = _what === 'no such export' ? './bad.mjs#nope' : './bad.mjs';
    await expect(
      exampleGateway(
        (input) => {
          input.authenticators[1] = { type: 'module', name: 'bad', module: spec };
        },
        { 'bad.mjs': source + '\n' },
      ),
    ).rejects.toMatchObject({ code: 'GW_AUTHENTICATOR_INVALID', message: expect.stringMatching(message) });
  });
});
