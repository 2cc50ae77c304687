import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { join } from 'node:path';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { startTestRedis, type TestRedis } from '../support/redis.js';
import { DEMO_USERS, demoConfig, startTestGateway, type TestGateway } from '../support/gateway.js';
import { CookieClient, csrfOf, loginWithForm } from '../support/http-client.js';

const HTML = { accept: 'text/html' };

async function sessionsOf(client: CookieClient): Promise<Array<{ sid: string; current: boolean; address: string; userAgent: string }>> {
  return (await client.get('/account', { accept: 'application/json' })).json().sessions;
}

describe('my sessions on a real Redis shared by two gateways', () => {
  let redis: TestRedis;
  let a: TestGateway;
  let b: TestGateway;

  beforeAll(async () => {
    redis = await startTestRedis();
    const shared = await mkdtemp(join(tmpdir(), 'portcullis-shared-'));
    const configure = async (dir: string) => ({
      ...(await demoConfig(dir, { ...DEMO_USERS, carol: { password: 'carol-pw', roles: ['user'] } })),
      server: { dataDir: join(shared, 'data') },
      // the local session cache is on (its default): ending must reach the other gateway's cache too
      session: { store: 'redis' as const, redis: { url: redis.url, keyPrefix: 'acct:' } },
      // attempts are counted before the password check: many logins of one user at once must not lock it here
      loginThrottle: { maxFailuresPerUser: 50 },
    });
    a = await startTestGateway(configure);
    b = await startTestGateway(configure);
  }, 60_000);
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await redis?.stop();
  });

  it('lists the sessions alice has on both gateways; ending one on gateway A refuses its cookie on gateway B at its next request', async () => {
    const onA = new CookieClient(a.url);
    await loginWithForm(onA, 'alice', 'wonderland');
    const onB = new CookieClient(b.url);
    await loginWithForm(onB, 'alice', 'wonderland');
    expect((await onB.get('/app/whoami')).json().user).toBe('alice');

    const listed = await sessionsOf(onA);
    expect(listed).toHaveLength(2);
    const other = listed.find((s) => !s.current)!;
    expect(other.address).toBe('127.0.0.1');
    // the same list from the other gateway, marked from its own point of view
    expect((await sessionsOf(onB)).find((s) => s.current)!.sid).toBe(other.sid);

    const csrf = csrfOf((await onA.get('/account', HTML)).text);
    const ended = await onA.postForm('/account/sessions/end', { csrf, sid: other.sid }, HTML);
    expect(ended.status).toBe(303);
    const refused = await onB.get('/app/whoami', HTML);
    expect(refused.status).toBe(302);
    expect(refused.location).toMatch(/^\/login/);
    expect((await sessionsOf(onA)).map((s) => s.sid)).toEqual([listed.find((s) => s.current)!.sid]);
  });

  it('attack: alice cannot end bob’s session through either gateway', async () => {
    const alice = new CookieClient(a.url);
    await loginWithForm(alice, 'alice', 'wonderland');
    const bob = new CookieClient(b.url);
    await loginWithForm(bob, 'bob', 'builder');
    const bobSid = (await sessionsOf(bob)).find((s) => s.current)!.sid;
    const csrf = csrfOf((await alice.get('/account', HTML)).text);
    const answer = await alice.postForm('/account/sessions/end', { csrf, sid: bobSid });
    expect(answer.status).toBe(404);
    expect(answer.json().code).toBe('GW_SESSION_UNKNOWN');
    expect((await bob.get('/admin/whoami')).json().user).toBe('bob');
  });

  it('indexes every one of many logins of one user made at once on both gateways (none can be left unlisted)', async () => {
    const clients = Array.from({ length: 12 }, (_, i) => new CookieClient((i % 2 ? a : b).url));
    const answers = await Promise.all(clients.map((c) => loginWithForm(c, 'carol', 'carol-pw')));
    expect(answers.map((r) => r.status)).toEqual(Array(12).fill(303));
    const listed = await sessionsOf(clients[0]!);
    expect(listed).toHaveLength(12);
  });

  it('keeps where a session came from in Redis, never its id', async () => {
    const client = new CookieClient(a.url);
    await loginWithForm(client, 'bob', 'builder', '/');
    const id = client.jar.get('portcullis_sid')!;
    const direct = new Redis(redis.url);
    try {
      const keys = await direct.keys('acct:session:*');
      const values = await Promise.all(keys.map((k) => direct.get(k)));
      const bobs = values.filter((v) => v?.includes('"loginId":"bob"'));
      expect(bobs.length).toBeGreaterThan(0);
      for (const value of values) expect(value).not.toContain(id);
      expect(bobs.some((v) => /"origin":\{"address":"127\.0\.0\.1"/.test(v!))).toBe(true);
    } finally {
      direct.disconnect();
    }
  });
});
