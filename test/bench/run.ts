/**
 * `npm run bench`: the cost of the gateway, measured side by side in one run on loopback
 * with the same load settings for every scenario:
 *   a) the upstream hit directly
 *   b) the upstream behind a bare @fastify/http-proxy
 *   c) the upstream behind the gateway on the authenticated path
 *      (cookie → session → cached token → filters → proxy)
 *   d) the demo engine behind the gateway, verifying every token with engine-client
 * and, when present, the policy engine against a naive scan.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { CookieClient, loginWithForm } from '../support/http-client.js';

const SETTINGS = {
  connections: Number(process.env.BENCH_CONNECTIONS ?? 16),
  /** each scenario runs this long per round */
  durationSeconds: Number(process.env.BENCH_SECONDS ?? 4),
  /** rounds alternate the scenarios, so drift on a shared machine hits all of them alike */
  rounds: Number(process.env.BENCH_ROUNDS ?? 3),
  /** every server is driven this long first, so the JIT has compiled its hot path */
  warmupSeconds: Number(process.env.BENCH_WARMUP_SECONDS ?? 5),
};

const children: ChildProcess[] = [];

function startServer(kind: string, upstream?: string): Promise<string> {
  const script = fileURLToPath(new URL('./servers.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, kind, ...(upstream ? [upstream] : [])], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (line.startsWith('ready ')) resolve(line.slice(6).trim());
    });
    child.once('exit', (code) => reject(new Error(`${kind} server exited with ${code}`)));
  });
}

interface Result {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

interface Scenario {
  name: string;
  url: string;
  headers?: Record<string, string>;
}

function drive(scenario: Scenario, duration: number) {
  return autocannon({ url: scenario.url, connections: SETTINGS.connections, duration, headers: scenario.headers ?? {} });
}

/** Warm every scenario up, then run them in alternating rounds; report each one's median round. */
async function measure(scenarios: Scenario[]): Promise<Result[]> {
  for (const scenario of scenarios) await drive(scenario, SETTINGS.warmupSeconds);
  const runs = new Map<string, Result[]>(scenarios.map((s) => [s.name, []]));
  for (let round = 0; round < SETTINGS.rounds; round++) {
    for (const scenario of scenarios) {
      const r = await drive(scenario, SETTINGS.durationSeconds);
      runs.get(scenario.name)!.push({ name: scenario.name, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors, non2xx: r.non2xx });
      if (process.env.BENCH_VERBOSE) console.log(`  round ${round + 1} ${scenario.name}: ${r.requests.average.toFixed(0)} req/s`);
    }
  }
  return scenarios.map((scenario) => {
    const sorted = [...runs.get(scenario.name)!].sort((x, y) => x.rps - y.rps);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    return { ...median, errors: sorted.reduce((n, r) => n + r.errors, 0), non2xx: sorted.reduce((n, r) => n + r.non2xx, 0) };
  });
}

async function main() {
  const upstream = await startServer('upstream');
  const [bare, gateway] = await Promise.all([startServer('bare-proxy', upstream), startServer('gateway', upstream)]);
  const client = new CookieClient(gateway);
  const login = await loginWithForm(client, 'bob', 'builder');
  if (login.status !== 303) throw new Error(`bench login failed with ${login.status}`);
  const cookie = `portcullis_sid=${client.jar.get('portcullis_sid')}`;
  // one request each so the gateway's token cache is warm for both audiences
  for (const path of ['/bench/x', '/app/whoami']) {
    const r = await client.get(path);
    if (r.status !== 200) throw new Error(`${path} answered ${r.status} before the run`);
  }

  console.log(
    `load: ${SETTINGS.connections} connections on loopback; ${SETTINGS.warmupSeconds}s warm-up each, then ${SETTINGS.rounds} alternating rounds of ${SETTINGS.durationSeconds}s; median round shown`,
  );
  const results = await measure([
    { name: 'a upstream direct', url: `${upstream}/bench/x` },
    { name: 'b bare @fastify/http-proxy', url: `${bare}/bench/x` },
    { name: 'c gateway (authenticated path)', url: `${gateway}/bench/x`, headers: { cookie } },
  ]);
  // d runs in the gateway's own process (the demo engine lives there): measured after c so
  // the two paths do not share one JIT warm-up and disturb each other's measurement.
  results.push(...(await measure([{ name: 'd gateway + demo engine (verifies token)', url: `${gateway}/app/whoami`, headers: { cookie } }])));
  console.log('scenario'.padEnd(44) + 'req/s'.padStart(10) + 'p50 ms'.padStart(9) + 'p99 ms'.padStart(9) + 'errors'.padStart(8) + 'non-2xx'.padStart(9));
  for (const r of results) {
    console.log(r.name.padEnd(44) + r.rps.toFixed(0).padStart(10) + String(r.p50).padStart(9) + String(r.p99).padStart(9) + String(r.errors).padStart(8) + String(r.non2xx).padStart(9));
  }
  const [, b, c, d] = results as [Result, Result, Result, Result];
  if (c.non2xx || d.non2xx) console.log('warning: some requests were not answered 2xx; the ratios below are not meaningful');

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

  console.log(`ratio gateway/bare-proxy: ${(c.rps / b.rps).toFixed(3)}`);
  console.log(`ratio gateway+engine/bare-proxy: ${(d.rps / b.rps).toFixed(3)}`);
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => {
    for (const child of children) child.kill();
  });
