import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Fastify, { type FastifyInstance } from 'fastify';
import { fileURLToPath } from 'node:url';
import { authorizationPlugin, requireOperation } from '../../../engine-client/authorization/fastify.js';
import { loadPolicyFiles } from '../../../engine-client/authorization/policy-files.js';
import type { ProcessInstanceRecord, TaskRecord } from '../../../engine-client/authorization/instance-routes.js';

/**
 * The REST endpoints by process instance and task id, on a real fastify server on loopback,
 * with the document's "Authorization example 2" loaded from its BPMN file. The identity comes
 * from a test header (the token plugin's job, covered in with-token.test.ts).
 */
const fixture = (f: string) => fileURLToPath(new URL(`../../fixtures/bpmn/${f}`, import.meta.url));

const identities: Record<string, { user: string; roles: string[]; groups: string[] }> = {
  admin: { user: 'nwf.ch.admin', roles: ['nevisWF.User'], groups: ['nevisWF.Admin'] },
  hu: { user: 'nwf.hu.user', roles: ['nevisWF.User'], groups: [] },
  starter: { user: 'nwf.starter', roles: ['nevisWF.User'], groups: [] },
  outsider: { user: 'guest', roles: [], groups: [] },
};

const processes: Record<string, ProcessInstanceRecord> = { '2757': { id: '2757', processDefinitionKey: 'newAuth2', starter: 'nwf.starter' } };
const tasks: Record<string, TaskRecord> = {
  '2761': { id: '2761', processDefinitionKey: 'newAuth2', taskDefinitionKey: 'usertask1', processInstanceId: '2757', starter: 'nwf.starter', assignee: 'nwf.ch.admin' },
};
const finishedTasks: Record<string, TaskRecord> = { '9001': { ...tasks['2761']!, id: '9001', assignee: 'nwf.hu.user' } };

describe('REST endpoints by process instance and task id', () => {
  let app: FastifyInstance;
  let base: string;
  beforeAll(async () => {
    const policy = await loadPolicyFiles([fixture('authorization-example-2.bpmn'), fixture('yaml/combined-example-1.yaml')]);
    app = Fastify();
    app.decorateRequest('identity', null);
    app.addHook('onRequest', async (req) => {
      const who = req.headers['x-test-user'];
      (req as unknown as { identity: unknown }).identity = typeof who === 'string' ? identities[who] ?? null : null;
    });
    await app.register(authorizationPlugin, {
      policy,
      viewRoles: ['nevisWF.User'],
      instances: {
        processInstance: (id, { historic }) => (historic ? undefined : processes[id]),
        task: (id, { historic }) => (historic ? finishedTasks[id] : tasks[id]),
      },
    });
    app.post('/tasks/:id/complete', { preHandler: requireOperation((req) => ({ resource: 'newAuth2', task: 'usertask1', ...tasks[(req.params as { id: string }).id] }), 'COMPLETE_TASK') }, async () => ({ completed: true }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    const addr = app.server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/authorizations`;
  });
  afterAll(() => app.close());

  const get = async (path: string, user = 'admin') => {
    const res = await fetch(base + path, { headers: { 'x-test-user': user } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('lists a task\'s authorizations as the document shows them, optionally for one operation', async () => {
    const { status, body } = await get('/runtime/tasks/2761/authorizations');
    expect(status).toBe(200);
    expect(body['Task Instance']).toEqual({ id: '2761', processDefinitionKey: 'newAuth2', taskDefinitionKey: 'usertask1', processInstanceId: '2757', assignee: 'nwf.ch.admin' });
    const perms = body['Authorization permissions'] as Record<string, unknown>[];
    expect(perms.map((p) => `${p.scope} ${p.operation} ${p.permission}`)).toEqual(['PROCESS_STARTER CLAIM_TASK ALLOW', 'ASSIGNEE UNCLAIM_TASK ALLOW', 'ASSIGNEE COMPLETE_TASK ALLOW', 'OTHERS ALL DENY']);
    expect(perms[0]).toMatchObject({ processKey: 'newAuth2', taskKey: 'usertask1', users: null, groups: null, variables: null });
    const claim = await get('/runtime/tasks/2761/authorizations?operation=CLAIM_TASK');
    expect((claim.body['Authorization permissions'] as { operation: string }[]).map((p) => p.operation)).toEqual(['CLAIM_TASK', 'ALL']);
  });

  it('lists a process instance\'s authorizations (the process\'s tags, not its tasks\')', async () => {
    const { status, body } = await get('/runtime/process-instances/2757/authorizations');
    expect(status).toBe(200);
    expect(body.ProcessInstance).toEqual({ id: '2757', processDefinitionKey: 'newAuth2' });
    expect(body['Authorization permissions']).toEqual([expect.objectContaining({ scope: 'GROUP', operation: 'START_PROCESS', groups: ['nevisWF.Admin'], taskKey: null })]);
  });

  it('refuses to list an instance\'s authorizations to a caller without a view role, and still answers its own decision', async () => {
    for (const path of ['/runtime/tasks/2761/authorizations', '/runtime/process-instances/2757/authorizations', '/history/tasks/9001/authorizations']) {
      const { status, body } = await get(path, 'outsider');
      expect(status, path).toBe(403);
      expect(body, path).toMatchObject({ code: 'AUTHZ_DENIED', message: 'listing authorizations needs one of the roles nevisWF.User' });
    }
    expect((await get('/runtime/tasks/2761/authorization-operation/COMPLETE_TASK', 'outsider')).body).toEqual({ operation: 'COMPLETE_TASK', allowed: false });
  });

  it('answers { operation, allowed } for the caller on current and historic tasks', async () => {
    expect((await get('/runtime/tasks/2761/authorization-operation/COMPLETE_TASK')).body).toEqual({ operation: 'COMPLETE_TASK', allowed: true });
    expect((await get('/runtime/tasks/2761/authorization-operation/DELEGATE_TASK')).body).toEqual({ operation: 'DELEGATE_TASK', allowed: false });
    expect((await get('/runtime/tasks/2761/authorization-operation/CLAIM_TASK', 'starter')).body).toEqual({ operation: 'CLAIM_TASK', allowed: true });
    // the historic task was assigned to nwf.hu.user
    expect((await get('/history/tasks/9001/authorization-operation/COMPLETE_TASK', 'hu')).body).toEqual({ operation: 'COMPLETE_TASK', allowed: true });
    expect((await get('/history/tasks/9001/authorization-operation/COMPLETE_TASK')).body).toEqual({ operation: 'COMPLETE_TASK', allowed: false });
    expect((await get('/history/tasks/9001/authorizations')).body['Historic Task']).toMatchObject({ id: '9001' });
    expect((await get('/runtime/process-instances/2757/authorization-operation/READ_COMMENT')).body).toEqual({ operation: 'READ_COMMENTS', allowed: true });
  });

  it('404 for an unknown instance or task, current or historic', async () => {
    for (const path of ['/runtime/tasks/nope/authorizations', '/history/tasks/2761/authorizations', '/history/process-instances/2757/authorization-operation/CANCEL_PROCESS', '/runtime/process-instances/1/authorizations']) {
      const { status, body } = await get(path);
      expect(status, path).toBe(404);
      expect(body.code, path).toBe('AUTHZ_NOT_FOUND');
    }
  });

  it('400 for an unknown operation or one not valid on the element, with the document\'s wording', async () => {
    const unknown = await get('/runtime/tasks/2761/authorization-operation/INVALID_OPERATION');
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ code: 'POLICY_UNKNOWN_OPERATION', message: "Not supported operation 'INVALID_OPERATION'" });
    const wrong = await get('/runtime/tasks/2761/authorizations?operation=START_PROCESS');
    expect(wrong.status).toBe(400);
    expect(wrong.body).toMatchObject({ code: 'POLICY_OPERATION_NOT_ON_ELEMENT', message: "Not supported Task operation 'START_PROCESS'" });
    const onProcess = await get('/runtime/process-instances/2757/authorization-operation/CLAIM_TASK');
    expect(onProcess.body).toMatchObject({ statusCode: 400, message: "Not supported Process operation 'CLAIM_TASK'" });
  });

  it('requireOperation decides on a task instance: the assignee completes, others get 403', async () => {
    const as = (user: string) => fetch(`${base.replace('/authorizations', '')}/tasks/2761/complete`, { method: 'POST', headers: { 'x-test-user': user } });
    expect((await as('admin')).status).toBe(200);
    const refused = await as('hu');
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { message: string }).message).toMatch(/OTHERS rule .* denies ALL \(covering COMPLETE_TASK\)/);
  });
});

describe('loadPolicyFiles with BPMN and YAML together', () => {
  it('refuses the set listing the problems of both kinds of file', async () => {
    const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = await mkdtemp(join(tmpdir(), 'portcullis-bpmn-'));
    try {
      await writeFile(join(dir, 'bad.yaml'), 'resources:\n  r:\n    rules:\n      - { scope: GROUP, operation: LIST_TASK, permission: ALLOW }\n');
      await expect(loadPolicyFiles([fixture('invalid/missing-scope.bpmn'), join(dir, 'bad.yaml')])).rejects.toMatchObject({
        code: 'POLICY_DOCUMENT_INVALID',
        issues: [expect.objectContaining({ document: 'missing-scope.bpmn', line: 5, code: 'attribute-missing' }), expect.objectContaining({ document: 'bad.yaml', code: 'principals-required' })],
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
