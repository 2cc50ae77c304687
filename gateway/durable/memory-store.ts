import type { DurableStore, Versioned } from './store.js';
import { checkRecordKey, toJson, versionMatches } from './record-key.js';

/**
 * Records in this process only, lost at exit: for unit tests and a throw-away demo. Values are
 * kept as JSON text, so a caller that mutates what it wrote or read changes nothing stored.
 */
export class MemoryDurableStore implements DurableStore {
  readonly #records = new Map<string, { json: string; version: number }>();

  async get<T>(key: string): Promise<Versioned<T> | undefined> {
    checkRecordKey(key);
    const record = this.#records.get(key);
    return record ? { value: JSON.parse(record.json) as T, version: record.version } : undefined;
  }

  async put<T>(key: string, value: T, expected: number | 'absent' | 'any'): Promise<number | false> {
    checkRecordKey(key);
    const json = toJson(value);
    const current = this.#records.get(key)?.version;
    if (!versionMatches(expected, current)) return false;
    const version = (current ?? 0) + 1;
    this.#records.set(key, { json, version });
    return version;
  }

  async delete(key: string, expected: number | 'any'): Promise<boolean> {
    checkRecordKey(key);
    const current = this.#records.get(key)?.version;
    if (current === undefined || !versionMatches(expected, current)) return false;
    this.#records.delete(key);
    return true;
  }

  async list<T>(prefix: string): Promise<Array<Versioned<T> & { key: string }>> {
    const out: Array<Versioned<T> & { key: string }> = [];
    for (const [key, record] of this.#records) {
      if (key.startsWith(prefix)) out.push({ key, value: JSON.parse(record.json) as T, version: record.version });
    }
    return out.sort((a, b) => compareKeys(a.key, b.key));
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}
}

/** Byte order of the UTF-8 keys: the order PostgreSQL (`COLLATE "C"`) and Redis (ZRANGEBYLEX) give. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
