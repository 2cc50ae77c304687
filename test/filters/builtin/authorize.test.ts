import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { authorizeFilter } from '../../../filters/builtin/authorize.js';
import type { FilterContext } from '../../../filters/types.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'portcullis-authorize-'));
  writeFileSync(
    join(dir, 'portal.yaml'),
    `operations: ['reports:view', 'reports:export']
resources:
  reports:
    rules:
      - { scope: GROUP, operation: reports, permission: ALLOW, groups: [finance] }
      - { scope: USER, operation: 'reports:export', permission: DENY, users: [ivan] }
      - { scope: OTHERS, operation: reports, permission: DENY }
`,
  );
  writeFileSync(join(dir, 'broken.yaml'), 'resources:\n  reports:\n    rules:\n      - { scope: USER, operation: reports }\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ctx = (method: string, loginId?: string, groups: string[] = []): FilterContext =>
  ({
    request: { method, url: '/reports/' },
    route: { name: 'reports' },
    subject: loginId ? { loginId, groups, roles: [], level: 'auth.weak', attributes: {}, amr: [], authenticator: 'local' } : undefined,
    clientAddress: '127.0.0.1',
  }) as never;

describe('authorize filter', () => {
  const options = { policyFiles: ['portal.yaml'], resource: 'reports', operation: { GET: 'reports:view', POST: 'reports:export' } };

  it('lets through what the policy allows for the method, and refuses with the reason otherwise', () => {
    const f = authorizeFilter(options, { configDir: dir });
    expect(f.run(ctx('GET', 'fay', ['finance']))).toBeUndefined();
    expect(f.run(ctx('POST', 'fay', ['finance']))).toBeUndefined();
    const ivan = f.run(ctx('POST', 'ivan', ['finance'])) as { refuse: { code: string; message: string } };
    expect(ivan.refuse.code).toBe('forbidden');
    expect(ivan.refuse.message).toContain("USER rule portal.yaml#resources.reports.rules[1] denies reports:export");
    expect((f.run(ctx('GET', 'otto')) as { refuse: { code: string } }).refuse.code).toBe('forbidden');
    expect((f.run(ctx('DELETE', 'fay', ['finance'])) as { refuse: { code: string } }).refuse.code).toBe('forbidden');
    expect((f.run(ctx('GET')) as { refuse: { code: string } }).refuse.code).toBe('unauthenticated');
  });

  it('fails at start-up on a bad document, an unknown resource or operation, naming the option', () => {
    expect(() => authorizeFilter({ ...options, policyFiles: ['broken.yaml'] }, { configDir: dir })).toThrow(expect.objectContaining({ code: 'FILTER_OPTIONS_INVALID', path: 'options.policyFiles' }));
    expect(() => authorizeFilter({ ...options, policyFiles: ['missing.yaml'] }, { configDir: dir })).toThrow(expect.objectContaining({ path: 'options.policyFiles' }));
    expect(() => authorizeFilter({ ...options, resource: 'ledger' }, { configDir: dir })).toThrow(expect.objectContaining({ path: 'options.resource' }));
    expect(() => authorizeFilter({ ...options, operation: { GET: 'reports:print' } }, { configDir: dir })).toThrow(expect.objectContaining({ path: 'options.operation.GET' }));
    expect(() => authorizeFilter({ ...options, operation: 7 }, { configDir: dir })).toThrow(expect.objectContaining({ path: 'options.operation' }));
  });

  it('reads a BPMN process definition: a route that starts the process is open to the starter group only', () => {
    const bpmn = fileURLToPath(new URL('../../fixtures/bpmn/authorization-example-2.bpmn', import.meta.url));
    const f = authorizeFilter({ policyFiles: [bpmn], resource: 'newAuth2', operation: { POST: 'START_PROCESS', GET: 'LIST_PROCESS' } });
    expect(f.run(ctx('POST', 'nwf.ch.admin', ['nevisWF.Admin']))).toBeUndefined();
    const outsider = f.run(ctx('POST', 'nwf.hu.user', ['nevisWF.User'])) as { refuse: { code: string; message: string } };
    expect(outsider.refuse.code).toBe('forbidden');
    // everything but starting is allowed by default, as the document says
    expect(f.run(ctx('GET', 'nwf.hu.user'))).toBeUndefined();
    const broken = fileURLToPath(new URL('../../fixtures/bpmn/invalid/missing-scope.bpmn', import.meta.url));
    expect(() => authorizeFilter({ policyFiles: [broken], resource: 'x', operation: 'START_PROCESS' })).toThrow(expect.objectContaining({ code: 'FILTER_OPTIONS_INVALID', path: 'options.policyFiles', message: expect.stringContaining('missing-scope.bpmn') }));
  });
});
