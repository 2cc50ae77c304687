/**
 * The fastify plugin on a real fastify instance (inject): identity on the request, 401 with
 * WWW-Authenticate and the fixed error body, 403 from requireRoles, optional mode, per-route
 * opt-out, token header and scheme.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { engineClient, requireRoles, type EngineClientOptions } from '../../engine-client/plugin.js';
import { AUDIENCE, ISSUER, makeKey, mint, startJwksServer, type TestKey } from './token/fixtures.js';

let key: TestKey;
let app: FastifyInstance | undefined;

beforeAll(() => {
  key = makeKey('EdDSA', 'k1');
});
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function build(options: Partial<EngineClientOptions> = {}): Promise<FastifyInstance> {
  app = Fastify({ logger: false });
  await app.register(engineClient, { issuer: ISSUER, audience: AUDIENCE, keys: [key.publicJwk], ...options } as EngineClientOptions);
  app.get('/whoami', async (request) => request.identity);
  app.get('/admin', { preHandler: requireRoles('administrator', 'auditor') }, async (request) => ({ ok: request.identity!.userId }));
  app.get('/healthz', { config: { engineClient: false } }, async (request) => ({ ok: true, identity: request.identity }));
  app.get('/maybe', { config: { engineClient: { required: false } } }, async (request) => ({ identity: request.identity }));
  await app.ready();
  return app;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('engine-client fastify plugin', () => {
  it('puts the verified, mapped identity on request.identity', async () => {
    const a = await build({ identity: { userIdClaim: 'loginId', roleMap: { user: ['reader'] } } });
    const res = await a.inject({ url: '/whoami', headers: bearer(await mint({ key, claims: { sub: 'u-1', loginId: 'alice' } })) });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ userId: 'alice', roles: ['reader'], tokenRoles: ['user'], level: 'auth.weak', attributes: { loginId: 'alice' } });
    expect(body).not.toHaveProperty('token'); // the raw token is never serialized
  });

  it('answers 401 TOKEN_MISSING with a bare Bearer challenge when no token is sent', async () => {
    const a = await build({ realm: 'workflow' });
    const res = await a.inject({ url: '/whoami' });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="workflow"');
    expect(res.json()).toEqual({ statusCode: 401, code: 'TOKEN_MISSING', error: 'Unauthorized', message: 'token missing' });
  });

  it('answers 401 with WWW-Authenticate naming why for an expired token', async () => {
    const a = await build();
    const now = Math.floor(Date.now() / 1000);
    const token = await mint({ key, now: now - 900 });
    const res = await a.inject({ url: '/whoami', headers: bearer(token) });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer error="invalid_token", error_description="token expired"');
    expect(res.json()).toEqual({ statusCode: 401, code: 'TOKEN_EXPIRED', error: 'Unauthorized', message: 'token expired' });
    expect(res.body).not.toContain(token);
  });

  it('answers 401 TOKEN_WRONG_AUDIENCE for a token of another engine', async () => {
    const a = await build();
    const res = await a.inject({ url: '/whoami', headers: bearer(await mint({ key, claims: { aud: 'other' } })) });
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('TOKEN_WRONG_AUDIENCE');
    expect(res.headers['www-authenticate']).toContain('error_description="wrong audience"');
  });

  it('answers 403 ROLE_REQUIRED from requireRoles, naming the roles; lets a holder of one role through', async () => {
    const a = await build({ identity: { roleMap: { admin: ['administrator'] } } });
    const denied = await a.inject({ url: '/admin', headers: bearer(await mint({ key, claims: { roles: ['user'] } })) });
    expect(denied.statusCode).toBe(403);
    expect(denied.json()).toMatchObject({ statusCode: 403, code: 'ROLE_REQUIRED', error: 'Forbidden' });
    expect(denied.json().message).toContain("'administrator'");
    const allowed = await a.inject({ url: '/admin', headers: bearer(await mint({ key, claims: { roles: ['admin'] } })) });
    expect(allowed.statusCode).toBe(200);
  });

  it('required: false leaves identity null without a token, but still refuses a bad one', async () => {
    const a = await build({ required: false });
    const none = await a.inject({ url: '/whoami' });
    expect(none.statusCode).toBe(200);
    expect(none.body).toBe('null');
    const forged = await a.inject({ url: '/whoami', headers: bearer(await mint({ key: makeKey('EdDSA', 'k1') })) });
    expect(forged.statusCode).toBe(401);
    expect(forged.json().code).toBe('TOKEN_BAD_SIGNATURE');
    // requireRoles without an identity is a 401, not a 403
    const admin = await a.inject({ url: '/admin' });
    expect(admin.statusCode).toBe(401);
    expect(admin.json().code).toBe('IDENTITY_REQUIRED');
  });

  it('per route: engineClient: false skips the token, { required: false } makes it optional', async () => {
    const a = await build();
    const health = await a.inject({ url: '/healthz', headers: { authorization: 'Bearer junk' } });
    expect(health.json()).toEqual({ ok: true, identity: null });
    const maybe = await a.inject({ url: '/maybe' });
    expect(maybe.json()).toEqual({ identity: null });
    const withToken = await a.inject({ url: '/maybe', headers: bearer(await mint({ key })) });
    expect(withToken.json().identity.userId).toBe('alice');
  });

  it('reads a bare token from a configured header; another scheme counts as no token', async () => {
    const a = await build({ tokenHeader: 'X-Portcullis-Token', tokenScheme: '' });
    const ok = await a.inject({ url: '/whoami', headers: { 'x-portcullis-token': await mint({ key }) } });
    expect(ok.statusCode).toBe(200);
    const b = await build();
    const basic = await b.inject({ url: '/whoami', headers: { authorization: 'Basic YWxpY2U6d29uZGVybGFuZA==' } });
    expect(basic.statusCode).toBe(401);
    expect(basic.json().code).toBe('TOKEN_MISSING');
    const lower = await b.inject({ url: '/whoami', headers: { authorization: `bearer ${await mint({ key })}` } });
    expect(lower.statusCode).toBe(200);
  });

  it('answers 503 JWKS_UNAVAILABLE with a generic message when the key endpoint is down', async () => {
    const jwks = await startJwksServer([key.publicJwk]);
    await jwks.close();
    const a = await build({ keys: undefined, jwksUrl: jwks.url, jwks: { timeoutMs: 500 } });
    const res = await a.inject({ url: '/whoami', headers: bearer(await mint({ key })) });
    expect(res.statusCode).toBe(503);
    expect(res.json().code).toBe('JWKS_UNAVAILABLE');
  });

  it('decorates the instance with the verifier (stats) and an authenticate() for non-HTTP uses', async () => {
    const a = await build();
    const token = await mint({ key });
    await a.inject({ url: '/whoami', headers: bearer(token) });
    await a.inject({ url: '/whoami', headers: bearer(token) });
    expect(a.engineClient.verifier.stats).toEqual({ verified: 1, cacheHits: 1, coalesced: 0, refused: 0 });
    expect((await a.engineClient.authenticate(token)).userId).toBe('alice');
  });

  it.each([
    ['an unknown option', { tokenHedaer: 'x' }, 'tokenHedaer'],
    ['a bad identity option', { identity: { userIdClaim: 5 } }, 'identity.userIdClaim'],
    ['HS256', { algorithms: ['HS256'] }, 'algorithms[0]'],
    ['a bad header name', { tokenHeader: 'bad header' }, 'tokenHeader'],
  ])('fails at start-up on %s with OPTIONS_INVALID naming the path', async (_name, extra, path) => {
    const a = Fastify({ logger: false });
    let err: { code?: string; path?: string } | undefined;
    try {
      await a.register(engineClient, { issuer: ISSUER, audience: AUDIENCE, keys: [key.publicJwk], ...extra } as EngineClientOptions);
      await a.ready();
    } catch (e) {
      err = e as { code?: string; path?: string };
    } finally {
      await a.close();
    }
    expect(err?.code).toBe('OPTIONS_INVALID');
    expect(err?.path).toBe(path);
  });

  it('requireRoles() without roles is a programming error at start-up', () => {
    expect(() => requireRoles()).toThrowError(/requireRoles/);
  });
});

describe('an audience per route', () => {
  async function portals(): Promise<FastifyInstance> {
    app = Fastify({ logger: false });
    await app.register(engineClient, { issuer: ISSUER, audience: ['app', 'admin'], keys: [key.publicJwk] } as EngineClientOptions);
    app.get('/app/x', { config: { engineClient: { audience: 'app' } } }, async () => ({ portal: 'app' }));
    app.get('/admin/x', { config: { engineClient: { audience: ['admin'] } } }, async () => ({ portal: 'admin' }));
    app.get('/any', async () => ({ portal: 'any' }));
    await app.ready();
    return app;
  }

  it("accepts on a route only the tokens of that route's audience (401 TOKEN_WRONG_AUDIENCE otherwise)", async () => {
    const a = await portals();
    const appToken = await mint({ key, claims: { aud: 'app' } });
    const adminToken = await mint({ key, claims: { aud: 'admin' } });
    expect((await a.inject({ url: '/app/x', headers: bearer(appToken) })).statusCode).toBe(200);
    expect((await a.inject({ url: '/admin/x', headers: bearer(adminToken) })).statusCode).toBe(200);
    const crossed = await a.inject({ url: '/admin/x', headers: bearer(appToken) });
    expect(crossed.statusCode).toBe(401);
    expect(crossed.json().code).toBe('TOKEN_WRONG_AUDIENCE');
    expect(crossed.headers['www-authenticate']).toContain('invalid_token');
    expect((await a.inject({ url: '/app/x', headers: bearer(adminToken) })).statusCode).toBe(401);
    // a route without its own audience takes any of the plugin's
    expect((await a.inject({ url: '/any', headers: bearer(adminToken) })).statusCode).toBe(200);
  });

  it("refuses at start-up a route audience that is not one of the plugin's", async () => {
    app = Fastify({ logger: false });
    await app.register(engineClient, { issuer: ISSUER, audience: ['app'], keys: [key.publicJwk] } as EngineClientOptions);
    await app.after();
    expect(() => app!.get('/admin/x', { config: { engineClient: { audience: 'admin' } } }, async () => ({}))).toThrow(
      expect.objectContaining({ code: 'OPTIONS_INVALID', message: expect.stringContaining("'admin' is not one of the plugin's audiences") }),
    );
  });
});
