import type { Logger } from 'pino';
import { GatewayError } from '../errors.js';
import type { InvalidatedCache } from './invalidated-cache.js';
import { withDeadline, type RedisClient } from './redis-client.js';
import type { ExpiringStore, ListChange, WindowCount } from './store.js';

export interface RedisStoreOptions {
  keyPrefix: string;
  /** the longest a store call may wait (reconnect, failover) before it fails with 503 */
  waitMs: number;
  /** local cache for session records, invalidated on every gateway by pub/sub */
  cache?: InvalidatedCache;
  log?: Logger;
}

/** Keys whose reads the local cache serves: the records every authenticated request reads. */
const CACHED_KEY = /^session:/;

// INCR and the window's expiry in one step, so a crash between them cannot leave a counter
// without TTL; also answers the window's remaining time for Retry-After.
const INCREMENT_WINDOW = `local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local left = redis.call('PTTL', KEYS[1])
if left < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) left = tonumber(ARGV[1]) end
return {n, left}`;

// the list change of updateList in one step, so two gateways indexing at once cannot drop each other's entry
const UPDATE_LIST = `local raw = redis.call('GET', KEYS[1])
local list = {}
if raw then list = cjson.decode(raw) end
local drop = {}
for _, v in ipairs(cjson.decode(ARGV[2])) do drop[v] = true end
if ARGV[1] ~= '' then drop[ARGV[1]] = true end
local out = {}
for _, v in ipairs(list) do if not drop[v] then table.insert(out, v) end end
if ARGV[1] ~= '' then table.insert(out, ARGV[1]) end
local max = tonumber(ARGV[3])
while #out > max do table.remove(out, 1) end
if #out == 0 then redis.call('DEL', KEYS[1]) return '[]' end
local encoded = cjson.encode(out)
redis.call('SET', KEYS[1], encoded, 'PX', ARGV[4])
return encoded`;

type WithScript = {
  portcullisIncrementWindow(key: string, windowMs: number): Promise<[number, number]>;
  portcullisUpdateList(key: string, add: string, remove: string, max: number, ttlMs: number): Promise<string>;
};

/**
 * The shared store for several gateway processes: sessions, login counters, rate-limit
 * counters and replay caches on Redis (standalone, Sentinel or Cluster). Values are JSON;
 * every key gets the configured prefix and a TTL, so nothing lives forever. Every operation
 * is on one key, so a Cluster may spread keys over all its masters.
 *
 * When Redis cannot answer in time, every call fails with `GW_STORE_UNAVAILABLE` (503): a
 * caller never mistakes an outage for "no session" and lets a request through anonymously.
 */
export class RedisStore implements ExpiringStore {
  readonly #redis: RedisClient;
  readonly #prefix: string;
  readonly #waitMs: number;
  readonly #cache?: InvalidatedCache;
  /** when the connection was first seen not ready, for failing fast in a long outage */
  #downSince?: number;

  constructor(redis: RedisClient, options: RedisStoreOptions) {
    this.#redis = redis;
    this.#prefix = options.keyPrefix;
    this.#waitMs = options.waitMs;
    this.#cache = options.cache;
    this.#redis.defineCommand('portcullisIncrementWindow', { numberOfKeys: 1, lua: INCREMENT_WINDOW });
    this.#redis.defineCommand('portcullisUpdateList', { numberOfKeys: 1, lua: UPDATE_LIST });
  }

  /**
   * Bound every call by the wait time and turn any failure into the one coded error. While
   * the connection is being re-established, calls queue and wait (a failover takes seconds);
   * once it has been down longer than the wait time, calls fail at once instead, so a long
   * outage neither holds requests nor grows the client's offline queue.
   */
  async #call<T>(what: string, operation: () => Promise<T>): Promise<T> {
    if (this.#redis.status === 'ready') this.#downSince = undefined;
    else {
      this.#downSince ??= Date.now();
      if (Date.now() - this.#downSince > this.#waitMs) throw unavailable(what, `not connected for ${Math.round((Date.now() - this.#downSince) / 1000)} s`);
    }
    try {
      return await withDeadline(operation(), this.#waitMs, `no answer within ${this.#waitMs} ms`);
    } catch (cause) {
      throw unavailable(what, cause instanceof Error ? cause.message : String(cause), cause);
    }
  }

  async get<T>(key: string): Promise<T | undefined> {
    const cacheable = this.#cache !== undefined && CACHED_KEY.test(key);
    if (cacheable) {
      const hit = this.#cache!.peek(key);
      if (hit) return hit.value as T;
    }
    const epoch = this.#cache?.epoch() ?? 0;
    const raw = await this.#call('GET', () => this.#redis.get(this.#prefix + key));
    const value = raw === null ? undefined : (JSON.parse(raw) as T);
    if (cacheable) this.#cache!.fill(key, value, epoch);
    return value;
  }

  async set<T>(key: string, value: T, ttlSeconds: number): Promise<void> {
    await this.#call('SET', () => this.#redis.set(this.#prefix + key, JSON.stringify(value), 'PX', ttlMs(ttlSeconds)));
    if (this.#cache && CACHED_KEY.test(key)) await this.#call('PUBLISH', () => this.#cache!.changed(key, value));
  }

  async setIfAbsent<T>(key: string, value: T, ttlSeconds: number): Promise<boolean> {
    const answer = await this.#call('SET NX', () => this.#redis.set(this.#prefix + key, JSON.stringify(value), 'PX', ttlMs(ttlSeconds), 'NX'));
    if (answer === 'OK' && this.#cache && CACHED_KEY.test(key)) await this.#call('PUBLISH', () => this.#cache!.changed(key, value));
    return answer === 'OK';
  }

  async delete(key: string): Promise<void> {
    await this.#call('DEL', () => this.#redis.del(this.#prefix + key));
    if (this.#cache && CACHED_KEY.test(key)) await this.#call('PUBLISH', () => this.#cache!.changed(key, undefined));
  }

  async increment(key: string, windowSeconds: number): Promise<number> {
    return (await this.incrementWindow(key, windowSeconds)).count;
  }

  async incrementWindow(key: string, windowSeconds: number): Promise<WindowCount> {
    const script = (this.#redis as unknown as WithScript).portcullisIncrementWindow;
    const [count, leftMs] = await this.#call('INCR', () => script.call(this.#redis, this.#prefix + key, ttlMs(windowSeconds)));
    return { count: Number(count), resetInSeconds: Math.max(1, Math.ceil(Number(leftMs) / 1000)) };
  }

  async updateList(key: string, change: ListChange, max: number, ttlSeconds: number): Promise<string[]> {
    const script = (this.#redis as unknown as WithScript).portcullisUpdateList;
    // an empty `add` means none: list entries are never empty (they are store keys)
    const raw = await this.#call('EVAL', () => script.call(this.#redis, this.#prefix + key, change.add ?? '', JSON.stringify(change.remove ?? []), max, ttlMs(ttlSeconds)));
    return JSON.parse(raw) as string[];
  }

  async ping(): Promise<void> {
    await this.#call('PING', () => this.#redis.ping());
  }

  async close(): Promise<void> {
    await this.#cache?.close();
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }
}

function unavailable(what: string, why: string, cause?: unknown): GatewayError {
  return new GatewayError('GW_STORE_UNAVAILABLE', 503, `the session store (Redis) is unavailable: ${what} failed: ${why}`, { cause });
}

function ttlMs(seconds: number): number {
  return Math.max(1, Math.ceil(seconds * 1000));
}
