/**
 * The vault on the file store under kill -9: a process writing 1,000 credentials and a process
 * rotating the master key are killed at random moments, again and again; afterwards every
 * credential reads as its old or its new value, and rotation finishes on the next run.
 * Also `portcullis credentials` and `portcullis vault rotate-key` as real child processes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { portcullisConfigSchema } from '../../../config/schema/index.js';
import { createDurableStore } from '../../../gateway/durable/create-durable-store.js';
import { createVault } from '../../../gateway/vault/create-vault.js';
import type { Vault } from '../../../gateway/vault/vault.js';
import { runPortcullis, SOURCE_FLAGS } from '../cli/run-cli.js';

const silent = pino({ level: 'silent' });
const K1 = randomBytes(32).toString('base64');
const K2 = randomBytes(32).toString('base64');
const who = { actor: 'test', via: 'cli' as const };
const src = (path: string) => new URL(`../../../${path}`, import.meta.url).pathname;

function configWith(keys: string[]) {
  return {
    authenticators: [{ type: 'file', name: 'local', usersFile: 'users.yaml' }],
    vault: { masterKeys: keys.map((id) => ({ id, key: `env://${id.toUpperCase()}` })) },
  };
}

async function openVault(dir: string, keys: string[]): Promise<{ vault: Vault; close(): Promise<void> }> {
  const config = portcullisConfigSchema.parse(configWith(keys));
  const durable = await createDurableStore(config, join(dir, 'data'), { configDir: dir, env: {}, log: silent });
  const vault = (await createVault({ config, configDir: dir, dataDir: join(dir, 'data'), log: silent }, durable, { K1, K2 }))!;
  return { vault, close: () => durable.close() };
}

/** A child that runs `body` with a vault on `dir` (master keys `keys`), printing a line per step. */
async function child(dir: string, keys: string[], body: string): Promise<ChildProcess> {
  const script = join(dir, `child-${randomBytes(4).toString('hex')}.mts`);
  await writeFile(
    script,
    `import { pino } from ${JSON.stringify(createRequire(import.meta.url).resolve('pino'))};
import { portcullisConfigSchema } from ${JSON.stringify(src('config/schema/index.ts'))};
import { createDurableStore } from ${JSON.stringify(src('gateway/durable/create-durable-store.ts'))};
import { createVault } from ${JSON.stringify(src('gateway/vault/create-vault.ts'))};
const log = pino({ level: 'silent' });
const config = portcullisConfigSchema.parse(${JSON.stringify(configWith(keys))});
const durable = await createDurableStore(config, ${JSON.stringify(join(dir, 'data'))}, { configDir: ${JSON.stringify(dir)}, env: {}, log });
const vault = await createVault({ config, configDir: ${JSON.stringify(dir)}, dataDir: ${JSON.stringify(join(dir, 'data'))}, log }, durable, { K1: ${JSON.stringify(K1)}, K2: ${JSON.stringify(K2)} });
const who = { actor: 'writer', via: 'cli' };
process.stdout.write('ready\\n');
${body}
`,
  );
  const proc = spawn(process.execPath, [...SOURCE_FLAGS, script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    let text = '';
    const onData = (d: Buffer) => {
      text += d;
      if (text.includes('ready\n')) {
        proc.stdout!.off('data', onData);
        resolve();
      }
    };
    proc.stdout!.on('data', onData);
    proc.once('exit', (code) => reject(new Error(`the child exited (${code}) before it was ready`)));
  });
  return proc;
}

/** SIGKILL after `ms`, or earlier if the child ends on its own. */
const killAfter = (proc: ChildProcess, ms: number) =>
  new Promise<void>((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
    const timer = setTimeout(() => proc.kill('SIGKILL'), ms);
    proc.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });

const USERS = 8;
const KEYS = 25;
const slot = (i: number) => ({ user: `user${i % USERS}`, key: `key_${Math.floor(i / USERS) % KEYS}` });

describe('the vault under kill -9', () => {
  it('leaves every credential at its old or its new value when 1,000 writes are killed at random moments', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portcullis-vault-crash-'));
    const acked = new Map<string, string>(); // user/key -> last value the writer reported as written
    let next = 0;
    let rounds = 0;
    while (next < 1000) {
      rounds++;
      const proc = await child(
        dir,
        ['k1'],
        `const USERS = ${USERS}, KEYS = ${KEYS};
for (let i = ${next}; i < 1000; i++) {
  const user = 'user' + (i % USERS), key = 'key_' + (Math.floor(i / USERS) % KEYS);
  await vault.set(user, key, 'value-' + i, who);
  process.stdout.write(i + '\\n');
}`,
      );
      let out = '';
      proc.stdout!.on('data', (d) => (out += d));
      await killAfter(proc, rounds > 6 ? 60_000 : 150 + Math.random() * 600);
      const done = out.split('\n').filter((l) => /^\d+$/.test(l)).map(Number);
      for (const i of done) {
        const s = slot(i);
        acked.set(`${s.user}/${s.key}`, `value-${i}`);
      }
      const inflight = done.length ? done[done.length - 1]! + 1 : next;
      const { vault, close } = await openVault(dir, ['k1']);
      for (let u = 0; u < USERS; u++) {
        const keys = Array.from({ length: KEYS }, (_, k) => `key_${k}`);
        const values = await vault.read(`user${u}`, keys, who); // throws if anything does not decrypt
        for (const key of keys) {
          const value = values.get(key);
          const allowed = [acked.get(`user${u}/${key}`)];
          const s = slot(inflight);
          if (s.user === `user${u}` && s.key === key) allowed.push(`value-${inflight}`);
          expect(allowed, `user${u}/${key} after round ${rounds}`).toContain(value);
        }
      }
      await close();
      next = inflight;
      // the write in flight may or may not have landed: count it as the new value when it did
      const s = slot(inflight);
      const { vault: again, close: close2 } = await openVault(dir, ['k1']);
      const landed = (await again.read(s.user, [s.key], who)).get(s.key);
      await close2();
      if (landed === `value-${inflight}`) {
        acked.set(`${s.user}/${s.key}`, landed);
        next = inflight + 1;
      }
    }
    expect(rounds).toBeGreaterThan(1);
  }, 120_000);

  it('loses nothing when a rotation is killed at random moments, and finishes on the next run', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portcullis-vault-rotate-'));
    const seed = await openVault(dir, ['k1']);
    for (let u = 0; u < 150; u++) await seed.vault.set(`u${u}`, 'token', `t-${u}`, who);
    await seed.close();
    for (let round = 0; round < 3; round++) {
      const proc = await child(dir, ['k2', 'k1'], `await vault.rotate(() => process.stdout.write('.'));\nprocess.stdout.write('done\\n');`);
      await killAfter(proc, 50 + Math.random() * 300);
      const check = await openVault(dir, ['k2', 'k1']);
      for (let u = 0; u < 150; u++) expect((await check.vault.read(`u${u}`, ['token'], who)).get('token')).toBe(`t-${u}`);
      await check.close();
    }
    const finish = await openVault(dir, ['k2', 'k1']);
    const progress = await finish.vault.rotate();
    expect(progress.byKey).toEqual({ k2: 150 });
    await finish.close();
    // the old key can go: every value reads with the new key alone
    const only = await openVault(dir, ['k2']);
    for (let u = 0; u < 150; u++) expect((await only.vault.read(`u${u}`, ['token'], who)).get('token')).toBe(`t-${u}`);
    await only.close();
  }, 120_000);
});

describe('the command line', () => {
  it('sets from stdin, lists names only, removes, and rotates the master key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portcullis-vault-cli-'));
    await writeFile(join(dir, 'users.yaml'), 'users: {}\n');
    const write = (keys: string[]) => writeFile(join(dir, 'gateway.json'), JSON.stringify({ ...configWith(keys), server: { dataDir: join(dir, 'data') } }));
    await write(['k1']);
    const env = { K1, K2 };
    const canary = `cli-canary-${randomBytes(6).toString('hex')}`;
    const set = await runPortcullis(['credentials', 'set', '--user', 'alice', '--config', 'gateway.json', 'github_token'], { cwd: dir, input: `${canary}\n`, env });
    expect(set.stderr + set.stdout).not.toContain(canary);
    expect(set).toMatchObject({ code: 0, stdout: 'stored github_token for alice\n' });
    const list = await runPortcullis(['credentials', 'list', '--user', 'alice', '--config', 'gateway.json'], { cwd: dir, env });
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^github_token\t\d{4}-/);
    expect(list.stdout + list.stderr).not.toContain(canary);
    expect(list.stderr).toContain('"event":"credential-list"');
    const bad = await runPortcullis(['credentials', 'set', '--user', 'alice', '--config', 'gateway.json', 'bad-name'], { cwd: dir, input: 'x\n', env });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('key: must be letters');

    await write(['k2', 'k1']);
    const rotate = await runPortcullis(['vault', 'rotate-key', '--config', 'gateway.json'], { cwd: dir, env });
    expect(rotate.stdout).toContain("re-wrapped 1 data keys under 'k2'");
    expect(rotate.stdout).toContain("master key 'k1' wraps no data key any more: it can be removed");
    await write(['k2']);
    const { vault, close } = await openVault(dir, ['k2']);
    expect((await vault.read('alice', ['github_token'], who)).get('github_token')).toBe(canary);
    await close();
    const removed = await runPortcullis(['credentials', 'remove', '--user', 'alice', '--config', 'gateway.json', 'github_token'], { cwd: dir, env });
    expect(removed).toMatchObject({ code: 0, stdout: 'removed github_token for alice\n' });
    const wrongKey = await runPortcullis(['credentials', 'list', '--user', 'alice', '--config', 'gateway.json'], { cwd: dir, env: { K2: K1 } });
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toContain("vault master key 'k2' is not the key the vault was written with");
  }, 60_000);
});
