import { LRUCache } from 'lru-cache';
import { OptionsError } from '../errors.js';
import type { CacheOptions, CacheStats } from './types.js';
import { IDENTITY_BACKEND_DEFAULTS } from './types.js';

interface Box<V> {
  value: V;
}

/**
 * The answers of an identity backend, cached with lru-cache: at most `max` entries, each
 * for `ttlMs`. Concurrent misses for one key share a single backend call. `false` switches
 * caching off (every call reaches the backend). Null answers ("not found") are cached too.
 */
export class ResultCache {
  readonly #lru: LRUCache<string, Box<unknown>> | null;
  #hits = 0;
  #misses = 0;
  readonly #pending = new Map<string, Promise<unknown>>();

  constructor(options: CacheOptions | false | undefined, path = 'cache') {
    if (options === false) {
      this.#lru = null;
      return;
    }
    const max = options?.max ?? IDENTITY_BACKEND_DEFAULTS.cacheMax;
    const ttl = options?.ttlMs ?? IDENTITY_BACKEND_DEFAULTS.cacheTtlMs;
    if (!Number.isInteger(max) || max < 1) throw new OptionsError(`${path}.max`, 'must be a positive integer');
    if (!Number.isFinite(ttl) || ttl <= 0) throw new OptionsError(`${path}.ttlMs`, 'must be a positive number of milliseconds');
    this.#lru = new LRUCache<string, Box<unknown>>({ max, ttl, ttlAutopurge: false, updateAgeOnGet: false });
  }

  /** The cached answer for `key`, else `load()`'s (stored for next time). */
  async get<V>(key: string, load: () => Promise<V>, bypass = false): Promise<V> {
    if (this.#lru && !bypass) {
      const hit = this.#lru.get(key);
      if (hit) {
        this.#hits++;
        return hit.value as V;
      }
      const inFlight = this.#pending.get(key);
      if (inFlight) {
        this.#hits++;
        return inFlight as Promise<V>;
      }
    }
    this.#misses++;
    const p = load().then((value) => {
      this.#lru?.set(key, { value });
      return value;
    });
    if (this.#lru) {
      this.#pending.set(key, p);
      p.finally(() => this.#pending.delete(key)).catch(() => undefined);
    }
    return p;
  }

  stats(): CacheStats {
    return { enabled: this.#lru !== null, size: this.#lru?.size ?? 0, hits: this.#hits, misses: this.#misses };
  }

  clear(): void {
    this.#lru?.clear();
  }
}
