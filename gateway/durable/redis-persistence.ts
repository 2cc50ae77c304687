import type { RedisClient } from '../sessions/redis-client.js';
import type { Redis } from 'ioredis';

/** What a Redis server keeps on disk, as far as it tells. */
export interface RedisPersistence {
  /** `appendonly yes`: every write goes to the append-only file */
  appendOnly: boolean;
  /** the RDB snapshot schedule (`save`), empty when none */
  snapshots: string;
  /** `appendfsync`, when CONFIG answers */
  appendFsync?: string;
}

/**
 * Ask each master (every node of a Cluster) what it persists: `CONFIG GET` first, and INFO
 * persistence where CONFIG is disabled (managed services rename it). The weakest master decides.
 */
export async function redisPersistence(client: RedisClient): Promise<RedisPersistence> {
  const nodes: Redis[] = 'nodes' in client && typeof client.nodes === 'function' && client.isCluster ? client.nodes('master') : [client as Redis];
  let weakest: RedisPersistence | undefined;
  for (const node of nodes) {
    const found = await persistenceOf(node);
    if (!weakest || (weakest.appendOnly && !found.appendOnly)) weakest = found;
  }
  return weakest!;
}

async function persistenceOf(node: Redis): Promise<RedisPersistence> {
  try {
    const pairs = (await node.call('CONFIG', 'GET', 'appendonly')) as string[];
    const save = (await node.call('CONFIG', 'GET', 'save')) as string[];
    const fsync = (await node.call('CONFIG', 'GET', 'appendfsync')) as string[];
    return { appendOnly: pairs[1] === 'yes', snapshots: save[1] ?? '', appendFsync: fsync[1] };
  } catch {
    const info = await node.info('persistence');
    return { appendOnly: /^aof_enabled:1\s*$/m.test(info), snapshots: /^rdb_last_save_time:/m.test(info) ? '(unknown schedule)' : '' };
  }
}
