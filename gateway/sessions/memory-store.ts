import { LRUCache } from 'lru-cache';
import type { ExpiringStore } from './store.js';

interface Counter {
  count: number;
}

/**
 * The one-process store: an LRU with a TTL per entry. Bounded, so a flood of logins cannot
 * grow memory without limit; the least recently used entries go first.
 */
export class MemoryStore implements ExpiringStore {
  readonly #cache: LRUCache<string, { value: unknown }>;

  constructor(options: { maxEntries: number; now?: () => number }) {
    this.#cache = new LRUCache<string, { value: unknown }>({
      max: options.maxEntries,
      ttlAutopurge: false,
      // lru-cache checks ttl lazily on get(); a per-entry ttl is given at set().
      ttl: 1,
      allowStale: false,
      updateAgeOnGet: false,
      perf: options.now ? { now: options.now } : undefined,
    });
  }

  async get<T>(key: string): Promise<T | undefined> {
    return this.#cache.get(key)?.value as T | undefined;
  }

  async set<T>(key: string, value: T, ttlSeconds: number): Promise<void> {
    this.#cache.set(key, { value }, { ttl: ttlSeconds * 1000 });
  }

  async setIfAbsent<T>(key: string, value: T, ttlSeconds: number): Promise<boolean> {
    if (this.#cache.has(key)) return false;
    this.#cache.set(key, { value }, { ttl: ttlSeconds * 1000 });
    return true;
  }

  async delete(key: string): Promise<void> {
    this.#cache.delete(key);
  }

  async increment(key: string, windowSeconds: number): Promise<number> {
    const entry = this.#cache.get(key);
    if (entry) {
      const counter = entry.value as Counter;
      counter.count += 1;
      return counter.count;
    }
    this.#cache.set(key, { value: { count: 1 } satisfies Counter }, { ttl: windowSeconds * 1000 });
    return 1;
  }

  /** Synchronous read for the hot path; async callers use get(). */
  peek<T>(key: string): T | undefined {
    return this.#cache.get(key)?.value as T | undefined;
  }

  async close(): Promise<void> {
    this.#cache.clear();
  }
}
