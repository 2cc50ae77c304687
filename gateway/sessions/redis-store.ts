import type { Redis, Cluster } from 'ioredis';
import type { ExpiringStore } from './store.js';

/**
 * The shared store for several gateway processes: sessions, login counters and replay
 * caches on Redis. Values are JSON; every key gets the configured prefix and a TTL, so
 * nothing lives forever. The client is passed in (cluster and sentinel are ioredis options).
 */
export class RedisStore implements ExpiringStore {
  readonly #redis: Redis | Cluster;
  readonly #prefix: string;

  constructor(redis: Redis | Cluster, prefix: string) {
    this.#redis = redis;
    this.#prefix = prefix;
    // INCR and the window's expiry in one step, so a crash between them cannot leave a counter without TTL.
    this.#redis.defineCommand('portcullisIncrement', {
      numberOfKeys: 1,
      lua: "local n = redis.call('INCR', KEYS[1]) if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end return n",
    });
  }

  async get<T>(key: string): Promise<T | undefined> {
    const raw = await this.#redis.get(this.#prefix + key);
    return raw === null ? undefined : (JSON.parse(raw) as T);
  }

  async set<T>(key: string, value: T, ttlSeconds: number): Promise<void> {
    await this.#redis.set(this.#prefix + key, JSON.stringify(value), 'EX', Math.max(1, Math.ceil(ttlSeconds)));
  }

  async setIfAbsent<T>(key: string, value: T, ttlSeconds: number): Promise<boolean> {
    const answer = await this.#redis.set(this.#prefix + key, JSON.stringify(value), 'EX', Math.max(1, Math.ceil(ttlSeconds)), 'NX');
    return answer === 'OK';
  }

  async delete(key: string): Promise<void> {
    await this.#redis.del(this.#prefix + key);
  }

  async increment(key: string, windowSeconds: number): Promise<number> {
    const command = (this.#redis as unknown as { portcullisIncrement(key: string, ttl: number): Promise<number> }).portcullisIncrement;
    return Number(await command.call(this.#redis, this.#prefix + key, Math.max(1, Math.ceil(windowSeconds))));
  }

  async ping(): Promise<void> {
    await this.#redis.ping();
  }

  async close(): Promise<void> {
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }
}
