import type { Logger } from 'pino';
import { redisSchema, type PortcullisConfig } from '@portcullis/config/schema/index.js';
import { MemoryStore } from './memory-store.js';
import { InvalidatedCache } from './invalidated-cache.js';
import { createRedisClient } from './redis-client.js';
import { RedisStore } from './redis-store.js';
import type { ExpiringStore } from './store.js';

/**
 * Memory for one process; Redis (standalone, Sentinel or Cluster) when several gateways share
 * sessions, counters and replay caches. A Redis that cannot be reached at start is an error
 * naming the address (`GW_STORE_UNAVAILABLE`), never a silent fallback to memory.
 */
export async function createStore(config: PortcullisConfig, configDir: string, env: NodeJS.ProcessEnv, log: Logger): Promise<ExpiringStore> {
  if (config.session.store !== 'redis') {
    // room for each session and its user's index; other entries (counters, replay caches) get their own cap
    return new MemoryStore({ maxSessionEntries: config.session.maxSessions * 2, maxEntries: config.session.maxSessions });
  }
  const settings = config.session.redis ?? redisSchema.parse({});
  // ioredis is loaded only when Redis is configured: a memory-store gateway never loads it.
  const redis = await createRedisClient(settings, { configDir, env, log });
  let cache: InvalidatedCache | undefined;
  if (settings.localCacheSeconds > 0) {
    try {
      cache = await InvalidatedCache.start(redis, {
        channel: `${settings.keyPrefix}invalidate`,
        ttlSeconds: settings.localCacheSeconds,
        maxEntries: settings.localCacheEntries,
        log,
      });
    } catch (err) {
      redis.disconnect();
      throw err;
    }
  }
  return new RedisStore(redis, { keyPrefix: settings.keyPrefix, waitMs: settings.waitMs, cache, log });
}
