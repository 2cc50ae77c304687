import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmod, chown, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { requireBinary } from './system-binary.js';
import { freePort } from './redis.js';

const BIN = '/usr/lib/postgresql/15/bin';

export interface TestPostgres {
  /** postgres://127.0.0.1:PORT/DATABASE, without credentials */
  url: string;
  port: number;
  user: string;
  password: string;
  /** a fresh, empty database on this server */
  createDatabase(name: string): Promise<string>;
  /** SIGKILL the server (a crash) */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A private PostgreSQL 15 on a free loopback port, in a temporary folder, with password (SCRAM)
 * authentication. PostgreSQL refuses to run as root, so under root the server runs as the
 * `postgres` system account in a folder that account owns.
 */
export async function startTestPostgres(): Promise<TestPostgres> {
  requireBinary(`${BIN}/postgres`, 'postgresql');
  const root = userInfo().uid === 0;
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-pg-'));
  const data = join(dir, 'data');
  const user = 'portcullis_test';
  const password = `pw-${Math.random().toString(36).slice(2)}`;
  const pwfile = join(dir, 'pwfile');
  await writeFile(pwfile, `${password}\n`);
  // the server runs as `postgres` itself (spawn's uid/gid), so a SIGKILL reaches the postmaster
  const account = root ? await postgresAccount() : undefined;
  if (account) {
    await chown(dir, account.uid, account.gid);
    await chown(pwfile, account.uid, account.gid);
  }
  await chmod(dir, 0o700);
  await promisify(execFile)(`${BIN}/initdb`, ['-D', data, '-U', user, `--pwfile=${pwfile}`, '--auth=scram-sha-256', '-E', 'UTF8', '--no-sync', '--no-instructions'], {
    timeout: 60_000,
    cwd: dir,
    ...account,
    env: { ...process.env, LC_ALL: 'C' },
  });
  const port = await freePort();
  const log = await open(join(dir, 'server.log'), 'a');
  const child: ChildProcess = spawn(`${BIN}/postgres`, ['-D', data, '-p', String(port), '-h', '127.0.0.1', '-k', dir, '-c', 'max_connections=50'], {
    stdio: ['ignore', 'ignore', log.fd],
    cwd: dir,
    ...account,
    env: { ...process.env, LC_ALL: 'C' },
  });
  const base = `postgres://127.0.0.1:${port}`;
  await log.close();
  try {
    await waitForServer(port, user, password);
  } catch (err) {
    child.kill('SIGKILL');
    const tail = await readFile(join(dir, 'server.log'), 'utf8').catch(() => '');
    throw new Error(`${(err as Error).message}; server log: ${tail.slice(-1500)}`);
  }
  const exited = (c: ChildProcess) => c.exitCode !== null || c.signalCode !== null;
  const stopWith = (signal: NodeJS.Signals) =>
    new Promise<void>((resolve) => {
      if (exited(child)) return resolve();
      child.once('exit', () => resolve());
      // SIGINT is PostgreSQL's fast shutdown
      child.kill(signal);
    });
  return {
    url: `${base}/postgres`,
    port,
    user,
    password,
    async createDatabase(name) {
      const client = new pg.Client({ host: '127.0.0.1', port, database: 'postgres', user, password });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name}"`);
      } finally {
        await client.end();
      }
      return `${base}/${name}`;
    },
    kill: () => stopWith('SIGKILL'),
    async stop() {
      await stopWith('SIGINT');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function postgresAccount(): Promise<{ uid: number; gid: number }> {
  const { stdout } = await promisify(execFile)('id', ['-u', 'postgres']).catch(() => {
    throw new Error('the postgres system account is missing: install Debian\'s postgresql (bash scripts/system-packages.sh as root)');
  });
  const { stdout: gid } = await promisify(execFile)('id', ['-g', 'postgres']);
  return { uid: Number(stdout.trim()), gid: Number(gid.trim()) };
}

async function waitForServer(port: number, user: string, password: string, timeoutMs = 30_000): Promise<void> {
  const base = `postgres://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new pg.Client({ host: '127.0.0.1', port, database: 'postgres', user, password, connectionTimeoutMillis: 1000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
      return;
    } catch {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline) throw new Error(`PostgreSQL at ${base} did not answer within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
