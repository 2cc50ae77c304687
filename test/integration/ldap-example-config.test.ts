/**
 * config/examples/ldap.yaml is a working setup: it validates as it stands, and with its
 * server URLs pointed at two real slapd servers loaded with the test directory, ada and
 * grace log in through the gateway with the roles the example maps.
 */
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/loader.js';
import type { PortcullisConfigInput } from '../../config/schema/index.js';
import { DIRECTORY, startSlapd, type SlapdServer } from '../support/slapd.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { CookieClient, loginWithForm } from '../support/http-client.js';

const EXAMPLE = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '../../config/examples/ldap.yaml');

describe('config/examples/ldap.yaml', () => {
  let a: SlapdServer;
  let b: SlapdServer;
  let gw: TestGateway;

  beforeAll(async () => {
    const loaded = await loadConfig(EXAMPLE, { env: { LDAP_SERVICE_PASSWORD: DIRECTORY.servicePassword } });
    [a, b] = await Promise.all([startSlapd(), startSlapd()]);
    const input = structuredClone(loaded.config) as unknown as PortcullisConfigInput & { authenticators: Array<{ servers: string[] }> };
    input.authenticators[0]!.servers = [a.url, b.url];
    process.env.LDAP_SERVICE_PASSWORD = DIRECTORY.servicePassword;
    gw = await startTestGateway(() => ({ ...input, server: { ...input.server, port: 0 } }));
  });
  afterAll(async () => {
    delete process.env.LDAP_SERVICE_PASSWORD;
    await gw?.stop();
    await Promise.all([a?.close(), b?.close()]);
  });

  it('validates, with the secret given as env://', async () => {
    const loaded = await loadConfig(EXAMPLE, { env: { LDAP_SERVICE_PASSWORD: 'x' } });
    expect(loaded.config.authenticators[0]).toMatchObject({ type: 'ldap', name: 'directory', pool: { loadBalance: true } });
    await expect(loadConfig(EXAMPLE, { env: {} })).rejects.toMatchObject({ code: expect.stringMatching(/^CONFIG_/) });
  });

  it('logs the test directory users in with the mapped roles and attributes', async () => {
    const grace = new CookieClient(gw.url);
    expect((await loginWithForm(grace, 'grace', DIRECTORY.users.grace.password, '/admin/')).status).toBe(303);
    const who = (await grace.get('/admin/whoami')).json();
    expect(who).toMatchObject({ user: 'grace', tokenRoles: ['admin', 'user'] });
    expect(who.attributes).toMatchObject({ firstName: 'Grace', profileId: '1906' });

    const ada = new CookieClient(gw.url);
    expect((await loginWithForm(ada, 'ada', DIRECTORY.users.ada.password, '/app/')).status).toBe(303);
    expect((await ada.get('/app/whoami')).json()).toMatchObject({ user: 'ada', tokenRoles: ['user'] });
    expect((await ada.get('/admin/whoami')).status).toBe(403);
  });
});
