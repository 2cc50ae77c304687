import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { portcullisConfigSchema } from '../../../config/schema/index.js';
import { DEMO_USERS, demoConfig, startTestGateway, writeUsersFile, type TestGateway } from '../../support/gateway.js';

/** A reload in process: users read again, sessions kept, a configuration that cannot be built refused. */
let gateway: TestGateway;
let input: Awaited<ReturnType<typeof demoConfig>>;

async function login(user: string, password: string): Promise<{ status: number; cookie: string }> {
  const form = await fetch(`${gateway.url}/login`);
  const csrf = /name="csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
  const cookie = form.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const res = await fetch(`${gateway.url}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: new URLSearchParams({ username: user, password, csrf, returnTo: '/' }).toString(),
    redirect: 'manual',
  });
  return { status: res.status, cookie: [cookie, ...res.headers.getSetCookie().map((c) => c.split(';')[0])].join('; ') };
}

beforeAll(async () => {
  gateway = await startTestGateway(async (dir) => (input = await demoConfig(dir)));
});
afterAll(() => gateway.stop());

describe('reload', () => {
  it('reads the users file again and keeps the sessions of the memory store', async () => {
    const alice = await login('alice', 'wonderland');
    expect(alice.status).toBe(303);
    expect((await login('carol', 'c4rol-pass')).status).toBe(401);
    await writeUsersFile(gateway.dir, { ...DEMO_USERS, carol: { password: 'c4rol-pass', roles: ['user'] } });

    const report = await gateway.reload(portcullisConfigSchema.parse(input));
    expect(report.ok).toBe(true);
    expect((await login('carol', 'c4rol-pass')).status).toBe(303);
    const whoami = await fetch(`${gateway.url}/app/whoami`, { headers: { cookie: alice.cookie, accept: 'application/json' } });
    expect(whoami.status).toBe(200);
  });

  it('refuses a configuration that cannot be built and keeps serving the running one', async () => {
    // valid to the schema, but its users file is gone: building the gateway fails
    const broken = portcullisConfigSchema.parse({ ...input, authenticators: [{ type: 'file', name: 'local', usersFile: 'no-such-users.yaml' }] });
    const report = await gateway.reload(broken);
    expect(report.ok).toBe(false);
    expect(gateway.logs()).toContain('configuration reload refused');
    expect((await fetch(`${gateway.url}/admin/`, { headers: { accept: 'application/json' } })).status).toBe(401); // the old /admin/ route is still there
  });
});
