import type { DurableStore, Versioned } from '../../../gateway/durable/store.js';

/**
 * A test double of the durable store's contract (versioned compare-and-set), for tests that
 * run before a real backend is wired in. Values are copied in and out, as a real store would.
 */
export class MemoryDurable implements DurableStore {
  readonly #records = new Map<string, { value: string; version: number }>();

  async get<T>(key: string): Promise<Versioned<T> | undefined> {
    const r = this.#records.get(key);
    return r ? { value: JSON.parse(r.value) as T, version: r.version } : undefined;
  }

  async put<T>(key: string, value: T, expected: number | 'absent' | 'any'): Promise<number | false> {
    const current = this.#records.get(key);
    if (expected === 'absent' && current) return false;
    if (typeof expected === 'number' && current?.version !== expected) return false;
    const version = (current?.version ?? 0) + 1;
    this.#records.set(key, { value: JSON.stringify(value), version });
    return version;
  }

  async delete(key: string, expected: number | 'any'): Promise<boolean> {
    const current = this.#records.get(key);
    if (!current || (expected !== 'any' && current.version !== expected)) return false;
    this.#records.delete(key);
    return true;
  }

  async list<T>(prefix: string): Promise<Array<Versioned<T> & { key: string }>> {
    return [...this.#records]
      .filter(([k]) => k.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, r]) => ({ key, value: JSON.parse(r.value) as T, version: r.version }));
  }

  async ping(): Promise<void> {}
  async close(): Promise<void> {}
}
