import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { requireBinary } from './system-binary.js';

export interface TestRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
}

const SERVER = '/usr/bin/redis-server';
const SENTINEL = '/usr/bin/redis-sentinel';
const CLI = '/usr/bin/redis-cli';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** One redis-server (or redis-sentinel) process the tests own. */
export class RedisProcess {
  readonly port: number;
  #child: ChildProcess;
  readonly #command: string;
  readonly #args: string[];

  constructor(command: string, args: string[], port: number) {
    this.#command = command;
    this.#args = args;
    this.port = port;
    this.#child = RedisProcess.#spawn(command, args);
  }

  static #spawn(command: string, args: string[]): ChildProcess {
    return spawn(command, args, { stdio: 'ignore' });
  }

  get running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Kill at once (SIGKILL): a crash, not a shutdown. */
  kill(): Promise<void> {
    return this.#stop('SIGKILL');
  }

  stop(): Promise<void> {
    return this.#stop('SIGTERM');
  }

  #stop(signal: NodeJS.Signals): Promise<void> {
    return new Promise<void>((resolve) => {
      if (!this.running) return resolve();
      this.#child.once('exit', () => resolve());
      this.#child.kill(signal);
    });
  }

  /** Freeze the process (SIGSTOP): it keeps its connections and data but answers nothing. */
  pause(): void {
    this.#child.kill('SIGSTOP');
  }

  resume(): void {
    this.#child.kill('SIGCONT');
  }

  /** Start again with the same arguments (same port, same config file). */
  async restart(): Promise<void> {
    await this.stop();
    this.#child = RedisProcess.#spawn(this.#command, this.#args);
    await waitForPing(this.port);
  }
}

/** Resolves once the server on `port` answers PING (a NOAUTH refusal is an answer), or throws after `timeoutMs`. */
export async function waitForPing(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, enableReadyCheck: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined); // refused while the server starts: expected, retried below
    try {
      await probe.connect();
      await probe.ping().catch((err: Error) => {
        if (!err.message.startsWith('NOAUTH')) throw err;
      });
      probe.disconnect();
      return;
    } catch {
      probe.disconnect();
      if (Date.now() > deadline) throw new Error(`redis on port ${port} did not answer PING within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** Arguments for a throw-away server: loopback only, nothing on disk but what `dir` holds. */
function serverArgs(port: number, dir: string, extra: string[] = []): string[] {
  // replicas sync at once (the default waits 5 s for more replicas before a diskless sync)
  return ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--protected-mode', 'yes', '--repl-diskless-sync-delay', '0', ...extra];
}

/** A private redis-server on a free loopback port, keeping nothing on disk; stopped by `stop()`. */
export async function startTestRedis(extraArgs: string[] = []): Promise<TestRedis & { process: RedisProcess }> {
  requireBinary(SERVER, 'redis-server');
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-redis-'));
  const server = new RedisProcess(SERVER, serverArgs(port, dir, extraArgs), port);
  await waitForPing(port);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    process: server,
    async stop() {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface TestSentinel {
  masterName: string;
  /** host:port of each sentinel */
  sentinels: string[];
  servers: RedisProcess[];
  /** the port of the current master, as the sentinels see it */
  masterPort(): Promise<number>;
  /** ask the sentinels to fail over and wait until they name a new master */
  failover(): Promise<{ from: number; to: number }>;
  stop(): Promise<void>;
}

/**
 * A master with two replicas and three sentinels (quorum 2) on free loopback ports, with
 * short timeouts so a failover takes seconds, not half a minute.
 */
export async function startTestSentinel(): Promise<TestSentinel> {
  requireBinary(SERVER, 'redis-server');
  requireBinary(SENTINEL, 'redis-sentinel');
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-sentinel-'));
  const masterName = 'portcullis-test';
  const ports = await uniquePorts(6);
  const [masterPort, ...rest] = ports;
  const replicaPorts = rest.slice(0, 2);
  const sentinelPorts = rest.slice(2);
  const servers = [new RedisProcess(SERVER, serverArgs(masterPort!, dir, ['--dbfilename', `dump-${masterPort}.rdb`]), masterPort!)];
  await waitForPing(masterPort!);
  for (const port of replicaPorts) {
    servers.push(new RedisProcess(SERVER, serverArgs(port, dir, ['--dbfilename', `dump-${port}.rdb`, '--replicaof', '127.0.0.1', String(masterPort)]), port));
  }
  const sentinels: RedisProcess[] = [];
  for (const port of sentinelPorts) {
    const file = join(dir, `sentinel-${port}.conf`);
    await writeFile(
      file,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${masterName} 127.0.0.1 ${masterPort} 2`,
        `sentinel down-after-milliseconds ${masterName} 1000`,
        `sentinel failover-timeout ${masterName} 4000`,
        `sentinel parallel-syncs ${masterName} 2`,
        '',
      ].join('\n'),
    );
    sentinels.push(new RedisProcess(SENTINEL, [file], port));
  }
  for (const s of [...servers, ...sentinels]) await waitForPing(s.port);
  // the sentinels must know the replicas and each other before a failover can be agreed on
  await until(async () => {
    for (const s of sentinels) {
      const replicas = (await sentinelCommand(s.port, 'REPLICAS', masterName)) as unknown[];
      const peers = (await sentinelCommand(s.port, 'SENTINELS', masterName)) as unknown[];
      if (replicas.length < 2 || peers.length < 2) return false;
    }
    return true;
  }, 20_000, 'sentinels did not discover the replicas and each other');
  // and the replicas must hold the data, or a failover loses it
  await until(async () => {
    for (const port of replicaPorts) if (!String(await command(port, ['INFO', 'replication'])).includes('master_link_status:up')) return false;
    return true;
  }, 20_000, 'the replicas did not sync with the master');

  const masterPortNow = async () => {
    const [, port] = (await sentinelCommand(sentinelPorts[0]!, 'GET-MASTER-ADDR-BY-NAME', masterName)) as [string, string];
    return Number(port);
  };
  return {
    masterName,
    sentinels: sentinelPorts.map((p) => `127.0.0.1:${p}`),
    servers,
    masterPort: masterPortNow,
    async failover() {
      const from = await masterPortNow();
      // a replica must be in sync, or the sentinels refuse with NOGOODSLAVE
      await until(async () => (await sentinelCommand(sentinelPorts[0]!, 'FAILOVER', masterName).then(() => true, () => false)), 10_000, 'SENTINEL FAILOVER was refused');
      await until(async () => (await masterPortNow()) !== from, 15_000, 'the sentinels named no new master');
      return { from, to: await masterPortNow() };
    },
    async stop() {
      for (const s of [...sentinels, ...servers]) await s.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface TestCluster {
  /** host:port of each master at start */
  nodes: string[];
  servers: RedisProcess[];
  /** the process that currently serves `key`'s slot as master */
  masterOf(key: string): Promise<RedisProcess>;
  /** how many keys each current master holds */
  keysPerMaster(): Promise<number[]>;
  /** wait until every slot is served again (after a master was killed) */
  waitHealthy(): Promise<void>;
  stop(): Promise<void>;
}

/** Three masters, each with one replica, on free loopback ports; node timeout 1 s. */
export async function startTestCluster(): Promise<TestCluster> {
  requireBinary(SERVER, 'redis-server');
  requireBinary(CLI, 'redis-tools');
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-cluster-'));
  const ports = await uniquePorts(6);
  const servers = ports.map(
    (port) =>
      new RedisProcess(
        SERVER,
        serverArgs(port, dir, ['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '1000', '--dbfilename', `dump-${port}.rdb`]),
        port,
      ),
  );
  for (const s of servers) await waitForPing(s.port);
  await promisify(execFile)(CLI, ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '1', '--cluster-yes'], { timeout: 30_000 });
  const healthy = async () => {
    for (const s of servers.filter((x) => x.running)) {
      const info = await command(s.port, ['CLUSTER', 'INFO']).catch(() => '');
      if (!String(info).includes('cluster_state:ok')) return false;
    }
    return true;
  };
  const waitHealthy = () => until(healthy, 20_000, 'the cluster did not reach cluster_state:ok');
  await waitHealthy();
  // every replica must have synced before a test may kill its master
  await until(async () => {
    const roles = await Promise.all(servers.map((s) => command(s.port, ['INFO', 'replication']).then(String)));
    return roles.filter((r) => r.includes('role:slave') && r.includes('master_link_status:up')).length === 3;
  }, 20_000, 'the cluster replicas did not sync');
  const masters: string[] = [];
  for (const s of servers) if (String(await command(s.port, ['INFO', 'replication'])).includes('role:master')) masters.push(`127.0.0.1:${s.port}`);
  return {
    nodes: masters,
    servers,
    async masterOf(key) {
      const alive = servers.find((s) => s.running)!;
      const slot = Number(await command(alive.port, ['CLUSTER', 'KEYSLOT', key]));
      const shards = (await command(alive.port, ['CLUSTER', 'SLOTS'])) as [number, number, [string, number]][];
      const owner = shards.find(([from, to]) => slot >= from && slot <= to)!;
      return servers.find((s) => s.port === Number(owner[2][1]))!;
    },
    async keysPerMaster() {
      const counts: number[] = [];
      for (const s of servers.filter((x) => x.running)) {
        if (String(await command(s.port, ['INFO', 'replication'])).includes('role:master')) counts.push(Number(await command(s.port, ['DBSIZE'])));
      }
      return counts;
    },
    waitHealthy,
    async stop() {
      for (const s of servers) await s.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function uniquePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

async function command(port: number, args: string[]): Promise<unknown> {
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await client.call(args[0]!, ...args.slice(1));
  } finally {
    client.disconnect();
  }
}

function sentinelCommand(port: number, ...args: string[]): Promise<unknown> {
  return command(port, ['SENTINEL', ...args]);
}

/** Poll `check` every 100 ms until it answers true, or throw `message` after `timeoutMs`. */
export async function until(check: () => Promise<boolean>, timeoutMs: number, message: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(message);
    await new Promise((r) => setTimeout(r, 100));
  }
}
