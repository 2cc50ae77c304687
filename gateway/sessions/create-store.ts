import type { Logger } from 'pino';
import { redisSchema, type PortcullisConfig } from '@portcullis/config/schema/index.js';
import { resolveSecret } from '@portcullis/config/secrets.js';
import { GatewayError } from '../errors.js';
import { MemoryStore } from './memory-store.js';
import { RedisStore } from './redis-store.js';
import type { ExpiringStore } from './store.js';

/** Memory for one process; Redis when several gateways share sessions, counters and replay caches. */
export async function createStore(config: PortcullisConfig, configDir: string, env: NodeJS.ProcessEnv, log: Logger): Promise<ExpiringStore> {
  if (config.session.store !== 'redis') {
    // room for each session and its user's index; other entries (counters, replay caches) get their own cap
    return new MemoryStore({ maxSessionEntries: config.session.maxSessions * 2, maxEntries: config.session.maxSessions });
  }
  const settings = config.session.redis ?? redisSchema.parse({});
  // ioredis is loaded only when Redis is configured: a memory-store gateway never loads it.
  const { Redis } = await import('ioredis');
  const redis = new Redis(settings.url, {
    username: settings.username,
    password: settings.password ? await resolveSecret(settings.password, { configDir, env }) : undefined,
    connectTimeout: settings.connectTimeoutMs,
    lazyConnect: true,
    maxRetriesPerRequest: 2,
  });
  redis.on('error', (err) => log.error({ code: (err as { code?: string }).code, problem: err.message }, 'redis connection problem'));
  try {
    await redis.connect();
  } catch (cause) {
    redis.disconnect();
    throw new GatewayError('GW_STORE_UNAVAILABLE', 503, `session.redis.url: cannot connect to Redis at ${settings.url}`, { cause });
  }
  return new RedisStore(redis, settings.keyPrefix);
}
