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
  durationSeconds: Number(process.env.BENCH_SECONDS ?? 6),
  warmupSeconds: 2,
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

async function load(name: string, url: string, headers: Record<string, string> = {}): Promise<Result> {
  const run = (duration: number) => autocannon({ url, connections: SETTINGS.connections, duration, headers });
  await run(SETTINGS.warmupSeconds);
  const r = await run(SETTINGS.durationSeconds);
  return { name, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors, non2xx: r.non2xx };
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

  console.log(`load: ${SETTINGS.connections} connections, ${SETTINGS.durationSeconds}s per scenario after ${SETTINGS.warmupSeconds}s warm-up, loopback`);
  const results = [
    await load('a upstream direct', `${upstream}/bench/x`),
    await load('b bare @fastify/http-proxy', `${bare}/bench/x`),
    await load('c gateway (authenticated path)', `${gateway}/bench/x`, { cookie }),
    await load('d gateway + demo engine (verifies token)', `${gateway}/app/whoami`, { cookie }),
  ];
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
