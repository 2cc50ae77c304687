/**
 * Two real slapd servers behind the LDAP authenticator's endpoint pool: load balancing,
 * stickiness, failover when one stops in the middle of a run, and its return after the retry
 * interval. Work is counted at the servers themselves (connections in slapd's stats log).
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
const USERS = [DIRECTORY.users.ada, DIRECTORY.users.grace, DIRECTORY.users.linus];

/** slapd's log arrives on a pipe: wait until its count stops moving. */
async function settledConnections(s: SlapdServer): Promise<number> {
  let last = -1;
  for (let i = 0; i < 40; i++) {
    const now = s.connections();
    if (now === last) return now;
    last = now;
    await new Promise((r) => setTimeout(r, 25));
  }
  return last;
}

describe('LDAP endpoint pool against two real slapd servers', () => {
  let a: SlapdServer;
  let b: SlapdServer;
  beforeAll(async () => {
    [a, b] = await Promise.all([startSlapd(), startSlapd()]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  const make = (pool: { loadBalance: boolean; sticky: boolean; retryIntervalSeconds: number }): Promise<LdapAuthenticator> =>
    createLdapAuthenticator(
      ldapAuthenticatorSchema.parse({
        type: 'ldap',
        servers: [a.url, b.url],
        bindDn: DIRECTORY.serviceDn,
        bindPassword: `plain://${DIRECTORY.servicePassword}`,
        searchBase: DIRECTORY.peopleBase,
        groups: { searchBase: DIRECTORY.groupsBase },
        connectTimeoutMs: 500,
        operationTimeoutMs: 1000,
        pool,
      }),
      ctx,
    );

  it('stops one server in the middle of a run: every later login succeeds on the other; it takes work again after the retry interval', async () => {
    const auth = await make({ loadBalance: true, sticky: false, retryIntervalSeconds: 1 });
    const results: { i: number; ok: boolean; afterStop: boolean }[] = [];
    let stopped = false;
    let inFlightAtStop = 0;
    let inFlight = 0;
    const TOTAL = 60;
    const CONCURRENCY = 4;
    let next = 0;
    const worker = async () => {
      while (next < TOTAL) {
        const i = next++;
        if (i === 20 && !stopped) {
          stopped = true;
          inFlightAtStop = inFlight;
          await a.stop();
        }
        const startedAfterStop = stopped;
        const u = USERS[i % USERS.length]!;
        inFlight++;
        const ok = await auth.verify(u.login, u.password, lctx).then(
          (r) => r !== null,
          () => false,
        );
        inFlight--;
        results.push({ i, ok, afterStop: startedAfterStop });
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));

    const failures = results.filter((r) => !r.ok);
    if (process.env.LDAP_FIGURES) console.info('failover run', { failures: failures.length, inFlightAtStop, state: auth.state() });
    expect(results).toHaveLength(TOTAL);
    // nothing beyond the logins in flight when the server stopped may fail (in fact none do: they fail over)
    expect(failures.length).toBeLessThanOrEqual(inFlightAtStop);
    expect(results.filter((r) => r.afterStop && !r.ok)).toEqual([]);
    const stateAfterStop = auth.state();
    expect(stateAfterStop[0]).toMatchObject({ id: a.url, status: 'down' });
    expect(stateAfterStop[1]).toMatchObject({ id: b.url, status: 'up' });
    expect(stateAfterStop[0]!.downSince).not.toBeNull();

    // bring it back; before the retry interval it gets nothing, after it, work again
    await a.start();
    const aBefore = await settledConnections(a);
    for (const u of USERS) expect(await auth.verify(u.login, u.password, lctx)).not.toBeNull();
    expect(await settledConnections(a)).toBe(aBefore);
    await new Promise((r) => setTimeout(r, 1100));
    for (let i = 0; i < 6; i++) {
      const u = USERS[i % USERS.length]!;
      expect(await auth.verify(u.login, u.password, lctx)).not.toBeNull();
    }
    expect(await settledConnections(a)).toBeGreaterThanOrEqual(aBefore + 2);
    expect(auth.state()[0]).toMatchObject({ status: 'up', downSince: null });
  });

  it('load balancing with stickiness: each user stays on one server, users spread over both', async () => {
    const auth = await make({ loadBalance: true, sticky: true, retryIntervalSeconds: 1 });
    const seen = new Map<string, Set<string>>();
    for (let round = 0; round < 5; round++) {
      for (const u of USERS) {
        const before = [await settledConnections(a), await settledConnections(b)];
        expect(await auth.verify(u.login, u.password, lctx)).not.toBeNull();
        const after = [await settledConnections(a), await settledConnections(b)];
        const server = after[0]! > before[0]! ? 'a' : after[1]! > before[1]! ? 'b' : '?';
        if (!seen.has(u.login)) seen.set(u.login, new Set());
        seen.get(u.login)!.add(server);
      }
    }
    for (const [, servers] of seen) {
      expect(servers.size).toBe(1);
      expect(servers.has('?')).toBe(false);
    }
    const used = new Set([...seen.values()].flatMap((s) => [...s]));
    expect(used).toEqual(new Set(['a', 'b']));
  });

  it('a wrong password is an answer: no failover, no server marked down', async () => {
    const auth = await make({ loadBalance: false, sticky: true, retryIntervalSeconds: 1 });
    const bBefore = await settledConnections(b);
    for (let i = 0; i < 5; i++) expect(await auth.verify(DIRECTORY.users.ada.login, 'not-her-password', lctx)).toBeNull();
    expect(await auth.verify('nobody-here', 'whatever', lctx)).toBeNull();
    expect(await settledConnections(b)).toBe(bBefore);
    expect(auth.state().map((s) => [s.status, s.failures])).toEqual([
      ['up', 0],
      ['up', 0],
    ]);
    expect(auth.state()[0]!.served).toBe(6);
  });

  it('both servers down: a coded 503 naming the servers, then recovery after the retry interval', async () => {
    const auth = await make({ loadBalance: true, sticky: true, retryIntervalSeconds: 1 });
    await Promise.all([a.stop(), b.stop()]);
    try {
      const err = await auth.verify(DIRECTORY.users.ada.login, DIRECTORY.users.ada.password, lctx).catch((e) => e);
      expect(err).toMatchObject({ code: 'GW_LDAP_UNAVAILABLE', statusCode: 503 });
      expect(err.cause.code).toBe('POOL_ALL_DOWN');
      expect(err.cause.down.map((d: { id: string }) => d.id)).toEqual([a.url, b.url]);
    } finally {
      await Promise.all([a.start(), b.start()]);
    }
    await new Promise((r) => setTimeout(r, 1100));
    expect(await auth.verify(DIRECTORY.users.ada.login, DIRECTORY.users.ada.password, lctx)).not.toBeNull();
  });
});
