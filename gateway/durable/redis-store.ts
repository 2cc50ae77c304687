import type { RedisClient } from '../sessions/redis-client.js';
import { GatewayError } from '../errors.js';
import { checkRecordKey, toJson } from './record-key.js';
import type { DurableStore, Versioned } from './store.js';

/**
 * Records in Redis: one hash per record (`v` version, `d` JSON) and a sorted set of every key
 * for listing by prefix, all under one hash tag so a Cluster keeps them in one slot and a Lua
 * script can change record and index together. The version check runs inside the script: two
 * gateways writing the same key at once never both succeed.
 */
export class RedisDurableStore implements DurableStore {
  readonly #redis: RedisClient;
  readonly #prefix: string;
  readonly #index: string;
  readonly #address: string;

  constructor(redis: RedisClient, options: { keyPrefix: string; address: string }) {
    this.#redis = redis;
    this.#prefix = `{${options.keyPrefix}durable}:r:`;
    this.#index = `{${options.keyPrefix}durable}:index`;
    this.#address = options.address;
  }

  async get<T>(key: string): Promise<Versioned<T> | undefined> {
    checkRecordKey(key);
    const [version, data] = await this.#run(() => this.#redis.hmget(this.#prefix + key, 'v', 'd'));
    return version && data ? { value: JSON.parse(data) as T, version: Number(version) } : undefined;
  }

  async put<T>(key: string, value: T, expected: number | 'absent' | 'any'): Promise<number | false> {
    checkRecordKey(key);
    const json = toJson(value);
    const version = await this.#run(() => this.#redis.eval(PUT, 2, this.#prefix + key, this.#index, String(expected), json, key));
    return Number(version) > 0 ? Number(version) : false;
  }

  async delete(key: string, expected: number | 'any'): Promise<boolean> {
    checkRecordKey(key);
    const removed = await this.#run(() => this.#redis.eval(DELETE, 2, this.#prefix + key, this.#index, String(expected), key));
    return Number(removed) === 1;
  }

  async list<T>(prefix: string): Promise<Array<Versioned<T> & { key: string }>> {
    const flat = (await this.#run(() => this.#redis.eval(LIST, 1, this.#index, this.#prefix, prefix))) as string[];
    const out: Array<Versioned<T> & { key: string }> = [];
    for (let i = 0; i < flat.length; i += 3) out.push({ key: flat[i]!, version: Number(flat[i + 1]), value: JSON.parse(flat[i + 2]!) as T });
    return out;
  }

  async ping(): Promise<void> {
    await this.#run(() => this.#redis.ping());
  }

  async close(): Promise<void> {
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }

  async #run<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (cause) {
      throw new GatewayError('GW_STORE_UNAVAILABLE', 503, `durable store: Redis at ${this.#address} failed: ${(cause as Error).message}`, { cause });
    }
  }
}

// KEYS[1] record, KEYS[2] index; ARGV[1] expected ('absent' | 'any' | version), ARGV[2] JSON, ARGV[3] key
const PUT = `
local current = redis.call('HGET', KEYS[1], 'v')
local expected = ARGV[1]
if expected == 'absent' then
  if current then return 0 end
elseif expected ~= 'any' then
  if (not current) or current ~= expected then return 0 end
end
local version = 1
if current then version = tonumber(current) + 1 end
redis.call('HSET', KEYS[1], 'v', version, 'd', ARGV[2])
redis.call('ZADD', KEYS[2], 0, ARGV[3])
return version
`;

// KEYS[1] record, KEYS[2] index; ARGV[1] expected ('any' | version), ARGV[2] key
const DELETE = `
local current = redis.call('HGET', KEYS[1], 'v')
if not current then return 0 end
if ARGV[1] ~= 'any' and current ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[2])
return 1
`;

// KEYS[1] index; ARGV[1] record key prefix, ARGV[2] listed prefix. UTF-8 never holds 0xFF, so
// '(' .. prefix .. '\\xff' bounds every key that starts with the prefix.
const LIST = `
local keys = redis.call('ZRANGEBYLEX', KEYS[1], '[' .. ARGV[2], '(' .. ARGV[2] .. '\\255')
local out = {}
for _, key in ipairs(keys) do
  local record = redis.call('HMGET', ARGV[1] .. key, 'v', 'd')
  if record[1] then
    table.insert(out, key)
    table.insert(out, record[1])
    table.insert(out, record[2])
  end
end
return out
`;
