import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { durableSchema } from '../../../config/schema/index.js';
import { createDurableStore } from '../../../gateway/durable/create-durable-store.js';
import { startTestRedis, type TestRedis } from '../../support/redis.js';
import { durableConformance } from './conformance.js';

/** The conformance suite on a real redis-server with an append-only file, and the refusal of one without. */
const silent = pino({ level: 'silent' });
const context = { configDir: process.cwd(), env: {}, log: silent };
const configFor = (redis: TestRedis, extra: Record<string, unknown> = {}) => ({
  durable: durableSchema.parse({ backend: 'redis', redis: { url: redis.url, keyPrefix: 'conformance:', connectTimeoutMs: 1000 }, ...extra }),
});

describe('Redis durable store', () => {
  let persistent: Awaited<ReturnType<typeof startTestRedis>>;
  durableConformance(async () => {
    persistent = await startTestRedis(['--appendonly', 'yes', '--appendfsync', 'always']);
    return { name: 'redis', open: () => createDurableStore(configFor(persistent), '/nonexistent', context), survivesReopen: true, stop: () => persistent.stop() };
  });

  it('keeps its records through a restart of Redis itself (the append-only file)', async () => {
    const store = await createDurableStore(configFor(persistent), '/nonexistent', context);
    await store.put('restart/k', { kept: true }, 'absent');
    await store.close();
    await persistent.process.kill();
    await persistent.process.restart();
    const again = await createDurableStore(configFor(persistent), '/nonexistent', context);
    expect(await again.get('restart/k')).toEqual({ value: { kept: true }, version: 1 });
    await again.close();
  });

  it('is refused at start on a Redis without an append-only file, naming the address and the way out', async () => {
    const volatile = await startTestRedis();
    try {
      const err = (await createDurableStore(configFor(volatile), "/nonexistent", context).catch((e: unknown) => e)) as Error & { code: string };
      expect(err).toMatchObject({ code: 'GW_CONFIG_INVALID' });
      expect(err.message).toContain(volatile.url);
      expect(err.message).toContain('appendonly no');
      expect(err.message).toContain('durable.acceptRedisWithoutPersistence');
      const accepted = await createDurableStore(configFor(volatile, { acceptRedisWithoutPersistence: true }), '/nonexistent', context);
      expect(await accepted.put('k', 1, 'absent')).toBe(1);
      await accepted.close();
    } finally {
      await volatile.stop();
    }
  });

  it('refuses a Redis it cannot reach with a 503 that names durable.redis', async () => {
    const gone = await startTestRedis(['--appendonly', 'yes']);
    await gone.stop();
    await expect(createDurableStore(configFor(gone), '/nonexistent', context)).rejects.toMatchObject({ code: 'GW_STORE_UNAVAILABLE', message: expect.stringContaining('durable.redis') });
  });
});
