import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Fastify, { type FastifyInstance } from 'fastify';
import { authorizationPlugin, requireOperation } from '../../../engine-client/authorization/fastify.js';
import { loadPolicyDocuments } from '../../../policies/document.js';

const policy = loadPolicyDocuments([
  {
    name: 'tasks.yaml',
    text: `
operations: ['reports:export']
resources:
  review-task:
    candidateGroups: reviewers
    rules:
      - { scope: OTHERS, operation: ADD_COMMENT, permission: DENY }
      - { scope: ASSIGNEE, operation: COMPLETE_TASK, permission: ALLOW }
      - { scope: OTHERS, operation: COMPLETE_TASK, permission: DENY }
`,
  },
]);

// the identity a token plugin would have decorated: here from a test header, unit test only
const identities: Record<string, { user: string; roles: string[]; groups: string[] }> = {
  rita: { user: 'rita', roles: ['user'], groups: ['reviewers'] },
  otto: { user: 'otto', roles: ['user'], groups: [] },
  admin: { user: 'adele', roles: ['authz-admin'], groups: [] },
  auditor: { user: 'aude', roles: ['user', 'policy-admin'], groups: [] },
};

async function build(options: Partial<Parameters<typeof authorizationPlugin>[1]> = {}): Promise<FastifyInstance> {
  const app = Fastify();
  app.decorateRequest('identity', null);
  app.addHook('onRequest', async (req) => {
    const who = req.headers['x-test-user'];
    (req as unknown as { identity: unknown }).identity = typeof who === 'string' ? identities[who] ?? null : null;
  });
  await app.register(authorizationPlugin, {
    policy,
    instanceFor: (req, resource) => ({ resource, assignee: (req.query as Record<string, string>).assignee === 'me' ? (req as unknown as { identity: { user: string } }).identity.user : undefined }),
    ...options,
  });
  app.post('/tasks/:id/claim', { preHandler: requireOperation('review-task', 'CLAIM_TASK') }, async () => ({ claimed: true }));
  app.post('/tasks/:id/comments', { preHandler: requireOperation('review-task', 'ADD_COMMENT') }, async () => ({ ok: true }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  return app;
}

describe('fastify helper and REST endpoints', () => {
  let app: FastifyInstance;
  let base: string;
  beforeAll(async () => {
    app = await build();
    const addr = app.server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  });
  afterAll(() => app.close());

  const get = (path: string, user?: string) => fetch(base + path, { headers: user ? { 'x-test-user': user } : {} });
  const post = (path: string, user?: string) => fetch(base + path, { method: 'POST', headers: user ? { 'x-test-user': user } : {} });

  it('lets a candidate claim and refuses others with 403 and the reason', async () => {
    expect((await post('/tasks/1/claim', 'rita')).status).toBe(200);
    const res = await post('/tasks/1/claim', 'otto');
    expect(res.status).toBe(403);
    const body = (await res.json()) as { code: string; message: string };
    expect(body.code).toBe('AUTHZ_DENIED');
    expect(body.message).toContain('OTHERS rule tasks.yaml#resources.review-task.candidates denies ALL (covering CLAIM_TASK)');
  });

  it('answers 401 with WWW-Authenticate without an identity', async () => {
    const res = await post('/tasks/1/comments');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_request", error_description="identity required"');
    expect(((await res.json()) as { code: string }).code).toBe('IDENTITY_REQUIRED');
  });

  it('lists the rules of a resource, optionally for one operation', async () => {
    const all = (await (await get('/authorizations/resources/review-task/rules', 'auditor')).json()) as { rules: { id: string; operation: string }[] };
    expect(all.rules.map((r) => r.operation).sort()).toEqual(['ADD_COMMENT', 'ALL', 'ALL', 'COMPLETE_TASK', 'COMPLETE_TASK']); // candidates: GROUP ALL ALLOW + OTHERS ALL DENY
    const some = (await (await get('/authorizations/resources/review-task/rules?operation=COMPLETE_TASK', 'auditor')).json()) as { rules: { scope: string }[] };
    expect(some.rules.map((r) => r.scope)).toEqual(['ASSIGNEE', 'OTHERS', 'GROUP', 'OTHERS']); // the two candidate rules name ALL
  });

  it('says whether an operation is enforceable for the caller, with the explanation', async () => {
    const no = (await (await get('/authorizations/resources/review-task/operations/COMPLETE_TASK', 'otto')).json()) as { enforceable: boolean; explanation: { applied: unknown[] } };
    expect(no.enforceable).toBe(false);
    const yes = (await (await get('/authorizations/resources/review-task/operations/COMPLETE_TASK?assignee=me', 'otto')).json()) as { enforceable: boolean; explanation: { applied: { scope: string; decided: boolean }[] } };
    expect(yes.enforceable).toBe(true);
    expect(yes.explanation.applied.filter((a) => a.decided).map((a) => a.scope)).toEqual(['ASSIGNEE']);
  });

  it("400 `Not supported operation 'X'` for an unknown operation, 404 for an unknown resource", async () => {
    const bad = await get('/authorizations/resources/review-task/operations/FLY_AWAY', 'otto');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'POLICY_UNKNOWN_OPERATION', message: "Not supported operation 'FLY_AWAY'" });
    const badFilter = await get('/authorizations/resources/review-task/rules?operation=FLY_AWAY', 'auditor');
    expect(badFilter.status).toBe(400);
    const missing = await get('/authorizations/resources/ghost/operations/LIST_TASK', 'otto');
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { code: string }).code).toBe('POLICY_UNKNOWN_RESOURCE');
    expect((await get('/authorizations/resources/ghost/rules', 'auditor')).status).toBe(404);
  });

  it('by default refuses to list resources and rules (403) to a caller without the policy-admin role', async () => {
    for (const path of ['/authorizations/resources', '/authorizations/resources/review-task/rules', '/authorizations/resources/review-task/rules?operation=CLAIM_TASK']) {
      const res = await get(path, 'otto');
      expect(res.status, path).toBe(403);
      const body = (await res.json()) as { code: string; message: string; rules?: unknown };
      expect(body.code).toBe('AUTHZ_DENIED');
      expect(body.message).toContain('policy-admin');
      expect(JSON.stringify(body)).not.toContain('rita');
    }
    expect((await get('/authorizations/resources', 'rita')).status).toBe(403);
  });

  it('lists resources and operations', async () => {
    const body = (await (await get('/authorizations/resources', 'auditor')).json()) as { resources: string[]; operations: string[] };
    expect(body.resources).toEqual(['review-task']);
    expect(body.operations).toContain('reports:export');
  });
});

describe('options', () => {
  it('viewRoles restricts listing rules', async () => {
    const app = await build({ viewRoles: ['authz-admin'], prefix: '/authz' });
    try {
      const denied = await app.inject({ url: '/authz/resources/review-task/rules', headers: { 'x-test-user': 'otto' } });
      expect(denied.statusCode).toBe(403);
      const ok = await app.inject({ url: '/authz/resources/review-task/rules', headers: { 'x-test-user': 'admin' } });
      expect(ok.statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('an empty viewRoles (open to everyone) fails at start-up', async () => {
    const app = Fastify();
    await expect(app.register(authorizationPlugin, { policy, viewRoles: [] }).ready()).rejects.toMatchObject({ code: 'OPTIONS_INVALID', message: expect.stringMatching(/^viewRoles: /) });
  });

  it('a missing policy fails at start-up with a coded error', async () => {
    const app = Fastify();
    await expect(app.register(authorizationPlugin, { policy: {} as never }).ready()).rejects.toMatchObject({ code: 'OPTIONS_INVALID' });
  });
});
