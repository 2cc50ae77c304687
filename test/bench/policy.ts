/**
 * Policy benchmark, in one run: (1) decisions per second on a process definition with 50 user
 * tasks and 10,000 rules (over the process and its tasks, naming 1,000 users and groups), for
 * the indexed engine and for a naive linear scan over every rule of the definition; (2) the
 * LIST_TASK filter over 10,000 task instances of that definition, indexed (filterAllowed) and
 * by deciding each instance with the naive scan. The engines must agree before they are timed.
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
import { filterAllowed } from '@portcullis/policies/list-filter.js';
import { PROCESS_OPERATIONS, TASK_OPERATIONS, operationFitsElement, taskElementName } from '@portcullis/policies/elements.js';
import { decideByLinearScan } from '../policies/linear-scan.js';

const RULES = 10_000;
const USERS = 500;
const GROUPS = 500;
const TASKS = 50;
const INSTANCES = 10_000;
const RESOURCE = 'invoice';
const TASK_KEYS = Array.from({ length: TASKS }, (_, i) => `task${i}`);
/** the process and its tasks: where a rule is attached */
const ELEMENTS = [RESOURCE, ...TASK_KEYS.map((t) => taskElementName(RESOURCE, t))];

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
  const custom = ['reports', 'reports:export', 'reports:export:pdf', 'reports:view'];
  const operations = [...SEED_OPERATIONS, 'ALL', ...custom];
  const list = (names: string[]) => (parsePrincipals(names) as { ok: true; list: PolicyRule['users'] }).list;
  const rules: PolicyRule[] = [];
  for (let i = 0; i < RULES; i++) {
    const r = rand();
    const scope: PolicyScope = r < 0.47 ? 'USER' : r < 0.94 ? 'GROUP' : r < 0.965 ? 'ASSIGNEE' : r < 0.99 ? 'PROCESS_STARTER' : 'OTHERS';
    const variable = rand() < 0.03;
    const names = (prefix: string, count: number) => Array.from({ length: 1 + Math.floor(rand() * 3) }, () => `${prefix}${Math.floor(rand() * count)}`);
    // a fifth of the rules on the process, the rest spread over its tasks; only operations valid there
    const element = rand() < 0.2 ? RESOURCE : pick(ELEMENTS.slice(1));
    const kind = element === RESOURCE ? 'process' : 'task';
    let op = pick(operations);
    while (!operationFitsElement(op, kind)) op = pick(operations);
    rules.push(
      makeRule(element, scope, op, rand() < 0.7 ? 'ALLOW' : 'DENY', {
        users: scope === 'USER' ? list(variable ? ['${approvers}'] : names('u', USERS)) : undefined,
        groups: scope === 'GROUP' ? list(variable ? ['#{approverGroups}'] : names('g', GROUPS)) : undefined,
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
  const processOps = operations.filter((o) => operationFitsElement(o, 'process'));
  const taskOps = operations.filter((o) => operationFitsElement(o, 'task'));
  return Array.from({ length: count }, () => {
    const loginId = `u${Math.floor(rand() * USERS)}`;
    const groups = Array.from({ length: 3 }, () => `g${Math.floor(rand() * GROUPS)}`);
    const task = rand() < 0.2 ? undefined : pick(TASK_KEYS);
    return {
      subject: { loginId, groups, roles: ['nevisWF.User', `g${Math.floor(rand() * GROUPS)}`] },
      instance: {
        resource: RESOURCE,
        task,
        starter: rand() < 0.2 ? loginId : `u${Math.floor(rand() * USERS)}`,
        assignee: rand() < 0.2 ? loginId : `u${Math.floor(rand() * USERS)}`,
        variables: { approvers: `u${Math.floor(rand() * USERS)}, ${loginId}`, approverGroups: [`g${Math.floor(rand() * GROUPS)}`] },
      },
      operation: task === undefined ? pick(processOps) : pick(taskOps),
    };
  });
}

/** 10,000 task instances of the definition; a list asks for LIST_TASK on each. */
function buildInstances(): ResourceInstance[] {
  const rand = rng(11);
  return Array.from({ length: INSTANCES }, () => ({
    resource: RESOURCE,
    task: TASK_KEYS[Math.floor(rand() * TASKS)]!,
    starter: `u${Math.floor(rand() * USERS)}`,
    assignee: `u${Math.floor(rand() * USERS)}`,
  }));
}

/** The naive scan only looks at the element's rules by comparing each rule's element name. */
function elementName(instance: ResourceInstance): string {
  return instance.task === undefined ? instance.resource : taskElementName(instance.resource, instance.task);
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
  const policy = new Policy(
    [
      { name: RESOURCE, kind: 'process', rules: rules.filter((r) => r.resource === RESOURCE), tasks: TASK_KEYS },
      ...TASK_KEYS.map((t) => ({ name: taskElementName(RESOURCE, t), kind: 'task', process: RESOURCE, rules: rules.filter((r) => r.resource === taskElementName(RESOURCE, t)) })),
    ],
    registry,
  );
  const buildMs = performance.now() - buildStart;
  const queries = buildQueries(operations, 2000);
  const naive = (q: Query) => decideByLinearScan(rules, registry, q.subject, { ...q.instance, resource: elementName(q.instance) }, q.operation).allowed;

  // both engines must agree before their speed means anything
  let allowed = 0;
  for (const q of queries.slice(0, 300)) {
    const a = policy.decide(q.subject, q.instance, q.operation).allowed;
    if (a !== naive(q)) throw new Error(`engines disagree for ${q.subject.loginId} ${q.operation}`);
    if (a) allowed++;
  }

  for (const q of queries.slice(0, 300)) {
    if (policy.isAllowed(q.subject, q.instance, q.operation) !== naive(q)) throw new Error(`isAllowed disagrees for ${q.subject.loginId} ${q.operation}`);
  }
  const viaIndex = (q: Query) => policy.isAllowed(q.subject, q.instance, q.operation);
  const viaExplained = (q: Query) => policy.decide(q.subject, q.instance, q.operation).allowed;
  measurePair(queries, 400, viaIndex, naive); // warm-up
  const [indexed, scanned] = measurePair(queries, durationMs * 2, viaIndex, naive);
  const [explained] = measurePair(queries, durationMs, viaExplained, naive);
  const ratio = indexed / scanned;

  // the list filter: one subject, 10,000 task instances, LIST_TASK
  const instances = buildInstances();
  const listQueries: Query[] = queries.slice(0, 20).map((q) => ({ ...q, operation: 'LIST_TASK' }));
  const naiveList = (q: Query) => instances.filter((i) => decideByLinearScan(rules, registry, q.subject, { ...i, resource: elementName(i) }, 'LIST_TASK').allowed).length;
  const indexedList = (q: Query) => filterAllowed(policy, q.subject, instances, 'LIST_TASK').length;
  for (const q of listQueries.slice(0, 3)) {
    if (indexedList(q) !== naiveList(q)) throw new Error(`list filters disagree for ${q.subject.loginId}`);
  }
  const [listsIndexed, listsNaive] = measureLists(listQueries, durationMs, indexedList, naiveList);
  const listRatio = listsIndexed / listsNaive;

  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  const lines = [
    `policy: one process definition with ${TASKS} user tasks and ${RULES.toLocaleString('en-US')} rules over ${USERS} users and ${GROUPS} groups; index built in ${buildMs.toFixed(1)} ms; ${allowed}/300 sample decisions allowed, engines agree`,
    `policy indexed: ${fmt(indexed)} decisions/s (isAllowed); ${fmt(explained)} decisions/s with the full explanation (decide)`,
    `policy naive-scan: ${fmt(scanned)} decisions/s`,
    `policy list filter: ${INSTANCES.toLocaleString('en-US')} task instances, LIST_TASK: indexed ${listsIndexed.toFixed(1)} lists/s (${fmt(listsIndexed * INSTANCES)} instances/s), naive scan ${listsNaive.toFixed(2)} lists/s; filters agree`,
    `ratio policy/naive-scan: ${ratio.toFixed(1)}`,
    `ratio policy-list/naive-scan: ${listRatio.toFixed(1)}`,
  ];
  if (ratio < 20 || listRatio < 20) lines.push(`warning: the indexed engine is below 20x the naive scan`);
  return { lines, ratio: Math.min(ratio, listRatio) };
}

/** Whole lists per second for each filter, alternating, each for at least one list and ~`ms` in all. */
function measureLists(queries: Query[], ms: number, a: (q: Query) => number, b: (q: Query) => number): [number, number] {
  const acc = [0, 0, 0, 0];
  const deadline = performance.now() + ms * 2;
  let i = 0;
  do {
    for (const [fn, n, t] of [[a, 0, 1], [b, 2, 3]] as const) {
      const start = performance.now();
      let count = 0;
      do {
        fn(queries[(i + count) % queries.length]!);
        count++;
      } while (performance.now() - start < 100);
      acc[n]! += count;
      acc[t]! += (performance.now() - start) / 1000;
    }
    i++;
  } while (performance.now() < deadline);
  return [acc[0]! / acc[1]!, acc[2]! / acc[3]!];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { lines } = await runPolicyBench();
  for (const line of lines) console.log(line);
}
