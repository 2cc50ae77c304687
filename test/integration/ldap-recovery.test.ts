/**
 * Two real slapd servers: a failed server is probed after the retry interval without any
 * login arriving, and users that failed over to the second server come back to the first.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ldapAuthenticatorSchema } from '../../config/schema/ldap.js';
import { createLdapAuthenticator, type LdapAuthenticator } from '../../gateway/authenticators/ldap/index.js';
import type { AuthenticatorContext, LoginContext } from '../../gateway/authenticators/types.js';
import { DIRECTORY, startSlapd, type SlapdServer } from '../support/slapd.js';

const log = pino({ level: 'silent' });
const ctx = { configDir: process.cwd(), dataDir: process.cwd(), publicUrl: 'http://127.0.0.1', log, byName: () => undefined, sharedStore: undefined as never } satisfies AuthenticatorContext;
const lctx: LoginContext = { clientAddress: '127.0.0.1', log: log as unknown as LoginContext['log'] };
const { ada, grace } = DIRECTORY.users;

async function until(condition: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (condition()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return condition();
}

describe('LDAP pool recovery against two real slapd servers', () => {
  let a: SlapdServer;
  let b: SlapdServer;
  let auth: LdapAuthenticator;
  beforeAll(async () => {
    [a, b] = await Promise.all([startSlapd(), startSlapd()]);
    auth = await createLdapAuthenticator(
      ldapAuthenticatorSchema.parse({
        type: 'ldap',
        servers: [a.url, b.url],
        bindDn: DIRECTORY.serviceDn,
        bindPassword: `plain://${DIRECTORY.servicePassword}`,
        searchBase: DIRECTORY.peopleBase,
        groups: { searchBase: DIRECTORY.groupsBase },
        connectTimeoutMs: 500,
        operationTimeoutMs: 1000,
        pool: { loadBalance: false, sticky: true, retryIntervalSeconds: 1 },
      }),
      ctx,
    );
  });
  afterAll(async () => {
    await auth?.close?.();
    await Promise.all([a?.close(), b?.close()]);
  });

  it('probes the failed server without user traffic and moves sticky users back to it', async () => {
    expect(await auth.verify(ada.login, ada.password, lctx)).not.toBeNull();
    const servedByA = () => auth.state().find((e) => e.id === a.url)!.served;
    const firstOnA = servedByA();
    expect(firstOnA).toBeGreaterThan(0);

    await a.stop();
    expect(await auth.verify(ada.login, ada.password, lctx)).not.toBeNull(); // failed over to b, sticky there
    expect(auth.state().find((e) => e.id === a.url)!.status).toBe('down');
    await a.start();

    // no login at all: the pool's own probe finds a again after the retry interval
    expect(await until(() => auth.state().find((e) => e.id === a.url)!.status === 'up', 5000)).toBe(true);
    const probedAt = a.connections();
    expect(probedAt).toBeGreaterThan(0);

    // ada, stuck to b by the failover, is served by a again; so is a user who never failed over
    const before = servedByA();
    expect(await auth.verify(ada.login, ada.password, lctx)).not.toBeNull();
    expect(await auth.verify(grace.login, grace.password, lctx)).not.toBeNull();
    expect(servedByA() - before).toBe(2);
  });

  it('keeps probing a server that stays down, and never sends logins to it', async () => {
    await a.stop();
    expect(await auth.verify(grace.login, grace.password, lctx)).not.toBeNull();
    const failuresAfterFailover = auth.state().find((e) => e.id === a.url)!.failures;
    await new Promise((r) => setTimeout(r, 2500));
    const state = auth.state().find((e) => e.id === a.url)!;
    expect(state.status).toBe('down');
    expect(state.failures).toBeGreaterThan(failuresAfterFailover); // probes ran and failed
    await a.start();
    expect(await until(() => auth.state().find((e) => e.id === a.url)!.status === 'up', 5000)).toBe(true);
  });
});
