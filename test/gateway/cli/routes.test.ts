import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { routesCommand } from '../../../gateway/cli/routes.js';
import { checkConfigCommand } from '../../../gateway/cli/check-config.js';
import type { CliIO } from '../../../gateway/cli/command.js';
import { writeUsersFile } from '../../support/gateway.js';

function io(cwd: string): CliIO & { out(): string } {
  let out = '';
  return {
    stdout: { write: (t: string) => (out += t) },
    stderr: { write: () => true },
    stdin: new PassThrough(),
    env: {},
    cwd,
    out: () => out,
  };
}

describe('portcullis routes', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portcullis-routes-'));
    await writeUsersFile(dir, { alice: { password: 'x' } });
    await writeFile(join(dir, 'stamp.mjs'), "export default () => ({ name: 'stamp', phase: 'after', priority: 10, why: 'stamps responses for the audit trail', run() {} });\n");
    await writeFile(
      join(dir, 'gateway.yaml'),
      `authenticators: [{ type: file, name: local, usersFile: users.yaml }]
globalFilters:
  - { use: 'module:./stamp.mjs' }
routes:
  - name: ops
    prefix: /ops/
    upstream: http://127.0.0.1:9
    policy: { allowRoles: [ops], requireLevel: auth.strong }
    filters:
      - { use: ip-allow-list, options: { allow: [10.0.0.0/8] } }
      - { use: identity-headers, priority: 300, options: { headers: { x-user: '\${user.loginId}' } }, when: { methods: [POST], pathPrefixes: [/ops/api/] } }
  - name: docs
    prefix: /docs/
    upstream: http://127.0.0.1:9
    requireSession: false
`,
    );
    await writeFile(join(dir, 'bad.yaml'), `authenticators: [{ type: file, name: local, usersFile: users.yaml }]
routes:
  - { name: x, prefix: /x/, upstream: 'http://127.0.0.1:9', filters: [{ use: teleport }] }
`);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('prints every chain in execution order with origin, reason and conditions', async () => {
    const cli = io(dir);
    const code = await routesCommand.run!(['--config', 'gateway.yaml'], cli);
    expect(code, cli.out()).toBe(0);
    const text = cli.out();
    const ops = text.slice(text.indexOf('route ops'), text.indexOf('route docs'));
    const order = [...ops.matchAll(/^\s+\d+\. (\w+)\s+(\d+)\s+([\w-]+)/gm)].map((m) => m[3]);
    expect(order).toEqual(['ip-allow-list', 'require-session', 'route-policy', 'forwarded-headers', 'identity-headers', 'attach-token', 'stamp']);
    expect(ops).toContain('policy: allow roles ops; needs auth.strong (403 otherwise)');
    expect(ops).toMatch(/ip-allow-list\s+routes\[ops\]\.filters\[0\] \(built-in ip-allow-list\): only 10\.0\.0\.0\/8 may use this route/);
    expect(ops).toContain('runs only when method is POST and path starts with /ops/api/');
    expect(ops).toMatch(/stamp\s+globalFilters\[0\] \(module \.\/stamp\.mjs\): stamps responses for the audit trail/);
    const docs = text.slice(text.indexOf('route docs'));
    expect(docs).toContain('(public: no session)');
    expect(docs).not.toContain('require-session');
  });

  it('exits 1 naming the path of an unknown filter', async () => {
    const cli = io(dir);
    expect(await routesCommand.run!(['--config', 'bad.yaml'], cli)).toBe(1);
    // refused by the schema, with the built-ins the filters declared
    expect(cli.out()).toMatch(/routes\[0\]\.filters\[0\]\.use: no filter named '[^']+'; built-ins: approval, attach-token, audit/);
  });

  it('check-config --explain prints the same chains after the summary', async () => {
    const cli = io(dir);
    expect(await checkConfigCommand.run!(['--explain', 'gateway.yaml'], cli)).toBe(0);
    expect(cli.out()).toContain('configuration is valid');
    expect(cli.out()).toMatch(/route ops[\s\S]*ip-allow-list[\s\S]*require-session/);
    const bad = io(dir);
    expect(await checkConfigCommand.run!(['--explain', 'bad.yaml'], bad)).toBe(1);
    expect(bad.out()).toMatch(/1 problem\nroutes\[0\]\.filters\[0\]\.use: no filter named/);
  });
});
