import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { join } from 'node:path';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { startTestRedis, type TestRedis } from '../support/redis.js';
import { demoConfig, startTestGateway, type TestGateway } from '../support/gateway.js';
import { CookieClient, loginWithForm } from '../support/http-client.js';

describe('two gateways share sessions and lockouts through a real Redis', () => {
  let redis: TestRedis;
  let a: TestGateway;
  let b: TestGateway;

  beforeAll(async () => {
    redis = await startTestRedis();
    const shared = await mkdtemp(join(tmpdir(), 'portcullis-shared-'));
    const configure = async (dir: string) => ({
      ...(await demoConfig(dir)),
      server: { dataDir: join(shared, 'data') },
      session: { store: 'redis' as const, redis: { url: redis.url, keyPrefix: 'test:' } },
      loginThrottle: { maxFailuresPerUser: 2 },
    });
    a = await startTestGateway(configure);
    b = await startTestGateway(configure);
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await redis?.stop();
  });

  it('a session made on one gateway works on the other, and logout on either ends it', async () => {
    const onA = new CookieClient(a.url);
    await loginWithForm(onA, 'bob', 'builder');
    const onB = new CookieClient(b.url);
    onB.jar.set('portcullis_sid', onA.jar.get('portcullis_sid')!);
    expect((await onB.get('/admin/whoami')).json().user).toBe('bob');

    await onB.get('/logout');
    expect((await onA.get('/app/whoami')).status).toBe(401);
  });

  it('keeps only digests of session ids in Redis, each with an expiry', async () => {
    const client = new CookieClient(a.url);
    await loginWithForm(client, 'alice', 'wonderland');
    const id = client.jar.get('portcullis_sid')!;
    const direct = new Redis(redis.url);
    try {
      const keys = await direct.keys('test:*');
      expect(keys.some((k) => k.includes(id))).toBe(false);
      const sessionKeys = keys.filter((k) => k.startsWith('test:session:'));
      expect(sessionKeys.length).toBeGreaterThan(0);
      for (const key of sessionKeys) expect(await direct.ttl(key)).toBeGreaterThan(0);
      const values = await Promise.all(sessionKeys.map((k) => direct.get(k)));
      expect(values.join('')).not.toContain(id);
    } finally {
      direct.disconnect();
    }
  });

  it('counts failed logins across gateways', async () => {
    expect((await loginWithForm(new CookieClient(a.url), 'carol', 'wrong-1')).status).toBe(401);
    expect((await loginWithForm(new CookieClient(b.url), 'carol', 'wrong-2')).status).toBe(401);
    expect((await loginWithForm(new CookieClient(a.url), 'carol', 'wrong-3')).status).toBe(429);
  });

  it('fails at start with a clear error when Redis cannot be reached', async () => {
    const configure = async (dir: string) => ({ ...(await demoConfig(dir)), session: { store: 'redis' as const, redis: { url: 'redis://127.0.0.1:1', connectTimeoutMs: 500 } } });
    await expect(startTestGateway(configure)).rejects.toMatchObject({ code: 'GW_STORE_UNAVAILABLE' });
  });
});
