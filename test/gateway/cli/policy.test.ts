import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { policyCommand } from '../../../gateway/cli/policy.js';
import type { CliIO } from '../../../gateway/cli/command.js';

const sub = (name: string) => policyCommand.subcommands!.find((c) => c.name === name)!;

function io(cwd: string): CliIO & { out(): string } {
  let out = '';
  return { stdout: { write: (t: string) => (out += t) }, stderr: { write: () => true }, stdin: new PassThrough(), env: {}, cwd, out: () => out };
}

describe('portcullis policy', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portcullis-policy-'));
    await writeFile(join(dir, 'ops.yaml'), "operations: ['reports:export']\n");
    await writeFile(
      join(dir, 'invoice.yaml'),
      `resources:
  invoice:
    candidateStarterGroups: sales
    rules:
      - { scope: USER, operation: START_PROCESS, permission: DENY, users: carol }
      - { scope: USER, operation: 'reports:export', permission: ALLOW, users: '\${approver}' }
      - { scope: OTHERS, operation: 'reports', permission: DENY }
`,
    );
    await writeFile(join(dir, 'bad.yaml'), 'resources:\n  r:\n    rules:\n      - { scope: GROUP, operation: LIST_TASK }\n');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('check: valid documents loaded together', async () => {
    const cli = io(dir);
    expect(await sub('check').run!(['ops.yaml', 'invoice.yaml'], cli)).toBe(0);
    expect(cli.out()).toContain('resource invoice: 5 rule(s)');
  });

  it('check: every problem with document, path, rule and code; exit 1', async () => {
    const cli = io(dir);
    expect(await sub('check').run!(['bad.yaml'], cli)).toBe(1);
    expect(cli.out()).toContain("policy document 'bad.yaml': resources.r.rules[0].permission: permission is required (rule 0 of resource 'r') [required]");
    expect(cli.out()).toContain('[principals-required]');
    const unknownOp = io(dir);
    expect(await sub('check').run!(['invoice.yaml'], unknownOp)).toBe(1); // reports:export is registered in ops.yaml only
    expect(unknownOp.out()).toContain('[unknown-operation]');
  });

  it('explain: exit 0 when allowed, 3 when denied, with the rules', async () => {
    const denied = io(dir);
    expect(await sub('explain').run!(['ops.yaml', 'invoice.yaml', '-u', 'carol', '-g', 'sales', '--resource', 'invoice', '-o', 'START_PROCESS'], denied)).toBe(3);
    expect(denied.out()).toMatch(/^DENY START_PROCESS on 'invoice' for 'carol'/);
    expect(denied.out()).toContain('* [USER] DENY START_PROCESS');
    const allowed = io(dir);
    expect(await sub('explain').run!(['ops.yaml', 'invoice.yaml', '-u', 'ann', '--resource', 'invoice', '-o', 'reports:export', '--var', 'approver=ann'], allowed)).toBe(0);
    expect(allowed.out()).toContain("ALLOW reports:export on 'invoice' for 'ann'");
    const unknown = io(dir);
    expect(await sub('explain').run!(['ops.yaml', 'invoice.yaml', '-u', 'ann', '--resource', 'invoice', '-o', 'FLY'], unknown)).toBe(1);
    expect(unknown.out()).toContain("Not supported operation 'FLY' [POLICY_UNKNOWN_OPERATION]");
    await expect(sub('explain').run!(['invoice.yaml', '--resource', 'invoice', '-o', 'X'], io(dir))).rejects.toMatchObject({ code: 'CLI_USAGE' });
  });
});
