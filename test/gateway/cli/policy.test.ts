import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { loadPolicyDocuments } from '../../../policies/document.js';
import { loadBpmnDocuments } from '../../../policies/bpmn.js';
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
    const fixtures = fileURLToPath(new URL('../../fixtures/bpmn/', import.meta.url));
    await copyFile(join(fixtures, 'authorization-example-2.bpmn'), join(dir, 'newAuth2.bpmn'));
    await copyFile(join(fixtures, 'combined-example-3.bpmn'), join(dir, 'mixedAuth3.bpmn20.xml'));
    await copyFile(join(fixtures, 'invalid/missing-scope.bpmn'), join(dir, 'broken.bpmn'));
    await copyFile(join(fixtures, 'invalid/start-on-task.bpmn'), join(dir, 'start-on-task.bpmn'));
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

  it('check and explain read BPMN files, alone or with YAML; explain takes a task', async () => {
    const check = io(dir);
    expect(await sub('check').run!(['newAuth2.bpmn', 'mixedAuth3.bpmn20.xml', 'ops.yaml'], check)).toBe(0);
    expect(check.out()).toContain('resource newAuth2: 1 rule(s)');
    expect(check.out()).toContain('task usertask1: 4 rule(s)');
    const assignee = io(dir);
    expect(await sub('explain').run!(['newAuth2.bpmn', '-u', 'nwf.ch.admin', '-g', 'nevisWF.Admin', '--resource', 'newAuth2', '--task', 'usertask1', '--assignee', 'nwf.ch.admin', '-o', 'COMPLETE_TASK'], assignee)).toBe(0);
    expect(assignee.out()).toContain("ALLOW COMPLETE_TASK on 'newAuth2/usertask1' for 'nwf.ch.admin'");
    expect(assignee.out()).toContain('* [ASSIGNEE] ALLOW COMPLETE_TASK to assignee');
    const wrongElement = io(dir);
    expect(await sub('explain').run!(['newAuth2.bpmn', '-u', 'x', '--resource', 'newAuth2', '--task', 'usertask1', '-o', 'START_PROCESS'], wrongElement)).toBe(1);
    expect(wrongElement.out()).toContain("Not supported Task operation 'START_PROCESS' [POLICY_OPERATION_NOT_ON_ELEMENT]");
    // authorization.enabled=false: nwf.hu.user's USER ALL ALLOW tag is ignored, the candidates alone decide
    const off = io(dir);
    expect(await sub('explain').run!(['mixedAuth3.bpmn20.xml', '-u', 'nwf.hu.user', '--resource', 'mixedAuth3', '-o', 'START_PROCESS', '--candidates-only'], off)).toBe(3);
    const on = io(dir);
    expect(await sub('explain').run!(['mixedAuth3.bpmn20.xml', '-u', 'nwf.hu.user', '--resource', 'mixedAuth3', '-o', 'START_PROCESS'], on)).toBe(0);
  });

  it('check prints a broken BPMN file\'s problems with line and column', async () => {
    const cli = io(dir);
    expect(await sub('check').run!(['broken.bpmn', 'newAuth2.bpmn'], cli)).toBe(1);
    expect(cli.out()).toContain("policy document 'broken.bpmn:5:1': resources.p.rules[0].scope: the authorization tag has no neviswf:scope attribute [attribute-missing]");
  });

  it('convert prints YAML that decides as the BPMN file does', async () => {
    const cli = io(dir);
    expect(await sub('convert').run!(['newAuth2.bpmn'], cli)).toBe(0);
    expect(cli.out()).toMatch(/^# converted from newAuth2.bpmn/);
    const yaml = loadPolicyDocuments([{ name: 'converted.yaml', text: cli.out() }]);
    const bpmn = loadBpmnDocuments([{ name: 'newAuth2.bpmn', text: await readFile(join(dir, 'newAuth2.bpmn'), 'utf8') }]);
    const subjects = [{ loginId: 'nwf.ch.admin', groups: ['nevisWF.Admin'], roles: [] }, { loginId: 'nwf.starter', groups: [], roles: [] }, { loginId: 'nwf.hu.user', groups: [], roles: [] }];
    for (const s of subjects) {
      for (const op of ['CLAIM_TASK', 'COMPLETE_TASK', 'UNCLAIM_TASK', 'DELEGATE_TASK', 'LIST_TASK']) {
        const on = { resource: 'newAuth2', task: 'usertask1', starter: 'nwf.starter', assignee: 'nwf.ch.admin' };
        expect(yaml.isAllowed(s, on, op)).toBe(bpmn.isAllowed(s, on, op));
      }
      expect(yaml.isAllowed(s, 'newAuth2', 'START_PROCESS')).toBe(bpmn.isAllowed(s, 'newAuth2', 'START_PROCESS'));
    }
  });

  it('convert refuses a broken file (line, column) and a file that is not BPMN', async () => {
    const broken = io(dir);
    expect(await sub('convert').run!(['start-on-task.bpmn'], broken)).toBe(1);
    expect(broken.out()).toContain("start-on-task.bpmn:6:1");
    expect(broken.out()).toContain('[operation-not-on-element]');
    await expect(sub('convert').run!(['invoice.yaml'], io(dir))).rejects.toMatchObject({ code: 'CLI_USAGE' });
  });
});
