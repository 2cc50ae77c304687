import Fastify, { type FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { createRestGuard, type RestGuardOptions } from '../../../engine-client/rest-guard/index.js';

const USERS: Record<string, { userId: string; roles: string[] }> = {
  admin: { userId: 'rita', roles: ['RestAdmin'] },
  tech: { userId: 'billing-service', roles: ['TechnicalUser'] },
  plain: { userId: 'alice', roles: ['user'] },
};

/** A stand-in for the engine-client plugin: `x-test-user` picks an identity. Unit test only. */
async function appWith(options: RestGuardOptions) {
  const app = Fastify();
  app.decorateRequest('identity', null);
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const who = request.headers['x-test-user'];
    (request as unknown as { identity: unknown }).identity = typeof who === 'string' ? (USERS[who] ?? null) : null;
  });
  const guard = createRestGuard(options);
  app.addHook('preHandler', guard.hook);
  app.get('/rest/tasks', async () => ({ tasks: [] }));
  await app.ready();
  return app;
}

describe('REST guard', () => {
  it('is closed until enabled', async () => {
    const app = await appWith({ roles: ['RestAdmin'] });
    const res = await app.inject({ url: '/rest/tasks', headers: { 'x-test-user': 'admin' } });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('REST_DISABLED');
    await app.close();
  });

  it('answers 401 with WWW-Authenticate without an identity', async () => {
    const app = await appWith({ enabled: true, roles: ['RestAdmin'] });
    const res = await app.inject({ url: '/rest/tasks' });
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('IDENTITY_REQUIRED');
    expect(res.headers['www-authenticate']).toMatch(/^Bearer /);
    await app.close();
  });

  it('answers 403 naming the roles when none is held', async () => {
    const app = await appWith({ enabled: true, roles: ['RestAdmin', 'TechnicalUser'] });
    const res = await app.inject({ url: '/rest/tasks', headers: { 'x-test-user': 'plain' } });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'ROLE_REQUIRED', message: "this resource requires one of the roles 'RestAdmin', 'TechnicalUser'" });
    await app.close();
  });

  it('lets either configured role through', async () => {
    const app = await appWith({ enabled: true, roles: ['RestAdmin', 'TechnicalUser'] });
    expect((await app.inject({ url: '/rest/tasks', headers: { 'x-test-user': 'admin' } })).statusCode).toBe(200);
    expect((await app.inject({ url: '/rest/tasks', headers: { 'x-test-user': 'tech' } })).statusCode).toBe(200);
    await app.close();
  });

  it('checks the IP allow list before the identity', async () => {
    const app = await appWith({ enabled: true, roles: ['RestAdmin'], ipAllowList: {} });
    const far = await app.inject({ url: '/rest/tasks', remoteAddress: '203.0.113.9', headers: { 'x-test-user': 'admin' } });
    expect(far.statusCode).toBe(403);
    expect(far.json().code).toBe('IP_DENIED');
    const anonymousFar = await app.inject({ url: '/rest/tasks', remoteAddress: '203.0.113.9' });
    expect(anonymousFar.statusCode).toBe(403);
    const near = await app.inject({ url: '/rest/tasks', remoteAddress: '127.0.0.1', headers: { 'x-test-user': 'admin' } });
    expect(near.statusCode).toBe(200);
    await app.close();
  });

  it('believes X-Forwarded-For only from trusted proxies', async () => {
    const app = await appWith({ enabled: true, roles: ['RestAdmin'], ipAllowList: { allow: ['192.0.2.0/24'] }, clientAddress: { trustedProxies: ['127.0.0.1'] } });
    const viaProxy = await app.inject({ url: '/rest/tasks', remoteAddress: '127.0.0.1', headers: { 'x-test-user': 'admin', 'x-forwarded-for': '192.0.2.8' } });
    expect(viaProxy.statusCode).toBe(200);
    const spoofed = await app.inject({ url: '/rest/tasks', remoteAddress: '203.0.113.1', headers: { 'x-test-user': 'admin', 'x-forwarded-for': '192.0.2.8' } });
    expect(spoofed.statusCode).toBe(403);
    await app.close();
  });

  it('refuses to start enabled without roles', () => {
    expect(() => createRestGuard({ enabled: true }, 'engine.rest')).toThrow(expect.objectContaining({ code: 'OPTIONS_INVALID', path: 'engine.rest.roles' }));
  });

  it('decides without HTTP and gives reasons', () => {
    const guard = createRestGuard({ enabled: true, roles: ['RestAdmin'] });
    expect(guard.decide({ identity: USERS.plain, clientAddress: '127.0.0.1' }).reason.code).toBe('forbidden');
    expect(guard.decide({ identity: undefined, clientAddress: '127.0.0.1' }).reason.code).toBe('unauthenticated');
    expect(guard.decide({ identity: USERS.admin, clientAddress: '127.0.0.1' }).allowed).toBe(true);
  });
});
