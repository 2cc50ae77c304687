import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileDurableStore, fileNameOf } from '../../../gateway/durable/file-store.js';
import { durableConformance } from './conformance.js';

const options = { lockTimeoutMs: 2_000 };

describe('file durable store', () => {
  durableConformance(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portcullis-durable-'));
    return { name: 'file', open: () => FileDurableStore.open(dir, options), survivesReopen: true };
  });

  it('names each record file after its key, and a very long key after its digest', () => {
    expect(fileNameOf('vault/alice/github_token')).toBe('vault%2Falice%2Fgithub_token.json');
    expect(fileNameOf('../etc/passwd')).toBe('%2E%2E%2Fetc%2Fpasswd.json');
    expect(fileNameOf('x'.repeat(300))).toMatch(/^~[0-9a-f]{64}\.json$/);
  });

  it('removes the temporary file of a writer killed before its rename, and keeps the record', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portcullis-durable-'));
    const store = await FileDurableStore.open(dir, options);
    await store.put('k', 'old', 'absent');
    await store.close();
    // pid 999999999 does not exist: its half-written file is abandoned
    await writeFile(join(dir, '.tmp-999999999-abcdef'), '{"key":"k","vers');
    const reopened = await FileDurableStore.open(dir, options);
    expect(await readdir(dir)).toEqual(['k.json']);
    expect(await reopened.get('k')).toEqual({ value: 'old', version: 1 });
  });

  it('breaks a lock left by a killed process, and waits for a live one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portcullis-durable-'));
    const store = await FileDurableStore.open(dir, { lockTimeoutMs: 300 });
    await writeFile(join(dir, '.lock'), '999999999');
    expect(await store.put('k', 1, 'absent')).toBe(1);
    await writeFile(join(dir, '.lock'), String(process.ppid)); // alive, and not us
    await expect(store.put('k', 2, 1)).rejects.toMatchObject({ code: 'GW_STORE_UNAVAILABLE', statusCode: 503 });
    expect((await store.get('k'))?.value).toBe(1);
  });

  it('refuses a folder it cannot write with a 503 naming the folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portcullis-durable-'));
    await writeFile(join(dir, 'a-file'), '');
    const inside = join(dir, 'a-file', 'records');
    await expect(FileDurableStore.open(inside, options)).rejects.toMatchObject({ code: 'GW_STORE_UNAVAILABLE', message: expect.stringContaining(inside) });
  });

  it('is a clear error, not a silent loss, when a record file was damaged from outside', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portcullis-durable-'));
    const store = await FileDurableStore.open(dir, options);
    await store.put('k', 'v', 'absent');
    await writeFile(join(dir, 'k.json'), '{"key":');
    await expect(store.get('k')).rejects.toMatchObject({ code: 'GW_INTERNAL', message: expect.stringContaining('k.json') });
  });

  it('leaves every record at its old or its new value when writers in two processes are killed at random moments', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portcullis-durable-'));
    const script = join(dir, 'writer.mts');
    const storeModule = new URL('../../../gateway/durable/file-store.ts', import.meta.url).pathname;
    // each writer increments every counter in turn with compare-and-set, forever
    await writeFile(
      script,
      `import { FileDurableStore } from ${JSON.stringify(storeModule)};
const store = await FileDurableStore.open(process.argv[2], { lockTimeoutMs: 5000 });
process.stdout.write('ready\\n');
for (let i = 0; ; i++) {
  const key = 'c' + (i % 5);
  const cur = await store.get(key);
  await store.put(key, { n: (cur?.value.n ?? 0) + 1, pad: 'x'.repeat(2000) }, cur ? cur.version : 'absent');
}
`,
    );
    const records = join(dir, 'records');
    let lastSeen = new Map<string, number>();
    for (let round = 0; round < 4; round++) {
      const children = [0, 1].map(() => spawn(process.execPath, ['--import', 'tsx', script, records], { stdio: ['ignore', 'pipe', 'inherit'] }));
      await Promise.all(children.map((c) => new Promise((r, reject) => (c.stdout!.once('data', r), c.once('exit', () => reject(new Error('the writer died before it was ready')))))));
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 250));
      await Promise.all(children.map((c) => new Promise((r) => (c.once('exit', r), c.kill('SIGKILL')))));
      const store = await FileDurableStore.open(records, options);
      const now = new Map<string, number>();
      for (const r of await store.list<{ n: number }>('c')) {
        // every record parses, its count equals its version (no write lost or doubled), and it only grows
        expect(r.value.n).toBe(r.version);
        expect(r.value.n).toBeGreaterThanOrEqual(lastSeen.get(r.key) ?? 0);
        now.set(r.key, r.value.n);
      }
      expect(now.size).toBeGreaterThan(0);
      lastSeen = now;
      await store.close();
    }
    expect((await readdir(records)).filter((n) => n.startsWith('.tmp-'))).toEqual([]);
    expect(JSON.parse(await readFile(join(records, 'c0.json'), 'utf8')).key).toBe('c0');
  }, 60_000);
});
