/**
 * [slow: packs, installs from the npm registry, ~20 s] An engine written in plain JavaScript
 * installs the packed engine-client (with policies, fastify and express) from tarballs and
 * verifies a token minted by a running gateway: with the framework-free node:http path,
 * with the fastify plugin and with the express middleware, in plain node (no TypeScript
 * loader). A strict TypeScript project type-checks against the published declarations.
 */
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_USERS, startTestGateway, writeUsersFile, type TestGateway } from '../support/gateway.js';
import { installPackedEngineClient, ROOT, type InstalledProject } from '../support/packed-engine-client.js';

let installed: InstalledProject;
let gw: TestGateway;
let upstream: Server;
let token: string;
const ISSUER = 'portcullis-packaging';

/** One engine script per way of using engine-client; each prints what it saw as JSON. */
const ENGINES: Record<string, string> = {
  'plain.mjs': `
import http from 'node:http';
import { createRequestAuthenticator, sendError } from '@portcullis/engine-client/http';
const auth = createRequestAuthenticator({ issuer: process.env.ISSUER, audience: 'engine', jwksUrl: process.env.JWKS, identity: { userIdClaim: 'loginId' } });
const server = http.createServer(async (req, res) => {
  try { const id = await auth.identify(req); res.end(JSON.stringify({ userId: id.userId, roles: id.roles, level: id.level })); }
  catch (err) { sendError(res, err); }
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const url = 'http://127.0.0.1:' + server.address().port + '/x';
const ok = await fetch(url, { headers: { authorization: 'Bearer ' + process.env.TOKEN } });
const refused = await fetch(url);
console.log(JSON.stringify({ ok: await ok.json(), refused: { status: refused.status, body: await refused.json() } }));
server.close();
`,
  'fastify.mjs': `
import Fastify from 'fastify';
import { engineClient, requireRoles } from '@portcullis/engine-client/fastify';
const app = Fastify();
await app.register(engineClient, { issuer: process.env.ISSUER, audience: 'engine', jwksUrl: process.env.JWKS, identity: { userIdClaim: 'loginId' } });
app.get('/x', async (req) => ({ userId: req.identity.userId, roles: req.identity.roles, level: req.identity.level }));
app.get('/admin', { preHandler: requireRoles('admin') }, async () => ({ admin: true }));
const ok = await app.inject({ url: '/x', headers: { authorization: 'Bearer ' + process.env.TOKEN } });
const refused = await app.inject({ url: '/x' });
const admin = await app.inject({ url: '/admin', headers: { authorization: 'Bearer ' + process.env.TOKEN } });
console.log(JSON.stringify({ ok: ok.json(), refused: { status: refused.statusCode, body: refused.json() }, admin: admin.json().code }));
await app.close();
`,
  'express.mjs': `
import express from 'express';
import { engineClientMiddleware, requireRolesMiddleware } from '@portcullis/engine-client/express';
const app = express();
app.use(engineClientMiddleware({ issuer: process.env.ISSUER, audience: 'engine', jwksUrl: process.env.JWKS, identity: { userIdClaim: 'loginId' } }));
app.get('/x', (req, res) => res.json({ userId: req.identity.userId, roles: req.identity.roles, level: req.identity.level }));
app.get('/admin', requireRolesMiddleware('admin'), (req, res) => res.json({ admin: true }));
const server = app.listen(0, '127.0.0.1');
await new Promise((r) => server.on('listening', r));
const base = 'http://127.0.0.1:' + server.address().port;
const auth = { authorization: 'Bearer ' + process.env.TOKEN };
const ok = await fetch(base + '/x', { headers: auth });
const refused = await fetch(base + '/x');
const admin = await fetch(base + '/admin', { headers: auth });
console.log(JSON.stringify({ ok: await ok.json(), refused: { status: refused.status, body: await refused.json() }, admin: (await admin.json()).code }));
server.close();
`,
};

beforeAll(async () => {
  installed = await installPackedEngineClient(['fastify@^5', 'express@^5']);
  for (const [name, text] of Object.entries(ENGINES)) writeFileSync(join(installed.dir, name), text);

  // the gateway proxies /engine/ to a socket that answers the token it was given
  upstream = createServer((req, res) => res.end(String(req.headers.authorization ?? '')));
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  gw = await startTestGateway(async (dir) => {
    await writeUsersFile(dir, DEMO_USERS);
    return {
      tokens: { issuer: ISSUER },
      authenticators: [
        { type: 'file', name: 'local', usersFile: 'users.yaml' },
        { type: 'basic', name: 'api', users: 'local' },
      ],
      routes: [{ name: 'engine', prefix: '/engine/', upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}` }],
    };
  });
  const res = await fetch(`${gw.url}/engine/x`, { headers: { authorization: `Basic ${Buffer.from('alice:wonderland').toString('base64')}` } });
  token = (await res.text()).replace(/^Bearer /, '');
}, 120_000);

afterAll(async () => {
  await gw?.stop();
  await new Promise((r) => (upstream ? upstream.close(r) : r(undefined)));
  if (installed) rmSync(resolve(installed.dir, '..'), { recursive: true, force: true });
});

/** async: the gateway serving the engine's JWKS fetch runs in this process */
async function runEngine(name: string): Promise<{ ok: unknown; refused: { status: number; body: { code: string } }; admin?: string }> {
  return JSON.parse(await installed.nodeAsync([name], { ISSUER, JWKS: `${gw.url}/.well-known/jwks.json`, TOKEN: token }));
}

const ALICE = { userId: 'alice', roles: ['user'], level: 'auth.weak' };

describe('the installed engine-client tarball verifies a running gateway token [slow]', () => {
  it('the gateway minted a token for the route', () => {
    expect(token.split('.')).toHaveLength(3);
  });

  it('in plain node:http', async () => {
    const seen = await runEngine('plain.mjs');
    expect(seen.ok).toEqual(ALICE);
    expect(seen.refused).toMatchObject({ status: 401, body: { code: 'TOKEN_MISSING' } });
  });

  it('with the fastify plugin', async () => {
    const seen = await runEngine('fastify.mjs');
    expect(seen.ok).toEqual(ALICE);
    expect(seen.refused).toMatchObject({ status: 401, body: { code: 'TOKEN_MISSING' } });
    expect(seen.admin).toBe('ROLE_REQUIRED');
  });

  it('with the express middleware', async () => {
    const seen = await runEngine('express.mjs');
    expect(seen.ok).toEqual(ALICE);
    expect(seen.refused).toMatchObject({ status: 401, body: { code: 'TOKEN_MISSING' } });
    expect(seen.admin).toBe('ROLE_REQUIRED');
  });

  it('a strict TypeScript consumer type-checks against the published declarations with zero errors', () => {
    const project = join(resolve(installed.dir, '..'), 'ts-consumer');
    mkdirSync(project);
    // the consumer resolves @portcullis/* (and fastify, a peer it uses) from the installed project
    symlinkSync(join(installed.dir, 'node_modules'), join(project, 'node_modules'));
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', noEmit: true,
          strict: true, exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true, skipLibCheck: false,
          types: ['node'], typeRoots: [join(ROOT, 'node_modules/@types')],
        },
        files: ['engine.ts'],
      }),
    );
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'ts-engine', private: true, type: 'module' }));
    writeFileSync(
      join(project, 'engine.ts'),
      `import { createServer } from 'node:http';
import { verifyToken, isEngineClientError, type Identity } from '@portcullis/engine-client';
import { createRequestAuthenticator, sendError } from '@portcullis/engine-client/http';
import { engineClientMiddleware, requireRolesMiddleware } from '@portcullis/engine-client/express';
import { engineClient, requireRoles } from '@portcullis/engine-client/fastify';
import { claimNamesWith, type PortcullisTokenClaims } from '@portcullis/engine-client/token';
import { mapRoles } from '@portcullis/engine-client/identity';
import { createClientAddressResolver } from '@portcullis/engine-client/client-ip';
import { createIpAllowList } from '@portcullis/engine-client/ip-allow-list';
import { createRestGuard } from '@portcullis/engine-client/rest-guard';
import { createTechnicalUserMap } from '@portcullis/engine-client/technical-users';
import { createDownstreamClient } from '@portcullis/engine-client/obo';
import { createEndpointPool } from '@portcullis/engine-client/pool';
import { createHttpIdentityBackend } from '@portcullis/engine-client/identity-backend';
import { createAuthorizer } from '@portcullis/engine-client/authorization';
import { EngineClientError } from '@portcullis/engine-client/errors';

const auth = createRequestAuthenticator({ issuer: 'gw', audience: 'engine', jwksUrl: 'http://127.0.0.1:1/jwks' });
createServer(async (req, res) => {
  try {
    const who: Identity | null = await auth.identify(req);
    res.end(who?.userId ?? '');
  } catch (err) {
    if (isEngineClientError(err) && err instanceof EngineClientError) sendError(res, err);
  }
});
export const used: readonly unknown[] = [verifyToken, engineClientMiddleware, requireRolesMiddleware, engineClient, requireRoles, claimNamesWith, mapRoles,
  createClientAddressResolver, createIpAllowList, createRestGuard, createTechnicalUserMap, createDownstreamClient, createEndpointPool, createHttpIdentityBackend, createAuthorizer];
export type Claims = PortcullisTokenClaims;
`,
    );
    let output = '';
    try {
      execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', project], { encoding: 'utf8', timeout: 60_000 });
    } catch (err) {
      output = String((err as { stdout?: string }).stdout);
    }
    expect(output).toBe('');
  }, 90_000);
});
