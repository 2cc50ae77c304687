/**
 * The framework-free path (plain node:http) and the express middleware, each on a real
 * listening server: identity from a valid token, 401 with WWW-Authenticate and the JSON error
 * body without or with a bad token, 403 ROLE_REQUIRED from the role check, optional mode.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineClientMiddleware, requireRolesMiddleware, type RequestWithIdentity } from '../../engine-client/express.js';
import { createRequestAuthenticator, sendError } from '../../engine-client/http.js';
import { isEngineClientError } from '../../engine-client/errors.js';
import { AUDIENCE, ISSUER, makeKey, mint, type TestKey } from './token/fixtures.js';

let key: TestKey;
const servers: Server[] = [];

async function listen(server: Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(() => {
  key = makeKey('EdDSA', 'k1');
});
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('plain node:http', () => {
  let url: string;
  beforeAll(async () => {
    const auth = createRequestAuthenticator({ issuer: ISSUER, audience: AUDIENCE, keys: [key.publicJwk], realm: 'engine' });
    url = await listen(
      createServer(async (req, res) => {
        try {
          const identity = await auth.identify(req, { required: req.url !== '/maybe' });
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ userId: identity?.userId ?? null, roles: identity?.roles ?? [] }));
        } catch (err) {
          sendError(res, err);
        }
      }),
    );
  });

  it('answers the verified caller', async () => {
    const res = await fetch(`${url}/whoami`, { headers: bearer(await mint({ key, claims: { sub: 'alice', roles: ['user'] } })) });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ userId: 'alice', roles: ['user'] });
  });

  it('refuses a request without a token: 401, challenge with realm, JSON body', async () => {
    const res = await fetch(`${url}/whoami`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="engine"');
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ statusCode: 401, code: 'TOKEN_MISSING', error: 'Unauthorized', message: 'token missing' });
  });

  it('refuses a token signed by another key, without echoing it', async () => {
    const token = await mint({ key: makeKey('EdDSA', 'k1') });
    const res = await fetch(`${url}/whoami`, { headers: bearer(token) });
    expect(res.status).toBe(401);
    const text = await res.text();
    expect(JSON.parse(text).code).toBe('TOKEN_BAD_SIGNATURE');
    expect(text).not.toContain(token);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('lets a request without a token through where it is optional, but still refuses a bad one', async () => {
    expect(await (await fetch(`${url}/maybe`)).json()).toEqual({ userId: null, roles: [] });
    expect((await fetch(`${url}/maybe`, { headers: bearer('not.a.token') })).status).toBe(401);
  });

  it('answers any other failure as a 500 without its message', async () => {
    const res = await listen(createServer((_req, r) => sendError(r, new Error('secret detail'))));
    const body = await (await fetch(res)).json();
    expect(body).toEqual({ statusCode: 500, code: 'INTERNAL', error: 'Internal Server Error', message: 'internal error' });
  });
});

describe('express middleware', () => {
  let url: string;
  const passed: unknown[] = [];
  beforeAll(async () => {
    const app = express();
    app.get('/public', (_req, res) => res.json({ ok: true }));
    app.use('/api', engineClientMiddleware({ issuer: ISSUER, audience: AUDIENCE, keys: [key.publicJwk], identity: { roleMap: { admin: ['administrator'] } } }));
    app.get('/api/whoami', (req, res) => res.json({ userId: (req as RequestWithIdentity).identity!.userId }));
    app.get('/api/admin', requireRolesMiddleware('administrator'), (req, res) => res.json({ admin: (req as RequestWithIdentity).identity!.userId }));
    const own = express.Router();
    own.use(engineClientMiddleware({ issuer: ISSUER, audience: AUDIENCE, keys: [key.publicJwk], passErrors: true }));
    own.get('/x', (_req, res) => res.json({ ok: true }));
    app.use('/own', own);
    app.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      passed.push(err);
      res.status(418).json({ handled: isEngineClientError(err) ? err.code : 'other' });
    });
    url = await listen(createServer(app));
  });

  it('puts the identity on req.identity for the routes behind it', async () => {
    const res = await fetch(`${url}/api/whoami`, { headers: bearer(await mint({ key, claims: { sub: 'bob' } })) });
    expect(await res.json()).toEqual({ userId: 'bob' });
    expect((await fetch(`${url}/public`)).status).toBe(200);
  });

  it('answers a missing token itself: 401, challenge, JSON body', async () => {
    const res = await fetch(`${url}/api/whoami`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(await res.json()).toEqual({ statusCode: 401, code: 'TOKEN_MISSING', error: 'Unauthorized', message: 'token missing' });
  });

  it('requireRolesMiddleware: 403 ROLE_REQUIRED without the role, through with it (after role mapping)', async () => {
    const user = await fetch(`${url}/api/admin`, { headers: bearer(await mint({ key, claims: { sub: 'carol', roles: ['user'] } })) });
    expect(user.status).toBe(403);
    expect((await user.json()).code).toBe('ROLE_REQUIRED');
    const admin = await fetch(`${url}/api/admin`, { headers: bearer(await mint({ key, claims: { sub: 'dave', roles: ['admin'] } })) });
    expect(await admin.json()).toEqual({ admin: 'dave' });
  });

  it('with passErrors hands the refusal to the application error handler', async () => {
    const res = await fetch(`${url}/own/x`);
    expect(res.status).toBe(418);
    expect(await res.json()).toEqual({ handled: 'TOKEN_MISSING' });
  });

  it('refuses bad options at start-up', () => {
    expect(() => engineClientMiddleware({ issuer: ISSUER, audience: AUDIENCE, keys: [key.publicJwk], tokenHedaer: 'x' } as never)).toThrow(/tokenHedaer: unknown option/);
    expect(() => requireRolesMiddleware()).toThrow(/at least one role/);
  });
});
