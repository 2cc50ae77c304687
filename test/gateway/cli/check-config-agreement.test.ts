import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { writeUsersFile } from '../../support/gateway.js';
import { BUILTIN_FILTERS } from '../../../filters/builtin/index.js';
import { MAIN, SOURCE_FLAGS } from './run-cli.js';

/**
 * `check-config` sees what `start` sees: over every example and one bad file per built-in
 * filter (and per other way a file used to pass check-config and fail start), both commands
 * agree, problem for problem.
 */
const EXAMPLES = fileURLToPath(new URL('../../../config/examples/', import.meta.url));
const ENV = { LDAP_SERVICE_PASSWORD: 'not-used-by-either-command' };
let dir: string;

interface Outcome {
  ok: boolean;
  problems: string[];
}

function run(args: string[], untilListening: boolean): Promise<{ code: number | null; stdout: string; stderr: string; listened: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...SOURCE_FLAGS, MAIN, ...args], { cwd: dir, env: { PATH: process.env.PATH, ...ENV }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let listened = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      if (untilListening && !listened && /listening on https?:\/\//.test(stderr)) {
        listened = true;
        child.kill('SIGTERM');
      }
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, listened });
    });
  });
}

/** check-config: "path: message" lines after the "N problems" header. */
async function checkConfig(file: string): Promise<Outcome> {
  const { code, stdout } = await run(['check-config', file], false);
  if (code === 0) return { ok: true, problems: [] };
  const lines = stdout.split('\n').filter((l) => l && !l.startsWith('warning:'));
  return { ok: false, problems: lines.slice(1) };
}

/** start: the problem lines of an invalid configuration, or the one coded error it stopped on. */
async function start(file: string): Promise<Outcome> {
  const { code, stderr, listened } = await run(['start', '--config', file, '--port', '0', '--data-dir', join(dir, 'data')], true);
  if (listened && code === 0) return { ok: true, problems: [] };
  const problems = stderr.split('\n').filter((l) => l.startsWith('  ')).map((l) => l.trim());
  if (problems.length > 0) return { ok: false, problems };
  const single = /^portcullis start: (.*) \[[A-Z_]+\]$/m.exec(stderr);
  return { ok: false, problems: single ? [single[1]!] : [`(no problem reported) ${stderr.slice(-300)}`] };
}

const route = (filters: unknown[], extra: Record<string, unknown> = {}) => ({
  authenticators: [{ type: 'file', name: 'local', usersFile: 'users.yaml' }],
  routes: [{ name: 'app', prefix: '/app/', upstream: 'http://127.0.0.1:9/', filters, ...extra }],
});

/** One bad file per built-in filter, and the other ways a file used to pass check-config and fail start. */
const BAD: Record<string, unknown> = {
  'require-session': route([{ use: 'require-session', options: { always: true } }]),
  'route-policy': route([{ use: 'route-policy', options: { allow: ['x'] } }]),
  'strip-identity-headers': route([{ use: 'strip-identity-headers', options: { keep: ['x-user'] } }]),
  'forwarded-headers': route([{ use: 'forwarded-headers', options: { proto: 'https' } }]),
  'attach-token': route([{ use: 'attach-token', options: { header: 'x-token' } }]),
  'ip-allow-list': route([{ use: 'ip-allow-list', options: { allow: ['10.0.0.0/33'] } }]),
  'identity-headers': route([{ use: 'identity-headers', options: { headers: { 'x-user': '${session.id}' } } }]),
  'rate-limit': route([{ use: 'rate-limit', options: { max: 10, by: 'tenant' } }]),
  audit: route([{ use: 'audit', options: { level: 'loud' } }]),
  credentials: route([{ use: 'credentials', options: { headers: { 'x-key': '${user.loginId}' } } }]),
  'credentials-without-vault': route([{ use: 'credentials', options: { headers: { 'x-key': '${credentials.github_token}' } } }]),
  authorize: route([{ use: 'authorize', options: { policyFiles: ['no-such-policy.yaml'], resource: 'reports', operation: 'reports:view' } }]),
  approval: route([{ use: 'approval', options: { approvers: { roles: ['approver'] }, headers: ['cookie'] } }]),
  'approval-module-missing': route([{ use: 'approval', options: { approvers: { module: './no-such-approvers.mjs' } } }]),
  'mail-template-broken': { ...route([]), notifications: { enabled: true, from: 'gw@example.test', smtp: { host: '127.0.0.1' }, templatesDir: '.', defaultLanguage: 'xx' } },
  'mail-schedule-broken': { ...route([]), notifications: { summarySchedule: '0 7 * * *' } },
  'unknown-filter': route([{ use: 'no-such-filter' }]),
  'missing-module': route([{ use: 'module:./no-such-filter.mjs' }]),
  'broken-expression': route([{ use: 'audit', when: { expression: "method == 'POST' &&" } }]),
  'unknown-condition': route([{ use: 'audit', when: { method: ['POST'] } }]),
  'step-up-to-nowhere': route([], { policy: { stepUp: 'corporate-idp' } }),
  'empty-unknown-option': { ...route([]), server: { bogusOption: null } },
  'low-contrast': { ...route([]), pages: { colours: { accent: '#9db0ff' } } },
  'broken-template': { ...route([]), pages: { templatesDir: 'broken-templates' } },
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'portcullis-agree-'));
  await writeUsersFile(dir, { alice: { password: 'wonderland' } });
  for (const [name, doc] of Object.entries(BAD)) await writeFile(join(dir, `bad-${name}.yaml`), stringify(doc));
  await mkdir(join(dir, 'broken-templates'));
  await writeFile(join(dir, 'broken-templates', 'portals.html'), '{{{portals}}} {{{name}}}');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('check-config and start agree', () => {
  it('has a bad file for every built-in filter', () => {
    for (const name of Object.keys(BUILTIN_FILTERS)) expect(Object.keys(BAD)).toContain(name);
  });

  it('on every example configuration', async () => {
    const examples = (await readdir(EXAMPLES)).filter((f) => f.endsWith('.yaml') && f !== 'demo-users.yaml');
    expect(examples.length).toBeGreaterThanOrEqual(4);
    const started: string[] = [];
    for (const file of examples) {
      const path = join(EXAMPLES, file);
      const [checked, ran] = [await checkConfig(path), await start(path)];
      expect(ran, file).toEqual(checked);
      if (ran.ok) started.push(file);
    }
    // the ones that need nothing outside the repository start (technical.yaml needs generated certificates)
    expect(started).toEqual(expect.arrayContaining(['demo.yaml', 'ldap.yaml', 'saml.yaml']));
  }, 180_000);

  it.each(Object.keys(BAD))('on the bad file %s: both refuse it with the same problems', async (name) => {
    const file = join(dir, `bad-${name}.yaml`);
    const checked = await checkConfig(file);
    const ran = await start(file);
    expect(checked.ok, checked.problems.join('\n')).toBe(false);
    expect(checked.problems.length).toBeGreaterThan(0);
    expect(ran).toEqual(checked);
  });
});
