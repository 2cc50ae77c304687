/**
 * `npm run bench`: the cost of the gateway, measured side by side in one run on loopback with
 * the same load settings for every scenario, rounds alternating so drift hits all alike:
 *   proxy path   a) the upstream hit directly; b) behind a bare @fastify/http-proxy; b2) behind
 *                a bare forwarder built like the gateway's (undici dispatch to the socket);
 *                c) behind the gateway on the authenticated path (cookie → session → cached
 *                token → filters → proxy); d) an engine verifying every token with
 *                engine-client, behind the gateway
 *   beside nginx e) bare nginx; f) nginx asking the gateway (docs/forward-auth/nginx.conf);
 *                f2) the same over the gateway's Unix socket (forwardAuth.socket);
 *                g) f with nginx keeping decisions for 5 s
 *   latency      b and c at half of b's maximum rate, requests evenly spaced: the p99 the gateway adds
 *   vault        h) c with a `credentials` filter (the caller's credential read from the vault
 *                and decrypted on every request); vault reads per second from an engine
 * then the policy engine against a naive scan. Each ratio is a `ratio NAME: X` line.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { CookieClient, loginWithForm } from '../support/http-client.js';
import { freePort, NGINX, socketFolderForNginx, startNginx, type RunningProxy } from '../support/reverse-proxies.js';
import { pacedLatency, type PacedResult } from './paced-latency.js';

const SETTINGS = {
  connections: Number(process.env.BENCH_CONNECTIONS ?? 16),
  /** each scenario runs this long per round */
  durationSeconds: Number(process.env.BENCH_SECONDS ?? 4),
  /** rounds alternate the scenarios, so drift on a shared machine hits all of them alike */
  rounds: Number(process.env.BENCH_ROUNDS ?? 5),
  /** every server is driven this long first, so the JIT has compiled its hot path */
  warmupSeconds: Number(process.env.BENCH_WARMUP_SECONDS ?? 5),
};

/**
 * Cores: the load generator (this process) on core 0, the servers on the others, by tier
 * (upstream, proxy, gateway), so no server shares a core with the load. With one core, no pinning.
 */
const CORES = availableParallelism();
const TASKSET = ['/usr/bin/taskset', '/bin/taskset'].find((p) => existsSync(p));
const TIERS = ['upstream', 'proxy', 'gateway'] as const;
function cpuFor(tier: (typeof TIERS)[number]): string | undefined {
  if (!TASKSET || CORES < 2) return undefined;
  return String(1 + (TIERS.indexOf(tier) % (CORES - 1)));
}

const children: ChildProcess[] = [];
const proxies: RunningProxy[] = [];
let socketFolder: string | undefined;

/** the pid of each server by its URL, for the CPU time it spends (taskset execs in place: same pid) */
const pids = new Map<string, number>();

/** CPU time (user + system) of a process so far, in microseconds, from /proc; undefined where there is none. */
function cpuMicros(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100; // clock ticks: 100 per second on Linux
  } catch {
    return undefined;
  }
}

function startServer(tier: (typeof TIERS)[number], kind: string, ...args: string[]): Promise<string> {
  const script = fileURLToPath(new URL('./servers.ts', import.meta.url));
  const argv = [process.execPath, '--import', 'tsx', script, kind, ...args];
  const cpu = cpuFor(tier);
  const [command, ...rest] = cpu ? [TASKSET!, '-c', cpu, ...argv] : argv;
  const child = spawn(command!, rest, { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (line.startsWith('ready ')) {
        pids.set(line.slice(6).trim(), child.pid!);
        resolve(line.slice(6).trim());
      }
    });
    child.once('exit', (code) => reject(new Error(`${kind} server exited with ${code}`)));
  });
}

interface Round {
  rps: number;
  /** CPU microseconds the scenario's server spent per request, when it is one process of ours */
  cpuPerRequest?: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  /** CPU microseconds per request of each process of Scenario.path */
  cpuByProcess?: Record<string, number>;
}

interface Scenario {
  name: string;
  url: string;
  headers?: Record<string, string>;
  /** the process whose CPU time per request is reported */
  pid?: number;
  /** every server process on the request's path, by name: each one's CPU time per request is kept */
  path?: Record<string, number>;
}

interface Measured {
  scenario: Scenario;
  rounds: Round[];
  median: Round;
}

function drive(scenario: Scenario, duration: number, overallRate?: number) {
  return autocannon({ url: scenario.url, connections: SETTINGS.connections, duration, headers: scenario.headers ?? {}, ...(overallRate ? { overallRate } : {}) });
}

function roundOf(r: autocannon.Result): Round {
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors, non2xx: r.non2xx };
}

/** Warm every scenario up, then run them in alternating rounds; keep every round. */
async function measure(scenarios: Scenario[]): Promise<Measured[]> {
  for (const scenario of scenarios) await drive(scenario, SETTINGS.warmupSeconds);
  const rounds = scenarios.map(() => [] as Round[]);
  for (let round = 0; round < SETTINGS.rounds; round++) {
    for (const [i, scenario] of scenarios.entries()) {
      const cpuBefore = cpuMicros(scenario.pid);
      const pathBefore = Object.entries(scenario.path ?? {}).map(([name, pid]) => [name, pid, cpuMicros(pid)] as const);
      const result = await drive(scenario, SETTINGS.durationSeconds);
      const cpuAfter = cpuMicros(scenario.pid);
      const r = roundOf(result);
      const total = result.requests.total;
      if (cpuBefore !== undefined && cpuAfter !== undefined && total > 0) r.cpuPerRequest = (cpuAfter - cpuBefore) / total;
      if (total > 0 && pathBefore.length > 0) {
        r.cpuByProcess = {};
        for (const [name, pid, before] of pathBefore) {
          const after = cpuMicros(pid);
          if (before !== undefined && after !== undefined) r.cpuByProcess[name] = (after - before) / total;
        }
      }
      rounds[i]!.push(r);
      if (process.env.BENCH_VERBOSE) console.log(`  round ${round + 1} ${scenario.name}: ${r.rps.toFixed(0)} req/s`);
    }
  }
  return scenarios.map((scenario, i) => ({ scenario, rounds: rounds[i]!, median: medianBy(rounds[i]!, (r) => r.rps) }));
}

function medianBy<T>(items: T[], key: (item: T) => number): T {
  return [...items].sort((x, y) => key(x) - key(y))[Math.floor(items.length / 2)]!;
}

/** Per-round ratios of two scenarios measured in the same rounds: their median and lowest. */
function ratios(top: Measured, bottom: Measured): { median: number; lowest: number } {
  const each = top.rounds.map((r, i) => r.rps / bottom.rounds[i]!.rps);
  return { median: medianBy(each, (x) => x), lowest: Math.min(...each) };
}

/** Median per process over the rounds of its CPU microseconds per request. */
function cpuByProcess(m: Measured): Record<string, number> {
  const names = Object.keys(m.scenario.path ?? {});
  return Object.fromEntries(names.map((name) => [name, medianBy(m.rounds.map((r) => r.cpuByProcess?.[name] ?? NaN), (x) => x)]));
}

function describeCpu(m: Measured): string {
  return Object.entries(cpuByProcess(m))
    .map(([name, micros]) => `${name} ${micros.toFixed(0)} µs`)
    .join(', ');
}

/** CPU microseconds per request of the process that would be the bottleneck with a core of its own. */
function busiest(m: Measured): number {
  return Math.max(...Object.values(cpuByProcess(m)));
}

/** nginx's one worker (worker_processes 1), the process that serves the requests. */
function nginxWorkerPid(proxy: RunningProxy): number | undefined {
  try {
    const master = readFileSync(join(proxy.dir, 'nginx.pid'), 'utf8').trim();
    const children = readFileSync(`/proc/${master}/task/${master}/children`, 'utf8').trim().split(/\s+/);
    // the cache manager and loader are children too
    const worker = children.find((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('worker process'));
    return worker === undefined ? undefined : Number(worker);
  } catch {
    return undefined;
  }
}

async function login(base: string): Promise<string> {
  const client = new CookieClient(base);
  const answer = await loginWithForm(client, 'bob', 'builder');
  if (answer.status !== 303) throw new Error(`bench login at ${base} failed with ${answer.status}`);
  return `portcullis_sid=${client.jar.get('portcullis_sid')}`;
}

async function expectOk(url: string, headers: Record<string, string>): Promise<void> {
  const r = await fetch(url, { headers });
  if (r.status !== 200) throw new Error(`${url} answered ${r.status} before the run`);
}

/** nginx is needed for e–g: installed by scripts/system-packages.sh (as root) when missing; never by the bench itself otherwise. */
function nginxAvailable(): boolean {
  if (existsSync(NGINX)) return true;
  try {
    execFileSync('bash', [fileURLToPath(new URL('../../scripts/system-packages.sh', import.meta.url))], { stdio: 'inherit' });
  } catch {
    /* reported below */
  }
  if (existsSync(NGINX)) return true;
  console.log(`nginx is missing (${NGINX}): scenarios e–g skipped; install Debian's nginx`);
  return false;
}

function table(results: Measured[]): void {
  console.log('scenario'.padEnd(48) + 'req/s'.padStart(10) + 'p50 ms'.padStart(9) + 'p99 ms'.padStart(9) + 'errors'.padStart(8) + 'non-2xx'.padStart(9));
  for (const { scenario, rounds, median } of results) {
    const errors = rounds.reduce((n, r) => n + r.errors, 0);
    const non2xx = rounds.reduce((n, r) => n + r.non2xx, 0);
    console.log(scenario.name.padEnd(48) + median.rps.toFixed(0).padStart(10) + String(median.p50).padStart(9) + String(median.p99).padStart(9) + String(errors).padStart(8) + String(non2xx).padStart(9));
  }
  if (results.some((r) => r.rounds.some((x) => x.non2xx || x.errors))) console.log('warning: some requests failed or were not answered 2xx; the ratios below are not meaningful');
}

async function main() {
  if (TASKSET && CORES >= 2) execFileSync(TASKSET, ['-pc', '0', String(process.pid)], { stdio: 'ignore' });
  const upstream = await startServer('upstream', 'upstream');
  const enginePort = String(await freePort());
  // the gateway also answers forward authentication on a Unix socket (scenario f2)
  socketFolder = await socketFolderForNginx();
  const verifySocket = join(socketFolder, 'verify.sock');
  const [bare, forwarder, gateway, cachingGateway] = await Promise.all([
    startServer('proxy', 'bare-proxy', upstream),
    startServer('proxy', 'bare-forwarder', upstream),
    startServer('gateway', 'gateway', upstream, enginePort, '0', verifySocket),
    startServer('gateway', 'gateway', upstream, String(await freePort()), '5'),
  ]);
  await startServer('gateway', 'engine', gateway, enginePort);
  const [cookie, cachingCookie] = await Promise.all([login(gateway), login(cachingGateway)]);
  const { storeBenchCredential, runVaultReadBench } = await import('./vault.js');
  await storeBenchCredential(gateway, cookie);
  for (const path of ['/bench/x', '/engine/x', '/creds/x']) await expectOk(`${gateway}${path}`, { cookie });

  console.log(
    `load: ${SETTINGS.connections} connections on loopback; ${SETTINGS.warmupSeconds}s warm-up each, then ${SETTINGS.rounds} alternating rounds of ${SETTINGS.durationSeconds}s; median round shown; ` +
      (cpuFor('upstream') ? `load generator on core 0, upstream on ${cpuFor('upstream')}, proxies on ${cpuFor('proxy')}, gateways and engine on ${cpuFor('gateway')}` : 'no core pinning (taskset missing or one core)'),
  );
  const proxyPath = await measure([
    { name: 'a upstream direct', url: `${upstream}/bench/x` },
    { name: 'b bare @fastify/http-proxy', url: `${bare}/bench/x`, pid: pids.get(bare) },
    { name: 'b2 bare undici forwarder (no auth)', url: `${forwarder}/bench/x`, pid: pids.get(forwarder) },
    { name: 'c gateway (authenticated path)', url: `${gateway}/bench/x`, headers: { cookie }, pid: pids.get(gateway) },
    { name: 'd gateway + engine (engine-client verifies)', url: `${gateway}/engine/x`, headers: { cookie } },
    { name: 'h gateway + credentials filter (vault read)', url: `${gateway}/creds/x`, headers: { cookie }, pid: pids.get(gateway) },
  ]);
  const [, b, b2, c, d, h] = proxyPath as [Measured, Measured, Measured, Measured, Measured, Measured];
  const vaultReads = await runVaultReadBench(gateway, cookie, SETTINGS);

  let beside: Measured[] = [];
  if (nginxAvailable()) {
    const port = (url: string) => Number(new URL(url).port);
    const upstreamPort = port(upstream);
    const template = fileURLToPath(new URL('./nginx-bare.conf', import.meta.url));
    const started = await Promise.all([
      startNginx({ template, gatewayPort: 0, upstreamPort, cpus: cpuFor('proxy') }),
      startNginx({ gatewayPort: port(gateway), upstreamPort, cacheSeconds: 0, cpus: cpuFor('proxy') }),
      startNginx({ gatewayPort: port(cachingGateway), upstreamPort, cacheSeconds: 5, cpus: cpuFor('proxy') }),
      startNginx({ gatewayPort: port(gateway), upstreamPort, cacheSeconds: 0, cpus: cpuFor('proxy'), verifySocket }),
    ]);
    proxies.push(...started);
    const [bareNginx, nginxFa, nginxFaCached, nginxFaSocket] = started;
    await expectOk(`${nginxFaSocket.url}/bench/x`, { cookie });
    await expectOk(`${nginxFa.url}/bench/x`, { cookie });
    await expectOk(`${nginxFaCached.url}/bench/x`, { cookie: cachingCookie });
    const upstreamPid = pids.get(upstream)!;
    const gatewayPid = pids.get(gateway)!;
    const [bareWorker, faWorker, , socketWorker] = started.map(nginxWorkerPid);
    beside = await measure([
      { name: 'e bare nginx', url: `${bareNginx.url}/bench/x`, path: { nginx: bareWorker!, upstream: upstreamPid } },
      { name: 'f nginx + forward authentication', url: `${nginxFa.url}/bench/x`, headers: { cookie }, pid: gatewayPid, path: { nginx: faWorker!, gateway: gatewayPid, upstream: upstreamPid } },
      {
        name: 'f2 nginx + forward authentication, Unix socket',
        url: `${nginxFaSocket.url}/bench/x`,
        headers: { cookie },
        pid: gatewayPid,
        path: { nginx: socketWorker!, gateway: gatewayPid, upstream: upstreamPid },
      },
      { name: 'g nginx + forward authentication, 5 s cache', url: `${nginxFaCached.url}/bench/x`, headers: { cookie: cachingCookie } },
    ]);
  }

  // Latency at a rate both can carry: half of the bare proxy's maximum, the same for both,
  // requests evenly spaced (paced-latency.ts); alternating rounds, the median of the per-round differences.
  const rate = Math.max(1, Math.floor(b.median.rps / 2));
  const paced: { bare: PacedResult; gateway: PacedResult }[] = [];
  for (let round = 0; round < SETTINGS.rounds; round++) {
    const bare = await pacedLatency(b.scenario.url, b.scenario.headers ?? {}, rate, SETTINGS.durationSeconds, SETTINGS.connections);
    const gateway = await pacedLatency(c.scenario.url, c.scenario.headers ?? {}, rate, SETTINGS.durationSeconds, SETTINGS.connections);
    paced.push({ bare, gateway });
  }
  const p99Bare = medianBy(paced.map((p) => p.bare.p99), (x) => x);
  const p99Gateway = medianBy(paced.map((p) => p.gateway.p99), (x) => x);
  const addedP99 = medianBy(paced.map((p) => p.gateway.p99 - p.bare.p99), (x) => x);
  const pacedFailures = paced.reduce((n, p) => n + p.bare.errors + p.bare.non2xx + p.gateway.errors + p.gateway.non2xx, 0);

  table([...proxyPath, ...beside]);
  console.log(
    `at ${rate} req/s (half of b), evenly spaced: p99 bare proxy ${p99Bare} ms, gateway ${p99Gateway} ms; p50 ${medianBy(paced.map((p) => p.bare.p50), (x) => x)} / ${medianBy(paced.map((p) => p.gateway.p50), (x) => x)} ms (median of ${paced.length} rounds${pacedFailures ? `; ${pacedFailures} failed or non-2xx` : ''})`,
  );

  try {
    const policyModule = './policy.js';
    const { runPolicyBench } = (await import(policyModule)) as { runPolicyBench?: () => Promise<{ lines: string[]; ratio: number }> };
    if (runPolicyBench) {
      const policy = await runPolicyBench();
      for (const line of policy.lines) console.log(line);
    }
  } catch (err) {
    if ((err as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw err;
  }

  const { runPathPatternBench } = await import('./path-pattern.js');
  for (const line of runPathPatternBench().lines) console.log(line);

  const { runRedisSessionsBench } = await import('./redis-sessions.js');
  for (const line of (await runRedisSessionsBench()).lines) console.log(line);

  const gw = ratios(c, b);
  console.log(`ratio gateway/bare-proxy: ${gw.median.toFixed(3)}`);
  console.log(`ratio gateway/bare-proxy-lowest-round: ${gw.lowest.toFixed(3)}`);
  console.log(`ratio gateway+engine/bare-proxy: ${ratios(d, b).median.toFixed(3)}`);
  // the gateway forwards with undici's dispatch, not reply-from: against a bare proxy built the same way, what authentication costs
  console.log(`ratio gateway/bare-undici-forwarder: ${ratios(c, b2).median.toFixed(3)}`);
  for (const line of vaultReads.lines) console.log(line);
  console.log(`ratio credentials-filter: ${ratios(h, c).median.toFixed(3)}`);
  // CPU per request is steadier than throughput on a shared machine: other load slows a round, it does not add CPU time to it
  const cpu = (m: Measured) => medianBy(m.rounds, (r) => r.cpuPerRequest ?? 0).cpuPerRequest;
  const [cpuBare, cpuGateway, cpuForwarder] = [cpu(b), cpu(c), cpu(b2)];
  if (cpuBare && cpuGateway) {
    console.log(`cpu per request: bare proxy ${cpuBare.toFixed(0)} µs, bare forwarder ${cpuForwarder?.toFixed(0) ?? '?'} µs, gateway ${cpuGateway.toFixed(0)} µs (median round)`);
    console.log(`ratio bare-proxy-cpu/gateway-cpu-per-request: ${(cpuBare / cpuGateway).toFixed(3)}`);
  }
  if (beside.length === 4) {
    const [e, f, f2, g] = beside as [Measured, Measured, Measured, Measured];
    console.log(`ratio nginx+forward-auth/bare-nginx: ${ratios(f, e).median.toFixed(3)}`);
    console.log(`ratio nginx+forward-auth-unix-socket/bare-nginx: ${ratios(f2, e).median.toFixed(3)}`);
    console.log(`cpu per request of the gateway answering nginx: ${cpu(f)?.toFixed(0) ?? '?'} µs over TCP, ${cpu(f2)?.toFixed(0) ?? '?'} µs over the Unix socket (median round)`);
    for (const m of [e, f, f2]) console.log(`  cpu per request on ${m.scenario.name}: ${describeCpu(m)}`);
    // Here every server shares core 1, so throughput compares their summed work. With a core per
    // server, as in a production deployment, the busiest process alone sets the rate.
    console.log(`ratio nginx+forward-auth/bare-nginx-core-per-server: ${(busiest(e) / busiest(f)).toFixed(3)}`);
    console.log(`ratio nginx+forward-auth-unix-socket/bare-nginx-core-per-server: ${(busiest(e) / busiest(f2)).toFixed(3)}`);
    console.log(`ratio nginx+forward-auth-cached-5s/bare-nginx: ${ratios(g, e).median.toFixed(3)}`);
  }
  console.log(`ratio gateway-added-p99-ms-at-half-rate: ${addedP99.toFixed(2)}`);
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(async () => {
    for (const proxy of proxies) await proxy.stop();
    for (const child of children) child.kill();
    if (socketFolder) await rm(socketFolder, { recursive: true, force: true });
  });
