import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { redisSchema, type PortcullisConfig } from '@portcullis/config/schema/index.js';
import { errors, GatewayError } from '../errors.js';
import { createRedisClient, redisAddressOf } from '../sessions/redis-client.js';
import { FileDurableStore } from './file-store.js';
import { MemoryDurableStore } from './memory-store.js';
import { PostgresDurableStore } from './postgres-store.js';
import { redisPersistence } from './redis-persistence.js';
import { RedisDurableStore } from './redis-store.js';
import type { DurableStore } from './store.js';

export interface DurableStoreContext {
  configDir: string;
  env: NodeJS.ProcessEnv;
  log: Logger;
}

/**
 * The configured durable store, connected and checked: a file store under `dataDir` unless
 * configured otherwise. A backend that cannot keep what it is given (memory in production, a
 * Redis without an append-only file) is refused here, at start, never discovered after a crash.
 */
export async function createDurableStore(config: Pick<PortcullisConfig, 'durable'>, dataDir: string, context: DurableStoreContext): Promise<DurableStore> {
  const settings = config.durable;
  switch (settings.backend) {
    case 'memory':
      if (context.env.NODE_ENV === 'production') throw errors.devShortcutInProduction("durable.backend 'memory' (every credential and approval is lost at exit)");
      return new MemoryDurableStore();
    case 'file':
      return FileDurableStore.open(resolve(dataDir, settings.file.dir), { lockTimeoutMs: settings.file.lockTimeoutMs });
    case 'postgres':
      return PostgresDurableStore.open(settings.postgres!, context);
    case 'redis':
      return openRedis(settings.redis ?? redisSchema.parse({}), settings.acceptRedisWithoutPersistence, context);
  }
}

async function openRedis(redis: NonNullable<PortcullisConfig['durable']['redis']>, acceptWithoutPersistence: boolean, context: DurableStoreContext): Promise<DurableStore> {
  const client = await createRedisClient(redis, { ...context, configPath: 'durable.redis' });
  const address = redisAddressOf(redis);
  try {
    const persistence = await redisPersistence(client);
    if (!persistence.appendOnly && !acceptWithoutPersistence) {
      const snapshots = persistence.snapshots ? `only RDB snapshots ('save ${persistence.snapshots}') lose every write since the last one` : 'it keeps nothing on disk';
      throw new GatewayError(
        'GW_CONFIG_INVALID',
        500,
        `durable.redis: Redis at ${address} has appendonly no: ${snapshots}; turn on appendonly there, or set durable.acceptRedisWithoutPersistence: true to accept the loss`,
      );
    }
    if (!persistence.appendOnly) context.log.warn({ address }, 'durable store on a Redis without an append-only file: a crash loses recent credentials and approvals');
    else if (persistence.appendFsync && persistence.appendFsync !== 'always') {
      context.log.info({ address, appendfsync: persistence.appendFsync }, 'durable store on Redis: a power loss may lose the last second of writes (appendfsync always prevents it)');
    }
  } catch (err) {
    client.disconnect();
    if (err instanceof GatewayError) throw err;
    throw new GatewayError('GW_STORE_UNAVAILABLE', 503, `durable.redis: cannot ask Redis at ${address} what it persists: ${(err as Error).message}`, { cause: err });
  }
  return new RedisDurableStore(client, { keyPrefix: redis.keyPrefix, address });
}
