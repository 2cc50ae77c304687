/**
 * Sessions on Redis against sessions in memory, on the gateway's authenticated path
 * (cookie → session → cached token → proxy), in one run: a standalone Redis, a Redis behind
 * three sentinels and a three-master Cluster, each gateway with its local session cache
 * (invalidated on every gateway by pub/sub). Alternating rounds in a rotating order, median
 * round per scenario; a second memory gateway shows how far two identical servers differ.
 *
 * Called by run.ts (`runRedisSessionsBench`); run as a script with `serve <redis-json>` it
 * is the gateway process of one Redis scenario.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { CookieClient, loginWithForm } from '../support/http-client.js';

const SETTINGS = {
  connections: Number(process.env.BENCH_CONNECTIONS ?? 16),
  durationSeconds: Number(process.env.BENCH_SECONDS ?? 4),
  rounds: Number(process.env.BENCH_ROUNDS ?? 3),
  warmupSeconds: Number(process.env.BENCH_WARMUP_SECONDS ?? 5),
};

function spawnReady(script: string, args: string[], children: ChildProcess[]): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('ready ')) resolve(line.slice(6).trim());
    });
    child.once('exit', (code) => reject(new Error(`${args[0]} exited with ${code}`)));
  });
}

async function cookieFor(gateway: string): Promise<string> {
  const client = new CookieClient(gateway);
  const login = await loginWithForm(client, 'bob', 'builder');
  if (login.status !== 303) throw new Error(`bench login on ${gateway} failed with ${login.status}`);
  const cookie = `portcullis_sid=${client.jar.get('portcullis_sid')}`;
  const first = await client.get('/bench/x');
  if (first.status !== 200) throw new Error(`${gateway}/bench/x answered ${first.status} before the run`);
  return cookie;
}

interface Scenario {
  name: string;
  url: string;
  cookie: string;
}

async function drive(s: Scenario, duration: number) {
  return autocannon({ url: s.url, connections: SETTINGS.connections, duration, headers: { cookie: s.cookie } });
}

/**
 * Move this process to `cpu` (taskset), where the machine allows it. Children inherit the
 * affinity of their parent when they start: the servers below are started while the load
 * generator sits on the servers' core, then it moves back, as run.ts pins its own servers.
 */
function pinSelf(cpu: number): boolean {
  const taskset = ['/usr/bin/taskset', '/bin/taskset'].find((p) => existsSync(p));
  // cpus(), not availableParallelism(): the latter counts only the cores this process may use now
  if (!taskset || cpus().length < 2) return false;
  execFileSync(taskset, ['-pc', String(cpu), String(process.pid)], { stdio: 'ignore' });
  return true;
}

export async function runRedisSessionsBench(): Promise<{ lines: string[] }> {
  // loaded here, not at the top: the script mode (`serve`) must not pull in the test servers
  const { startTestCluster, startTestRedis, startTestSentinel } = await import('../support/redis.js');
  const children: ChildProcess[] = [];
  // Redis and the gateways on core 1, the load generator on core 0 (without pinning all of
  // them inherited the load generator's core and the rounds measured their contention)
  const pinned = pinSelf(1);
  const [standalone, sentinel, cluster] = await Promise.all([startTestRedis(), startTestSentinel(), startTestCluster()]);
  try {
    const servers = fileURLToPath(new URL('./servers.ts', import.meta.url));
    const self = fileURLToPath(import.meta.url);
    const upstream = await spawnReady(servers, ['upstream'], children);
    const topologies: [string, Record<string, unknown>][] = [
      ['redis standalone', { url: standalone.url }],
      ['redis sentinel', { mode: 'sentinel', sentinels: sentinel.sentinels, masterName: sentinel.masterName }],
      ['redis cluster', { mode: 'cluster', nodes: cluster.nodes }],
    ];
    // the memory gateway is the same process as the Redis ones, with only the store changed
    const memory = await spawnReady(self, ['serve', 'memory', upstream], children);
    // a second, identical memory gateway: how far two equal servers differ on this machine
    const control = await spawnReady(self, ['serve', 'memory', upstream], children);
    const scenarios: Scenario[] = [
      { name: 'memory sessions', url: `${memory}/bench/x`, cookie: await cookieFor(memory) },
      { name: 'memory sessions (control)', url: `${control}/bench/x`, cookie: await cookieFor(control) },
    ];
    for (const [name, redis] of topologies) {
      const gateway = await spawnReady(self, ['serve', JSON.stringify({ ...redis, keyPrefix: `bench-${name.split(' ')[1]}:` }), upstream], children);
      scenarios.push({ name: `${name} sessions`, url: `${gateway}/bench/x`, cookie: await cookieFor(gateway) });
    }
    if (pinned) pinSelf(0);
    for (const s of scenarios) await drive(s, SETTINGS.warmupSeconds);
    const rounds = new Map<string, { rps: number; p99: number; non2xx: number }[]>(scenarios.map((s) => [s.name, []]));
    for (let round = 0; round < SETTINGS.rounds; round++) {
      // the order rotates each round, so no scenario always runs first on a busy machine
      const order = scenarios.map((_, i) => scenarios[(i + round) % scenarios.length]!);
      for (const s of order) {
        const r = await drive(s, SETTINGS.durationSeconds);
        rounds.get(s.name)!.push({ rps: r.requests.average, p99: r.latency.p99, non2xx: r.non2xx + r.errors });
      }
    }
    const median = (name: string) => {
      const sorted = [...rounds.get(name)!].sort((a, b) => a.rps - b.rps);
      return { ...sorted[Math.floor(sorted.length / 2)]!, non2xx: sorted.reduce((n, r) => n + r.non2xx, 0) };
    };
    const lines = [`sessions: memory against Redis (standalone, Sentinel, Cluster), local session cache on; median round; ${pinned ? 'load on core 0, Redis and gateways on core 1' : 'no core pinning'}`];
    for (const s of scenarios) {
      const m = median(s.name);
      lines.push(`  ${s.name.padEnd(28)}${m.rps.toFixed(0).padStart(8)} req/s  p99 ${m.p99} ms  non-2xx ${m.non2xx}`);
    }
    const [first, second] = [median('memory sessions').rps, median('memory sessions (control)').rps];
    lines.push(`ratio memory-control/memory-sessions: ${(second / first).toFixed(3)} (noise: two identical gateways)`);
    // against the mean of the two memory gateways, so neither one's luck decides the ratio
    const base = (first + second) / 2;
    lines.push(`ratio redis-sessions/memory-sessions: ${(median('redis standalone sessions').rps / base).toFixed(3)}`);
    lines.push(`ratio redis-sentinel-sessions/memory-sessions: ${(median('redis sentinel sessions').rps / base).toFixed(3)}`);
    lines.push(`ratio redis-cluster-sessions/memory-sessions: ${(median('redis cluster sessions').rps / base).toFixed(3)}`);
    return { lines };
  } finally {
    for (const child of children) child.kill();
    await Promise.all([standalone.stop(), sentinel.stop(), cluster.stop()]);
  }
}

/** The gateway process of one scenario: the bench gateway of servers.ts, sessions in memory or on Redis. */
async function serve(redis: Record<string, unknown> | 'memory', upstream: string): Promise<string> {
  const { portcullisConfigSchema } = await import('@portcullis/config/schema/index.js');
  const { createLogger } = await import('@portcullis/gateway/logger.js');
  const { startGateway } = await import('@portcullis/gateway/server.js');
  const { writeUsersFile, DEMO_USERS } = await import('../support/gateway.js');
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-bench-redis-'));
  await writeUsersFile(dir, DEMO_USERS);
  const config = portcullisConfigSchema.parse({
    authenticators: [{ type: 'file', name: 'local', usersFile: 'users.yaml' }],
    routes: [{ name: 'bench', prefix: '/bench/', upstream }],
    session: redis === 'memory' ? { store: 'memory' } : { store: 'redis', redis },
    logLevel: 'warn',
  });
  const gateway = await startGateway(config, { configDir: dir, dataDir: join(dir, 'data'), host: '127.0.0.1', port: 0, logger: createLogger('warn') });
  return gateway.url;
}

if (process.argv[2] === 'serve') {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(0));
  serve(process.argv[3] === 'memory' ? 'memory' : JSON.parse(process.argv[3]!), process.argv[4]!).then(
    (url) => console.log(`ready ${url}`),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
