import { LRUCache } from 'lru-cache';
import type { ExpiringStore, ListChange, WindowCount } from './store.js';

interface Counter {
  count: number;
}

export interface MemoryStoreOptions {
  /** most entries that are not sessions (login counters, replay caches, pending SAML requests) */
  maxEntries: number;
  /** most session entries (sessions and each user's session index); default `maxEntries` */
  maxSessionEntries?: number;
  now?: () => number;
}

/** Keys the session manager writes; they get a partition of their own. */
const SESSION_KEY = /^(session|user-sessions):/;

/**
 * The one-process store: LRUs with a TTL per entry. Bounded, so a flood cannot grow memory
 * without limit. Sessions live in their own partition: a flood of anonymous requests that
 * write other entries (pending SAML requests, failure counters) can evict only entries of
 * its own kind, never a logged-in user's session.
 */
/** The list after a change: `remove` and any earlier copy of `add` dropped, `add` last, the newest `max` kept. */
export function applyListChange(current: readonly string[], change: ListChange, max: number): string[] {
  const drop = new Set(change.remove ?? []);
  if (change.add !== undefined) drop.add(change.add);
  const list = current.filter((entry) => !drop.has(entry));
  if (change.add !== undefined) list.push(change.add);
  return list.slice(-max);
}

export class MemoryStore implements ExpiringStore {
  readonly #sessions: LRUCache<string, { value: unknown }>;
  readonly #other: LRUCache<string, { value: unknown }>;

  constructor(options: MemoryStoreOptions) {
    const lru = (max: number) =>
      new LRUCache<string, { value: unknown }>({
        max,
        // lru-cache checks the ttl lazily on get(); each entry's ttl is given at set().
        ttl: 1,
        allowStale: false,
        updateAgeOnGet: false,
        // An injected clock is read on every check (tests move it between calls); the real
        // clock may be cached for a millisecond, which spares a clock read per lookup.
        ttlResolution: options.now ? 0 : 1,
        perf: options.now ? { now: options.now } : undefined,
      });
    this.#sessions = lru(options.maxSessionEntries ?? options.maxEntries);
    this.#other = lru(options.maxEntries);
  }

  #partition(key: string): LRUCache<string, { value: unknown }> {
    return SESSION_KEY.test(key) ? this.#sessions : this.#other;
  }

  async get<T>(key: string): Promise<T | undefined> {
    return this.#partition(key).get(key)?.value as T | undefined;
  }

  async set<T>(key: string, value: T, ttlSeconds: number): Promise<void> {
    this.#partition(key).set(key, { value }, { ttl: ttlSeconds * 1000 });
  }

  async setIfAbsent<T>(key: string, value: T, ttlSeconds: number): Promise<boolean> {
    const partition = this.#partition(key);
    if (partition.has(key)) return false;
    partition.set(key, { value }, { ttl: ttlSeconds * 1000 });
    return true;
  }

  async delete(key: string): Promise<void> {
    this.#partition(key).delete(key);
  }

  async increment(key: string, windowSeconds: number): Promise<number> {
    return this.#count(key, windowSeconds).count;
  }

  async incrementWindow(key: string, windowSeconds: number): Promise<WindowCount> {
    return this.#count(key, windowSeconds);
  }

  /** Synchronous, so two requests in one process can never read the same count. */
  #count(key: string, windowSeconds: number): WindowCount {
    const partition = this.#partition(key);
    const entry = partition.get(key);
    if (entry) {
      const counter = entry.value as Counter;
      counter.count += 1;
      return { count: counter.count, resetInSeconds: Math.max(1, Math.ceil(partition.getRemainingTTL(key) / 1000)) };
    }
    partition.set(key, { value: { count: 1 } satisfies Counter }, { ttl: windowSeconds * 1000 });
    return { count: 1, resetInSeconds: Math.max(1, Math.ceil(windowSeconds)) };
  }

  /** Synchronous, so no other call can come between the read and the write. */
  async updateList(key: string, change: ListChange, max: number, ttlSeconds: number): Promise<string[]> {
    const partition = this.#partition(key);
    const current = (partition.get(key)?.value as string[] | undefined) ?? [];
    const list = applyListChange(current, change, max);
    if (list.length === 0) partition.delete(key);
    else partition.set(key, { value: list }, { ttl: ttlSeconds * 1000 });
    return list;
  }

  /** Memory is always there. */
  async ping(): Promise<void> {}

  /** How many entries each partition holds (for tests and metrics). */
  get size(): { sessions: number; other: number } {
    return { sessions: this.#sessions.size, other: this.#other.size };
  }

  async close(): Promise<void> {
    this.#sessions.clear();
    this.#other.clear();
  }
}
