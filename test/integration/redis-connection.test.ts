import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { pino } from 'pino';
import { sessionSchema, type PortcullisConfig } from '../../config/schema/index.js';
import { createStore } from '../../gateway/sessions/create-store.js';
import { createDevCertificates, type DevCertificates } from '../../gateway/certs/index.js';
import { freePort, startTestRedis, type TestRedis } from '../support/redis.js';

/**
 * How a gateway connects to Redis: TLS with a private CA, a password from a secret
 * reference, and a clear start error naming the address for every topology. About 5 s.
 */
const silent = pino({ level: 'silent' });
const configOf = (redis: Record<string, unknown>) => ({ session: sessionSchema.parse({ store: 'redis', redis: { connectTimeoutMs: 1_000, ...redis } }) }) as PortcullisConfig;

let dir: string;
let certs: DevCertificates;
let tlsRedis: TestRedis;
let tlsPort: number;
let locked: TestRedis;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'portcullis-redis-tls-'));
  certs = await createDevCertificates({ dir, hosts: ['127.0.0.1', 'localhost'] });
  tlsPort = await freePort();
  tlsRedis = await startTestRedis(['--tls-port', String(tlsPort), '--tls-cert-file', certs.server.cert, '--tls-key-file', certs.server.key, '--tls-ca-cert-file', certs.ca.cert, '--tls-auth-clients', 'no']);
  locked = await startTestRedis(['--requirepass', 'correct horse battery']);
});
afterAll(async () => {
  await tlsRedis?.stop();
  await locked?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('TLS to Redis', () => {
  it('connects with rediss:// and the CA file, and works', async () => {
    const store = await createStore(configOf({ url: `rediss://127.0.0.1:${tlsPort}`, tls: { caFile: certs.ca.cert } }), dir, {}, silent);
    try {
      await store.set('tls-probe', { ok: true }, 10);
      expect(await store.get('tls-probe')).toEqual({ ok: true });
      await expect(store.ping()).resolves.toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it('refuses a server whose certificate the system CAs do not trust, naming the address', async () => {
    await expect(createStore(configOf({ url: `rediss://127.0.0.1:${tlsPort}` }), dir, {}, silent)).rejects.toMatchObject({
      code: 'GW_STORE_UNAVAILABLE',
      message: expect.stringContaining(`rediss://127.0.0.1:${tlsPort}`),
    });
  });

  it('a plain connection to the TLS port fails at start instead of hanging', async () => {
    const started = Date.now();
    await expect(createStore(configOf({ url: `redis://127.0.0.1:${tlsPort}` }), dir, {}, silent)).rejects.toMatchObject({ code: 'GW_STORE_UNAVAILABLE' });
    expect(Date.now() - started).toBeLessThan(4_000);
  });
});

describe('a password from a secret reference', () => {
  it('is resolved and used; a wrong one fails at start without showing it', async () => {
    const store = await createStore(configOf({ url: locked.url, password: 'env://REDIS_PASSWORD' }), dir, { REDIS_PASSWORD: 'correct horse battery' }, silent);
    await store.set('auth-probe', 1, 10);
    expect(await store.get('auth-probe')).toBe(1);
    await store.close();
    const wrong = createStore(configOf({ url: locked.url, password: 'plain://not the password' }), dir, {}, silent);
    await expect(wrong).rejects.toMatchObject({ code: 'GW_STORE_UNAVAILABLE', message: expect.stringContaining(locked.url) });
    await expect(wrong).rejects.not.toMatchObject({ message: expect.stringContaining('not the password') });
  });
});

describe('a Redis that cannot be reached at start', () => {
  it.each([
    ['standalone', { url: 'redis://127.0.0.1:1' }, 'redis://127.0.0.1:1'],
    ['sentinel', { mode: 'sentinel', sentinels: ['127.0.0.1:1', '127.0.0.1:2'], masterName: 'main' }, "sentinels 127.0.0.1:1, 127.0.0.1:2 (master 'main')"],
    ['cluster', { mode: 'cluster', nodes: ['127.0.0.1:1'] }, 'cluster nodes 127.0.0.1:1'],
  ])('%s: fails with GW_STORE_UNAVAILABLE naming the address', async (_mode, redis, address) => {
    const started = Date.now();
    await expect(createStore(configOf(redis), dir, {}, silent)).rejects.toMatchObject({ code: 'GW_STORE_UNAVAILABLE', message: expect.stringContaining(address) });
    expect(Date.now() - started).toBeLessThan(4_000);
  });
});

describe('the redis options', () => {
  it('refuse a topology without what it needs, and options of another topology', () => {
    const parse = (redis: Record<string, unknown>) => sessionSchema.safeParse({ store: 'redis', redis });
    expect(parse({ mode: 'sentinel', sentinels: ['127.0.0.1:26379'] }).error?.issues[0]).toMatchObject({ path: ['redis', 'masterName'] });
    expect(parse({ mode: 'cluster' }).error?.issues[0]).toMatchObject({ path: ['redis', 'nodes'] });
    expect(parse({ nodes: ['127.0.0.1:7000'] }).error?.issues[0]?.message).toContain('needs mode: cluster');
    expect(parse({ masterName: 'x' }).error?.issues[0]?.message).toContain('need mode: sentinel');
    expect(parse({ mode: 'cluster', nodes: ['no-port'] }).success).toBe(false);
    expect(parse({ url: 'redis://user:secret@127.0.0.1:6379' }).success).toBe(false);
    expect(parse({ sentinelPassword: 'inline-secret', mode: 'sentinel', sentinels: ['a:1'], masterName: 'm' }).success).toBe(false);
    expect(parse({ waitMs: 0 }).success).toBe(false);
    expect(parse({ mode: 'sentinel', sentinels: ['[::1]:26379', 'redis-a.internal:26379'], masterName: 'm', sentinelPassword: 'env://S' }).success).toBe(true);
  });
});
