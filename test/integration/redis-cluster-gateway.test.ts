import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, until, type TestCluster } from '../support/redis.js';
import { GatewayFleet, RecordingUpstream } from '../support/gateway-fleet.js';
import { CookieClient, loginWithForm } from '../support/http-client.js';
import { startLoad } from '../support/load-run.js';
import { storeKeyOf } from '../../gateway/sessions/session-id.js';

/**
 * Two gateways on a three-master Redis Cluster (one replica each): sessions, lockout
 * counters and replay caches with their keys spread over every master, then the master
 * holding a session's slot killed under load and its replica promoted. The local session
 * cache is off here, so every request reads the Cluster. About 15 s.
 */
const PREFIX = 'cluster:';
const JSON_ACCEPT = { accept: 'application/json' };

let cluster: TestCluster;
let upstream: RecordingUpstream;
let fleet: GatewayFleet;

beforeAll(async () => {
  cluster = await startTestCluster();
  upstream = new RecordingUpstream();
  await upstream.start();
  fleet = await new GatewayFleet({ redis: { mode: 'cluster', nodes: cluster.nodes, keyPrefix: PREFIX, waitMs: 5_000, localCacheSeconds: 0 }, upstream: upstream.url, size: 2 }).start();
}, 60_000);

afterAll(async () => {
  await fleet?.stop();
  await upstream?.stop();
  await cluster?.stop();
});

const sessions: CookieClient[] = [];

describe('a gateway fleet on a Redis Cluster', () => {
  it('keeps sessions on every master, each usable on every gateway', async () => {
    const before = await cluster.keysPerMaster();
    for (let i = 0; i < 12; i++) {
      const client = new CookieClient(fleet.urls[i % 2]!);
      expect((await loginWithForm(client, 'bob', 'builder')).status).toBe(303);
      sessions.push(client);
    }
    const after = await cluster.keysPerMaster();
    expect(after).toHaveLength(3);
    after.forEach((n, i) => expect(n).toBeGreaterThan(before[i]!));
    for (const client of sessions) {
      for (const url of fleet.urls) {
        const other = new CookieClient(url);
        other.jar.set('portcullis_sid', client.jar.get('portcullis_sid')!);
        expect((await other.get('/app/x', JSON_ACCEPT)).status).toBe(200);
      }
    }
  });

  it('counts failed logins across gateways and locks the user out on either', async () => {
    for (let i = 0; i < 5; i++) expect((await loginWithForm(new CookieClient(fleet.urls[i % 2]!), 'carol', `wrong-${i}`)).status).toBe(401);
    const locked = await loginWithForm(new CookieClient(fleet.urls[1]!), 'carol', 'wrong-5');
    expect(locked.status).toBe(429);
    expect(locked.text).toContain('Too many failed logins');
  });

  it('lets exactly one gateway use a replay-cache entry, for keys on every master', async () => {
    const [one, two] = fleet.gateways.map((g) => g.context.store) as [typeof fleet.gateways[0]['context']['store'], typeof fleet.gateways[0]['context']['store']];
    for (let i = 0; i < 9; i++) {
      const key = `saml:assertion:id-${i}`;
      const answers = await Promise.all([one.setIfAbsent(key, 1, 60), two.setIfAbsent(key, 1, 60), one.setIfAbsent(key, 1, 60)]);
      expect(answers.filter(Boolean)).toHaveLength(1);
    }
  });

  it('a master killed under load: its replica takes over and every session works again, with no anonymous pass', async () => {
    const victim = sessions[0]!;
    const master = await cluster.masterOf(PREFIX + storeKeyOf(victim.jar.get('portcullis_sid')!));
    const load = startLoad(
      sessions.map((s, i) => {
        const c = new CookieClient(fleet.urls[i % 2]!);
        c.jar.set('portcullis_sid', s.jar.get('portcullis_sid')!);
        return c;
      }),
      '/app/x',
    );
    await new Promise((r) => setTimeout(r, 300));
    const killedAt = Date.now();
    await master.kill();
    await until(async () => (await victim.get('/app/x', JSON_ACCEPT)).status === 200 && (await cluster.masterOf(PREFIX + storeKeyOf(victim.jar.get('portcullis_sid')!))) !== master, 20_000, 'the session on the killed master did not come back');
    const recoveredAfter = Date.now() - killedAt;
    await new Promise((r) => setTimeout(r, 500));
    const report = await load.stop();
    console.log(`cluster master killed: session served again after ${recoveredAfter} ms; ${report.requests} requests, ${report.requests - report.ok} failed ${JSON.stringify(report.statuses)}, ${report.waited} waited > 200 ms, longest ${report.maxMs} ms`);
    for (const status of Object.keys(report.statuses).map(Number)) expect([200, 503]).toContain(status);
    expect(upstream.withoutToken).toBe(0);
    for (const client of sessions) expect((await client.get('/app/x', JSON_ACCEPT)).status).toBe(200);
  });
});
