/**
 * Policy benchmark: decisions per second over a policy of 10,000 rules naming 1,000 users and
 * groups, for the indexed engine and for a naive linear scan over the same rules, in one run.
 * `npm run bench` imports runPolicyBench(); `tsx test/bench/policy.ts` prints the lines.
 */
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Policy } from '@portcullis/policies/policy.js';
import { makeRule } from '@portcullis/policies/compile.js';
import { OperationRegistry, SEED_OPERATIONS } from '@portcullis/policies/operations.js';
import { parsePrincipals } from '@portcullis/policies/principals.js';
import type { PolicyRule, ResourceInstance } from '@portcullis/policies/rule.js';
import type { Subject } from '@portcullis/policies/subject.js';
import type { PolicyScope } from '@portcullis/policies/types.js';
import { decideByLinearScan } from '../policies/linear-scan.js';

const RULES = 10_000;
const USERS = 500;
const GROUPS = 500;
const RESOURCE = 'invoice';

/** deterministic pseudo-random numbers, so every run measures the same policy */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function buildRules(): { rules: PolicyRule[]; operations: string[] } {
  const rand = rng(42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const operations = [...SEED_OPERATIONS, 'ALL', 'reports', 'reports:export', 'reports:export:pdf', 'reports:view'];
  const list = (names: string[]) => (parsePrincipals(names) as { ok: true; list: PolicyRule['users'] }).list;
  const rules: PolicyRule[] = [];
  for (let i = 0; i < RULES; i++) {
    const r = rand();
    const scope: PolicyScope = r < 0.47 ? 'USER' : r < 0.94 ? 'GROUP' : r < 0.965 ? 'ASSIGNEE' : r < 0.99 ? 'PROCESS_STARTER' : 'OTHERS';
    const variable = rand() < 0.03;
    const names = (prefix: string, count: number) => Array.from({ length: 1 + Math.floor(rand() * 3) }, () => `${prefix}${Math.floor(rand() * count)}`);
    rules.push(
      makeRule(RESOURCE, scope, pick(operations), rand() < 0.7 ? 'ALLOW' : 'DENY', {
        users: scope === 'USER' ? list(variable ? ['${approvers}'] : names('u', USERS)) : undefined,
        groups: scope === 'GROUP' ? list(variable ? ['${approverGroups}'] : names('g', GROUPS)) : undefined,
        source: { document: 'bench', path: `rules[${i}]`, origin: 'api', index: i },
      }),
    );
  }
  return { rules, operations: operations.filter((o) => o !== 'ALL') };
}

interface Query {
  subject: Subject;
  instance: ResourceInstance;
  operation: string;
}

function buildQueries(operations: string[], count: number): Query[] {
  const rand = rng(7);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  return Array.from({ length: count }, () => {
    const loginId = `u${Math.floor(rand() * USERS)}`;
    const groups = Array.from({ length: 5 }, () => `g${Math.floor(rand() * GROUPS)}`);
    return {
      subject: { loginId, groups, roles: ['user', 'staff'] },
      instance: {
        resource: RESOURCE,
        starter: rand() < 0.2 ? loginId : `u${Math.floor(rand() * USERS)}`,
        assignee: rand() < 0.2 ? loginId : `u${Math.floor(rand() * USERS)}`,
        variables: { approvers: `u${Math.floor(rand() * USERS)}, ${loginId}`, approverGroups: [`g${Math.floor(rand() * GROUPS)}`] },
      },
      operation: pick(operations),
    };
  });
}

/** Run `fn` over the queries for about `ms` milliseconds; returns [decisions, seconds]. */
function slice(queries: Query[], offset: number, ms: number, fn: (q: Query) => boolean): [number, number] {
  let n = 0;
  let sink = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 20; i++) sink += fn(queries[(offset + n++) % queries.length]!) ? 1 : 0;
    now = performance.now();
  }
  if (sink < 0) console.log(sink); // keep the work observable
  return [n, (now - start) / 1000];
}

/**
 * Measure both engines in alternating short slices, so a change in machine load (other test
 * suites on the same two cores) hits both alike; decisions per second for each.
 */
function measurePair(queries: Query[], totalMs: number, a: (q: Query) => boolean, b: (q: Query) => boolean): [number, number] {
  const rounds = Math.max(2, Math.round(totalMs / 200));
  const acc = [0, 0, 0, 0];
  for (let r = 0; r < rounds; r++) {
    const [na, sa] = slice(queries, r * 997, 100, a);
    const [nb, sb] = slice(queries, r * 997, 100, b);
    acc[0]! += na;
    acc[1]! += sa;
    acc[2]! += nb;
    acc[3]! += sb;
  }
  return [acc[0]! / acc[1]!, acc[2]! / acc[3]!];
}

export async function runPolicyBench(options: { durationMs?: number } = {}): Promise<{ lines: string[]; ratio: number }> {
  const durationMs = options.durationMs ?? 1500;
  const { rules, operations } = buildRules();
  const registry = new OperationRegistry([...new OperationRegistry().list(), 'reports:export:pdf', 'reports:view']);
  const buildStart = performance.now();
  const policy = new Policy([{ name: RESOURCE, rules }], registry);
  const buildMs = performance.now() - buildStart;
  const queries = buildQueries(operations, 2000);

  // both engines must agree before their speed means anything
  let allowed = 0;
  for (const q of queries.slice(0, 300)) {
    const a = policy.decide(q.subject, q.instance, q.operation).allowed;
    const b = decideByLinearScan(rules, registry, q.subject, q.instance, q.operation).allowed;
    if (a !== b) throw new Error(`engines disagree for ${q.subject.loginId} ${q.operation}`);
    if (a) allowed++;
  }

  const viaIndex = (q: Query) => policy.decide(q.subject, q.instance, q.operation).allowed;
  const viaScan = (q: Query) => decideByLinearScan(rules, registry, q.subject, q.instance, q.operation).allowed;
  measurePair(queries, 400, viaIndex, viaScan); // warm-up
  const [indexed, naive] = measurePair(queries, durationMs * 2, viaIndex, viaScan);
  const ratio = indexed / naive;
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  const lines = [
    `policy: ${RULES.toLocaleString('en-US')} rules over ${USERS} users and ${GROUPS} groups on one resource; index built in ${buildMs.toFixed(1)} ms; ${allowed}/300 sample decisions allowed, engines agree`,
    `policy indexed: ${fmt(indexed)} decisions/s (with explanation)`,
    `policy naive-scan: ${fmt(naive)} decisions/s`,
    `ratio policy/naive-scan: ${ratio.toFixed(1)}`,
  ];
  return { lines, ratio };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { lines } = await runPolicyBench();
  for (const line of lines) console.log(line);
}
