import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedis, type TestRedis } from '../support/redis.js';
import { GatewayFleet, RecordingUpstream } from '../support/gateway-fleet.js';
import { TestLoadBalancer } from '../support/load-balancer.js';
import { CookieClient, loginWithForm } from '../support/http-client.js';

/**
 * Three gateways on one standalone Redis: one session everywhere, revocation on every
 * gateway within a second despite their local caches, limits counted once for the fleet,
 * Redis outages answered 503 and recovered from without a restart, and a rolling restart
 * behind a load balancer. About 20 s.
 */
const JSON_ACCEPT = { accept: 'application/json' };
const HTML_ACCEPT = { accept: 'text/html' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let redis: TestRedis & { process: import('../support/redis.js').RedisProcess };
let upstream: RecordingUpstream;
let fleet: GatewayFleet;

beforeAll(async () => {
  redis = await startTestRedis();
  upstream = new RecordingUpstream();
  await upstream.start();
  fleet = await new GatewayFleet({ redis: { url: redis.url, keyPrefix: 'fleet:', waitMs: 1_000 }, upstream: upstream.url }).start();
});
afterAll(async () => {
  await fleet?.stop();
  await upstream?.stop();
  await redis?.stop();
});

/** Poll `url` with the client every 10 ms until it answers `status`; answers the time it took. */
async function msUntil(client: CookieClient, path: string, status: number, limitMs = 3_000): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < limitMs) {
    if ((await client.get(path, JSON_ACCEPT)).status === status) return Date.now() - start;
    await sleep(10);
  }
  throw new Error(`${client.base}${path} did not answer ${status} within ${limitMs} ms`);
}

/** The status of one GET through the balancer; 0 when the connection broke. */
async function statusOf(user: CookieClient): Promise<number> {
  try {
    return (await user.get('/app/x', JSON_ACCEPT)).status;
  } catch {
    return 0;
  }
}

function sameSession(from: CookieClient, base: string): CookieClient {
  const other = new CookieClient(base);
  other.jar.set('portcullis_sid', from.jar.get('portcullis_sid')!);
  return other;
}

describe('three gateways share one session', () => {
  it('log in on one, use the others, log out on a third: the other two refuse the cookie within 1 s', async () => {
    const [a, b, c] = fleet.urls as [string, string, string];
    const onA = new CookieClient(a);
    expect((await loginWithForm(onA, 'bob', 'builder')).status).toBe(303);
    const onB = sameSession(onA, b);
    const onC = sameSession(onA, c);
    // used on every gateway, twice, so each holds the session in its local cache
    for (const client of [onA, onB, onC, onA, onB, onC]) expect((await client.get('/app/x', JSON_ACCEPT)).status).toBe(200);

    const loggedOutAt = Date.now();
    expect((await onC.get('/logout')).status).toBeLessThan(400);
    const [onAms, onBms] = await Promise.all([msUntil(onA, '/app/x', 401), msUntil(onB, '/app/x', 401)]);
    console.log(`logout on gateway 3 refused on gateway 1 after ${onAms} ms, on gateway 2 after ${onBms} ms`);
    expect(Math.max(onAms, onBms)).toBeLessThan(1_000);
    expect(Date.now() - loggedOutAt).toBeLessThan(1_500);
  });

  it('a session ended from another device (single logout) is refused on every gateway within 1 s', async () => {
    const [a, b, c] = fleet.urls as [string, string, string];
    const onA = new CookieClient(a);
    await loginWithForm(onA, 'alice', 'wonderland');
    const onB = sameSession(onA, b);
    for (const client of [onA, onB, onA, onB]) expect((await client.get('/app/x', JSON_ACCEPT)).status).toBe(200);
    const ended = await fleet.gateways.find((g) => g.url === c)!.context.sessions.endSessionsOf('alice');
    expect(ended).toBe(1);
    const times = await Promise.all([msUntil(onA, '/app/x', 401), msUntil(onB, '/app/x', 401)]);
    expect(Math.max(...times)).toBeLessThan(1_000);
  });
});

describe('limits count once for the whole fleet', () => {
  it('with 120 per minute per address, the rate-limit filter refuses the 121st request spread over three gateways', async () => {
    const statuses: number[] = [];
    const client = { ...JSON_ACCEPT, 'x-forwarded-for': '198.51.100.7' };
    for (let i = 0; i < 125; i++) statuses.push((await fetch(`${fleet.urls[i % 3]}/limited/x`, { headers: client })).status);
    // another address has a limit of its own
    expect((await fetch(`${fleet.urls[0]}/limited/x`, { headers: { ...JSON_ACCEPT, 'x-forwarded-for': '198.51.100.8' } })).status).toBe(200);
    expect(statuses.slice(0, 120).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(120)).toEqual([429, 429, 429, 429, 429]);
  });

  it('the entry-point limit refuses the 121st anonymous login post of 125 sent at once to three gateways', async () => {
    const answers = await Promise.all(
      Array.from({ length: 125 }, (_, i) =>
        fetch(`${fleet.urls[i % 3]}/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': '198.51.100.9', ...JSON_ACCEPT },
          body: 'username=x&password=y',
        }),
      ),
    );
    const limited = answers.filter((r) => r.status === 429);
    expect(limited).toHaveLength(5);
    expect(answers.filter((r) => r.status === 403)).toHaveLength(120); // no CSRF value: refused, but counted first
    const body = (await limited[0]!.json()) as { code: string };
    expect(body.code).toBe('GW_RATE_LIMITED');
    const retryAfter = Number(limited[0]!.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
  });
});

describe('when Redis fails', () => {
  it('a frozen Redis: within a second, requests with a session wait at most waitMs, then 503 (JSON or a page), never pass; the same session works once Redis answers', async () => {
    const [a] = fleet.urls as [string];
    const client = new CookieClient(a);
    await loginWithForm(client, 'bob', 'builder');
    expect((await client.get('/app/x', JSON_ACCEPT)).status).toBe(200);
    const before = upstream.withToken + upstream.withoutToken;
    redis.process.pause();
    try {
      // a session in a gateway's local cache is served until its invalidation channel has been silent for 750 ms
      await sleep(800);
      const started = Date.now();
      const api = await client.get('/app/x', JSON_ACCEPT);
      const waited = Date.now() - started;
      expect(api.status).toBe(503);
      expect(api.json()).toMatchObject({ statusCode: 503, code: 'GW_STORE_UNAVAILABLE', error: 'Service Unavailable' });
      expect(api.json().message).toContain('session store is unavailable');
      expect(api.headers.get('retry-after')).toBe('5');
      expect(waited).toBeGreaterThanOrEqual(900);
      expect(waited).toBeLessThan(3_000);
      const page = await client.get('/app/x', HTML_ACCEPT);
      expect(page.status).toBe(503);
      expect(page.headers.get('content-type')).toContain('text/html');
      expect(page.text).toContain('session store is unavailable');
      expect(page.text).not.toContain('GatewayError');
      const login = await loginWithForm(new CookieClient(a), 'alice', 'wonderland');
      expect(login.status).toBe(503);
      // a rate-limited anonymous route cannot count, so it refuses too
      const limited = await fetch(`${a}/limited/x`, { headers: { ...JSON_ACCEPT, 'x-forwarded-for': '198.51.100.20' } });
      expect(limited.status).toBe(503);
      expect(((await limited.json()) as { code: string }).code).toBe('GW_STORE_UNAVAILABLE');
      await expect(fleet.gateways[0]!.context.store.ping()).rejects.toMatchObject({ code: 'GW_STORE_UNAVAILABLE', statusCode: 503 });
      expect(upstream.withToken + upstream.withoutToken).toBe(before); // nothing reached the engine
    } finally {
      redis.process.resume();
    }
    await msUntil(client, '/app/x', 200, 5_000);
    await expect(fleet.gateways[0]!.context.store.ping()).resolves.toBeUndefined();
    const logs = fleet.gateways[0]!.logs();
    expect(logs).toContain('GW_STORE_UNAVAILABLE');
    expect(logs).not.toContain(client.jar.get('portcullis_sid')!);
  });

  it('a Redis that was down and comes back empty: 503 while down, then logins work again without a gateway restart', async () => {
    const [, b] = fleet.urls as [string, string];
    const client = new CookieClient(b);
    await loginWithForm(client, 'bob', 'builder');
    await redis.process.kill();
    const down = await client.get('/app/x', JSON_ACCEPT);
    expect(down.status).toBe(503);
    expect(down.json().code).toBe('GW_STORE_UNAVAILABLE');
    // down for longer than waitMs: refused at once, nothing held or queued
    await sleep(1_100);
    const started = Date.now();
    expect((await client.get('/app/x', JSON_ACCEPT)).status).toBe(503);
    expect(Date.now() - started).toBeLessThan(300);
    await redis.process.restart();
    // the restarted Redis kept nothing (no persistence): the old session is gone, never resurrected from a local cache
    expect(await msUntil(client, '/app/x', 401, 5_000)).toBeLessThan(5_000);
    const again = new CookieClient(b);
    expect((await loginWithForm(again, 'bob', 'builder')).status).toBe(303);
    expect((await again.get('/app/x', JSON_ACCEPT)).status).toBe(200);
    expect(upstream.withoutToken).toBe(0);
  });
});

describe('rolling restart behind a load balancer', () => {
  it('restarting each of three gateways in turn under load loses no session and fails no request', async () => {
    const lb = new TestLoadBalancer();
    await lb.start();
    lb.backends = fleet.urls;
    try {
      const users: CookieClient[] = [];
      for (let i = 0; i < 6; i++) {
        const c = new CookieClient(fleet.urls[i % 3]!);
        expect((await loginWithForm(c, i % 2 ? 'alice' : 'bob', i % 2 ? 'wonderland' : 'builder')).status).toBe(303);
        users.push(sameSession(c, lb.url));
      }
      let running = true;
      const outcomes: number[] = [];
      const load = users.map(async (user) => {
        while (running) outcomes.push(await statusOf(user));
      });
      await sleep(300);
      for (let i = 0; i < 3; i++) {
        const old = fleet.gateways[i]!.url;
        lb.backends = lb.backends.filter((u) => u !== old); // drain: no new requests go there
        await sleep(100);
        const fresh = await fleet.replace(i);
        lb.backends = [...lb.backends, fresh.url];
        await sleep(300);
      }
      running = false;
      await Promise.all(load);
      const ok = outcomes.filter((s) => s === 200).length;
      const lost = outcomes.filter((s) => s === 401).length;
      const failed = outcomes.length - ok;
      console.log(`rolling restart with draining: ${outcomes.length} requests, ${ok} ok, ${lost} sessions refused, ${failed} failed, balancer failures ${lb.failed}`);
      expect(outcomes.length).toBeGreaterThan(100);
      expect(lost).toBe(0);
      expect(failed).toBe(0);
      for (const user of users) expect((await user.get('/app/x', JSON_ACCEPT)).status).toBe(200);
    } finally {
      await lb.stop();
    }
  });

  it('without draining, requests are refused only by the gateway that is stopping, and no session is lost', async () => {
    const lb = new TestLoadBalancer();
    await lb.start();
    lb.backends = fleet.urls;
    try {
      const c = new CookieClient(fleet.urls[0]!);
      await loginWithForm(c, 'bob', 'builder');
      const user = sameSession(c, lb.url);
      let running = true;
      const outcomes: number[] = [];
      const load = Array.from({ length: 4 }, async () => {
        while (running) outcomes.push(await statusOf(user));
      });
      await sleep(200);
      const stopping = fleet.gateways[1]!.url;
      const fresh = await fleet.replace(1); // stop and start in place, the balancer still sends it traffic meanwhile
      lb.backends = lb.backends.map((u) => (u === stopping ? fresh.url : u));
      await sleep(300);
      running = false;
      await Promise.all(load);
      const refusedByOthers = [...lb.counts].filter(([url]) => url !== stopping).reduce((n, [, c]) => n + Object.entries(c.statuses).filter(([s]) => s !== '200').reduce((m, [, k]) => m + k, 0), 0);
      const atStopping = lb.counts.get(stopping);
      const refusedThere = Object.entries(atStopping?.statuses ?? {}).filter(([s]) => s !== '200').reduce((m, [, k]) => m + k, 0);
      console.log(
        `restart without draining: ${outcomes.length} requests, ${outcomes.filter((s) => s !== 200).length} failed; stopping gateway refused ${refusedThere} and broke ${atStopping?.connectionErrors ?? 0} connections (retried elsewhere); others refused ${refusedByOthers}`,
      );
      expect(refusedByOthers).toBe(0);
      expect(outcomes.filter((s) => s === 401)).toHaveLength(0);
      expect(outcomes.length - outcomes.filter((s) => s === 200).length).toBe(refusedThere + lb.failed);
    } finally {
      await lb.stop();
    }
  });
});
