import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { DurableStore } from '../../../gateway/durable/store.js';

/**
 * One contract for every durable store backend. `open()` gives a new store instance over the
 * same data (a new connection, a new file store on the same folder), so races are raced by
 * separate writers, as two gateways would.
 */
export interface DurableBackend {
  name: string;
  open(): Promise<DurableStore>;
  /** false for the memory store: its data lives in the instance */
  survivesReopen: boolean;
  stop?(): Promise<void>;
}

export function durableConformance(backend: () => Promise<DurableBackend>): void {
  let b: DurableBackend;
  let one: DurableStore;
  let two: DurableStore;
  const opened: DurableStore[] = [];
  const open = async () => {
    const s = await b.open();
    opened.push(s);
    return s;
  };
  // every test writes under its own prefix: shared servers keep what earlier tests wrote
  const ns = () => `t${randomBytes(4).toString('hex')}/`;

  beforeAll(async () => {
    b = await backend();
    one = await open();
    two = await open();
  });
  afterAll(async () => {
    for (const s of opened) await s.close().catch(() => undefined);
    await b?.stop?.();
  });

  describe('get and put', () => {
    it('has nothing under a key never written', async () => {
      expect(await one.get(`${ns()}missing`)).toBeUndefined();
    });

    it('writes a new record at version 1 and reads back the same JSON from another instance', async () => {
      const key = `${ns()}a`;
      const value = { text: 'grüße ✓', n: 42, list: [1, 'two', null], nested: { ok: true } };
      expect(await one.put(key, value, 'absent')).toBe(1);
      expect(await two.get(key)).toEqual({ value, version: 1 });
    });

    it('refuses a second create, and a write naming a version that is not the stored one', async () => {
      const key = `${ns()}a`;
      expect(await one.put(key, 'first', 'absent')).toBe(1);
      expect(await two.put(key, 'second', 'absent')).toBe(false);
      expect(await two.put(key, 'stale', 7)).toBe(false);
      expect(await two.put(`${ns()}never`, 'x', 1)).toBe(false);
      expect(await one.get(key)).toEqual({ value: 'first', version: 1 });
    });

    it('grows the version by one with each write, expected or unconditional', async () => {
      const key = `${ns()}a`;
      expect(await one.put(key, 1, 'any')).toBe(1);
      expect(await two.put(key, 2, 1)).toBe(2);
      expect(await one.put(key, 3, 'any')).toBe(3);
      expect(await one.put(key, 4, 2)).toBe(false);
      expect(await two.get(key)).toEqual({ value: 3, version: 3 });
    });

    it('keeps keys with slashes, percent signs, spaces and non-ASCII apart', async () => {
      const p = ns();
      const keys = [`${p}a/b`, `${p}a%2Fb`, `${p}a b`, `${p}ä`, `${p}a.b`, `${p}A`];
      for (const [i, key] of keys.entries()) expect(await one.put(key, i, 'absent')).toBe(1);
      for (const [i, key] of keys.entries()) expect((await two.get(key))?.value).toBe(i);
    });

    it('stores a long key', async () => {
      const key = `${ns()}${'k'.repeat(300)}`;
      expect(await one.put(key, 'long', 'absent')).toBe(1);
      expect((await two.get(key))?.value).toBe('long');
      expect((await two.list(key.slice(0, 200))).map((r) => r.key)).toEqual([key]);
    });

    it('refuses an empty key and a key with a control character', async () => {
      await expect(one.put('', 1, 'any')).rejects.toMatchObject({ code: 'GW_INTERNAL' });
      await expect(one.get(`${ns()}a\nb`)).rejects.toMatchObject({ code: 'GW_INTERNAL' });
    });
  });

  describe('compare-and-set races', () => {
    it('lets exactly one of two concurrent writers with the same expected version win, round after round', async () => {
      const key = `${ns()}race`;
      await one.put(key, 'start', 'absent');
      for (let round = 0; round < 20; round++) {
        const version = (await one.get(key))!.version;
        const results = await Promise.all([one.put(key, `one-${round}`, version), two.put(key, `two-${round}`, version)]);
        expect(results.filter((r) => r !== false)).toEqual([version + 1]);
        const winner = results[0] !== false ? `one-${round}` : `two-${round}`;
        expect(await one.get(key)).toEqual({ value: winner, version: version + 1 });
      }
    });

    it('lets exactly one of many concurrent creators win', async () => {
      const key = `${ns()}create`;
      const stores = [one, two, await open(), await open()];
      const results = await Promise.all(stores.flatMap((s, i) => [s.put(key, i, 'absent'), s.put(key, i + 10, 'absent')]));
      expect(results.filter((r) => r === 1)).toHaveLength(1);
      expect(results.filter((r) => r === false)).toHaveLength(7);
    });

    it('loses no update when writers retry on a lost race (4 writers x 15 increments)', async () => {
      const key = `${ns()}counter`;
      await one.put(key, 0, 'absent');
      const writers = [one, two, await open(), await open()];
      await Promise.all(
        writers.map(async (store) => {
          for (let i = 0; i < 15; i++) {
            for (;;) {
              const current = (await store.get<number>(key))!;
              if ((await store.put(key, current.value + 1, current.version)) !== false) break;
            }
          }
        }),
      );
      expect(await one.get(key)).toEqual({ value: 60, version: 61 });
    });
  });

  describe('delete', () => {
    it('removes only at the expected version, and answers false for a record that is not there', async () => {
      const key = `${ns()}d`;
      await one.put(key, 'x', 'absent');
      await one.put(key, 'y', 1);
      expect(await two.delete(key, 1)).toBe(false);
      expect((await one.get(key))?.value).toBe('y');
      expect(await two.delete(key, 2)).toBe(true);
      expect(await one.get(key)).toBeUndefined();
      expect(await one.delete(key, 'any')).toBe(false);
      expect(await one.list(key)).toEqual([]);
    });

    it('starts a key written again after its delete at version 1', async () => {
      const key = `${ns()}d`;
      await one.put(key, 'x', 'absent');
      expect(await one.delete(key, 'any')).toBe(true);
      expect(await two.put(key, 'again', 'absent')).toBe(1);
    });

    it('lets one of two concurrent deletes win', async () => {
      const key = `${ns()}d`;
      await one.put(key, 'x', 'absent');
      const results = await Promise.all([one.delete(key, 1), two.delete(key, 1)]);
      expect(results.filter(Boolean)).toHaveLength(1);
    });
  });

  describe('list', () => {
    it('lists every record under a prefix, ordered by key, and nothing outside it', async () => {
      const p = ns();
      await one.put(`${p}user/bob/b`, 'bb', 'absent');
      await one.put(`${p}user/alice/z`, 'az', 'absent');
      await one.put(`${p}user/alice/a`, 'aa', 'absent');
      await one.put(`${p}user/alice2/a`, 'other', 'absent');
      await one.put(`${p}user/alice/a`, 'aa2', 1);
      expect(await two.list(`${p}user/alice/`)).toEqual([
        { key: `${p}user/alice/a`, value: 'aa2', version: 2 },
        { key: `${p}user/alice/z`, value: 'az', version: 1 },
      ]);
      expect((await two.list(`${p}user/`)).map((r) => r.key)).toEqual([`${p}user/alice/a`, `${p}user/alice/z`, `${p}user/alice2/a`, `${p}user/bob/b`]);
      expect(await two.list(`${p}nobody/`)).toEqual([]);
    });

    it('treats a prefix literally (no wildcards)', async () => {
      const p = ns();
      await one.put(`${p}a_b`, 1, 'absent');
      await one.put(`${p}axb`, 2, 'absent');
      await one.put(`${p}a%b`, 3, 'absent');
      await one.put(`${p}a*b`, 4, 'absent');
      expect((await two.list(`${p}a_`)).map((r) => r.value)).toEqual([1]);
      expect((await two.list(`${p}a%`)).map((r) => r.value)).toEqual([3]);
      expect((await two.list(`${p}a*`)).map((r) => r.value)).toEqual([4]);
    });
  });

  it('answers ping', async () => {
    await expect(one.ping()).resolves.toBeUndefined();
  });

  it('keeps every record through a close and a reopen', async () => {
    if (!b.survivesReopen) return;
    const p = ns();
    const writer = await b.open();
    await writer.put(`${p}kept`, { v: 1 }, 'absent');
    await writer.put(`${p}kept`, { v: 2 }, 1);
    await writer.put(`${p}gone`, 'x', 'absent');
    await writer.delete(`${p}gone`, 'any');
    await writer.close();
    const reader = await open();
    expect(await reader.get(`${p}kept`)).toEqual({ value: { v: 2 }, version: 2 });
    expect(await reader.get(`${p}gone`)).toBeUndefined();
    expect((await reader.list(p)).map((r) => r.key)).toEqual([`${p}kept`]);
  });
}
