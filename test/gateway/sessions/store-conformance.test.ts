import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { sessionSchema, type PortcullisConfig } from '../../../config/schema/index.js';
import { createStore } from '../../../gateway/sessions/create-store.js';
import { MemoryStore } from '../../../gateway/sessions/memory-store.js';
import type { ExpiringStore } from '../../../gateway/sessions/store.js';
import { startTestCluster, startTestRedis, startTestSentinel, until, type TestCluster } from '../../support/redis.js';

/**
 * One contract, every backend: the memory store (with a frozen clock), a standalone Redis,
 * a Redis behind three sentinels and a three-master Cluster, all real servers. Slow: about
 * 15 s, most of it starting the Sentinel and Cluster setups.
 */
interface Backend {
  name: string;
  /** a fresh store on the backend; Redis backends give every call its own connection */
  open(): Promise<ExpiringStore>;
  /** let `ms` pass for the store's expiry: a frozen clock moves, a real server is waited for */
  pass(ms: number): Promise<void>;
  shared: boolean;
  stop(): Promise<void>;
  cluster?: TestCluster;
}

const silent = pino({ level: 'silent' });
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function redisBackend(name: string, redis: Record<string, unknown>, stop: () => Promise<void>): Backend {
  const config = { session: sessionSchema.parse({ store: 'redis', redis: { keyPrefix: `conf-${Date.now()}:`, ...redis } }) } as PortcullisConfig;
  return { name, open: () => createStore(config, process.cwd(), {}, silent), pass: sleep, shared: true, stop };
}

async function memoryBackend(): Promise<Backend> {
  let t = 1_700_000_000_000;
  const store = new MemoryStore({ maxEntries: 10_000, now: () => t });
  return {
    name: 'memory (frozen clock)',
    open: async () => store,
    pass: async (ms) => {
      t += ms;
    },
    shared: false,
    stop: async () => undefined,
  };
}

const backends: Backend[] = [];
const opened: ExpiringStore[] = [];

beforeAll(async () => {
  const [standalone, sentinel, cluster] = await Promise.all([startTestRedis(), startTestSentinel(), startTestCluster()]);
  backends.push(await memoryBackend());
  backends.push(redisBackend('standalone Redis', { url: standalone.url }, standalone.stop));
  backends.push(redisBackend('Redis Sentinel', { mode: 'sentinel', sentinels: sentinel.sentinels, masterName: sentinel.masterName }, sentinel.stop));
  backends.push({ ...redisBackend('Redis Cluster', { mode: 'cluster', nodes: cluster.nodes }, cluster.stop), cluster });
}, 90_000);

afterAll(async () => {
  for (const store of opened) await store.close().catch(() => undefined);
  for (const backend of backends) await backend.stop();
});

async function open(backend: Backend): Promise<ExpiringStore> {
  const store = await backend.open();
  opened.push(store);
  return store;
}

describe.each(['memory (frozen clock)', 'standalone Redis', 'Redis Sentinel', 'Redis Cluster'])('the store contract on %s', (name) => {
  const backend = () => backends.find((b) => b.name === name)!;
  let store: ExpiringStore;
  beforeAll(async () => {
    store = await open(backend());
  });

  it('answers undefined for an unknown key and a value for a known one, until it is deleted', async () => {
    expect(await store.get('nothing-here')).toBeUndefined();
    await store.set('k1', { a: 1, list: [1, 'two', null], nested: { deep: true } }, 60);
    expect(await store.get('k1')).toEqual({ a: 1, list: [1, 'two', null], nested: { deep: true } });
    await store.delete('k1');
    expect(await store.get('k1')).toBeUndefined();
    await expect(store.delete('k1')).resolves.toBeUndefined(); // deleting twice is not an error
  });

  it('keeps unicode keys and values exactly, and large values whole', async () => {
    const value = { name: 'Zoë ｄave 😀 \u0000 \u202e', text: 'ß'.repeat(10) };
    await store.set('user-sessions:ｄave😀', value, 60);
    expect(await store.get('user-sessions:ｄave😀')).toEqual(value);
    expect(await store.get('user-sessions:dave😀')).toBeUndefined(); // another spelling is another key
    const large = { blob: 'x'.repeat(2 * 1024 * 1024), n: 42 };
    await store.set('large', large, 60);
    expect(await store.get('large')).toEqual(large);
  });

  it('expires entries after their TTL, and a new set starts a new TTL', async () => {
    await store.set('short', 'v', 0.4);
    await store.set('renewed', 'v', 0.4);
    expect(await store.get('short')).toBe('v');
    await backend().pass(250);
    await store.set('renewed', 'v2', 0.4);
    await backend().pass(350);
    expect(await store.get('short')).toBeUndefined();
    expect(await store.get('renewed')).toBe('v2');
    await backend().pass(200);
    expect(await store.get('renewed')).toBeUndefined();
  });

  it('sets if absent for exactly one of many concurrent callers, and again after expiry', async () => {
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => store.setIfAbsent('replay:assertion-1', { by: i }, 0.4)));
    expect(answers.filter(Boolean)).toHaveLength(1);
    const winner = answers.indexOf(true);
    expect(await store.get('replay:assertion-1')).toEqual({ by: winner });
    expect(await store.setIfAbsent('replay:assertion-1', { by: 'late' }, 0.4)).toBe(false);
    await backend().pass(600);
    expect(await store.setIfAbsent('replay:assertion-1', { by: 'after' }, 60)).toBe(true);
  });

  it('counts concurrent increments without losing one, and starts a new window after expiry', async () => {
    const counts = await Promise.all(Array.from({ length: 200 }, () => store.incrementWindow('counter:a', 1)));
    expect(counts.map((c) => c.count).sort((x, y) => x - y)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    for (const c of counts) expect(c.resetInSeconds).toBe(1);
    expect(await store.increment('counter:a', 1)).toBe(201);
    await backend().pass(1_200);
    expect(await store.increment('counter:a', 1)).toBe(1);
    const window = await store.incrementWindow('counter:b', 60);
    expect(window).toEqual({ count: 1, resetInSeconds: 60 });
  });

  it('changes a list atomically: concurrent adds all land, removes drop only their entries, the newest max are kept', async () => {
    const key = 'user-sessions:list-user';
    await Promise.all(Array.from({ length: 40 }, (_, i) => store.updateList(key, { add: `session:${i}` }, 50, 60)));
    const all = (await store.get<string[]>(key))!;
    expect([...all].sort()).toEqual(Array.from({ length: 40 }, (_, i) => `session:${i}`).sort());
    // a remove racing with an add: the add survives
    await Promise.all([store.updateList(key, { remove: ['session:0', 'session:1'] }, 50, 60), store.updateList(key, { add: 'session:new' }, 50, 60)]);
    const after = (await store.get<string[]>(key))!;
    expect(after).toContain('session:new');
    expect(after).not.toContain('session:0');
    expect(after).toHaveLength(39);
    expect(await store.updateList(key, { remove: after }, 50, 60)).toEqual([]);
    expect(await store.get(key)).toBeUndefined(); // an emptied list is gone
    // adding again moves an entry to the end instead of doubling it; `max` keeps the newest
    for (const entry of ['a', 'b', 'c', 'a']) await store.updateList('user-sessions:order', { add: entry }, 3, 60);
    expect(await store.get('user-sessions:order')).toEqual(['b', 'c', 'a']);
    expect(await store.updateList('user-sessions:order', { add: 'd' }, 3, 60)).toEqual(['c', 'a', 'd']);
    // it expires like any entry
    await store.updateList('user-sessions:short', { add: 'session:x' }, 50, 0.4);
    await backend().pass(600);
    expect(await store.get('user-sessions:short')).toBeUndefined();
  });

  it('answers a ping', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
  });

  it('shares everything between two gateways (two stores) when the backend is shared', async () => {
    if (!backend().shared) {
      // the memory store belongs to one process: a second gateway has its own
      const other = new MemoryStore({ maxEntries: 10 });
      await store.set('only-here', 1, 60);
      expect(await other.get('only-here')).toBeUndefined();
      return;
    }
    const second = await open(backend());
    await store.set('shared', { v: 1 }, 60);
    expect(await second.get('shared')).toEqual({ v: 1 });
    const [a, b] = await Promise.all([store.increment('counter:shared', 60), second.increment('counter:shared', 60)]);
    expect([a, b].sort()).toEqual([1, 2]);
  });

  it('invalidates a cached session on every gateway within a second of a change or delete', async () => {
    if (!backend().shared) return expect(backend().name).toContain('memory');
    const reader = await open(backend());
    const writer = await open(backend());
    await writer.set('session:abc', { roles: ['admin'] }, 60);
    expect(await reader.get('session:abc')).toEqual({ roles: ['admin'] }); // now cached in `reader`
    expect(await reader.get('session:abc')).toEqual({ roles: ['admin'] });
    const changedAt = Date.now();
    await writer.set('session:abc', { roles: ['user'] }, 60);
    await until(async () => JSON.stringify(await reader.get('session:abc')) === JSON.stringify({ roles: ['user'] }), 1_000, 'role change not seen within 1 s');
    expect(Date.now() - changedAt).toBeLessThan(1_000);
    const deletedAt = Date.now();
    await writer.delete('session:abc');
    await until(async () => (await reader.get('session:abc')) === undefined, 1_000, 'logout not seen within 1 s');
    expect(Date.now() - deletedAt).toBeLessThan(1_000);
  });
});

describe('keys on a Cluster', () => {
  it('spread over all three masters, each operation on one key', async () => {
    const cluster = backends.find((b) => b.cluster)!.cluster!;
    const store = await open(backends.find((b) => b.cluster)!);
    const before = await cluster.keysPerMaster();
    for (let i = 0; i < 30; i++) {
      await store.set(`session:spread-${i}`, { i }, 60);
      expect(await store.get(`session:spread-${i}`)).toEqual({ i });
      expect(await store.increment(`login-failures:user:spread-${i}`, 60)).toBe(1);
    }
    const after = await cluster.keysPerMaster();
    expect(after).toHaveLength(3);
    after.forEach((n, i) => expect(n).toBeGreaterThan(before[i]!));
  });
});
