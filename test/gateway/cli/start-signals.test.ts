import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { writeUsersFile } from '../../support/gateway.js';
import { MAIN, SOURCE_FLAGS } from './run-cli.js';

/**
 * `portcullis start` as an operator runs it: JSON only on stdout, the banner on stderr,
 * SIGHUP reloads (a broken file is refused and the gateway keeps serving), SIGTERM drains
 * and exits 0.
 */
let dir: string;
let child: ChildProcess;
let stdout = '';
let stderr = '';

const config = (routes: unknown[], extra: Record<string, unknown> = {}) =>
  stringify({ authenticators: [{ type: 'file', name: 'local', usersFile: 'users.yaml' }], routes, logLevel: 'info', ...extra });

async function until(what: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!what() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  expect(what(), `${stdout}\n${stderr}`).toBe(true);
}

const logLines = () => stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'portcullis-signals-'));
  await writeUsersFile(dir, { alice: { password: 'wonderland', roles: ['user'] } });
  await writeFile(join(dir, 'gw.yaml'), config([{ name: 'one', prefix: '/one/', upstream: 'http://127.0.0.1:9/', requireSession: false }]));
  child = spawn(process.execPath, [...SOURCE_FLAGS, MAIN, 'start', '--config', 'gw.yaml', '--port', '0', '--data-dir', 'data'], {
    cwd: dir,
    env: { PATH: process.env.PATH },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  await until(() => /listening on (http:\/\/\S+)/.test(stderr));
});

afterAll(async () => {
  if (child.exitCode === null) child.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

const url = () => /listening on (http:\/\/\S+)/.exec(stderr)![1]!;

describe('portcullis start and signals', () => {
  it('writes only JSON log lines to stdout; the banner goes to stderr', () => {
    expect(stdout.length).toBeGreaterThan(0);
    expect(() => logLines()).not.toThrow();
    expect(stdout).not.toContain('listening on');
  });

  it('refuses a broken configuration on SIGHUP and keeps serving the old one', async () => {
    await writeFile(join(dir, 'gw.yaml'), config([{ name: 'one', prefix: '/one/', upstream: 'http://127.0.0.1:9/', requireSession: false }], { server: { bogusOption: null } }));
    child.kill('SIGHUP');
    await until(() => logLines().some((l) => l.event === 'config-reload' && l.result === 'refused'));
    expect(child.exitCode).toBeNull();
    expect((await fetch(`${url()}/healthz`)).status).toBe(200);
    expect((await fetch(`${url()}/one/x`)).status).toBe(502); // the old route is still there
  });

  it('applies a good configuration on SIGHUP without restarting', async () => {
    await writeFile(
      join(dir, 'gw.yaml'),
      config([
        { name: 'one', prefix: '/one/', upstream: 'http://127.0.0.1:9/', requireSession: false },
        { name: 'two', prefix: '/two/', upstream: 'http://127.0.0.1:9/', requireSession: false },
      ]),
    );
    child.kill('SIGHUP');
    await until(() => logLines().some((l) => l.event === 'config-reload' && l.result === 'applied'));
    expect((await fetch(`${url()}/two/x`)).status).toBe(502); // the new route answers (its engine is down)
    expect((await fetch(`${url()}/nowhere/`, { headers: { accept: 'application/json' } })).status).toBe(404);
  });

  it('drains and exits 0 on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.kill('SIGTERM');
    expect(await exited, stderr).toBe(0);
    expect(stderr).toMatch(/stopped: drained in \d+ ms, 0 request\(s\) cut/);
    expect(logLines().some((l) => l.msg === 'gateway stopped')).toBe(true);
  });
});
