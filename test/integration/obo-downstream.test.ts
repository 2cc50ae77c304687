import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { SignJWT, createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDownstreamClient, createOboTokenSigner, type DownstreamClient, type OboActor, type OboTokenSigner } from '../../engine-client/obo/index.js';
import { engineClient } from '../../engine-client/plugin.js';
import { createTechnicalUserHook, mtlsServerOptions } from '../../engine-client/technical-users/index.js';
import { createTestPki, type TestPki } from '../support/certs.js';
import { tlsRequest } from '../support/tls-request.js';

/**
 * A workflow engine with two listeners (tokens over http for people, mTLS for technical
 * users) calls a downstream "SaaS" over mTLS. The SaaS verifies the engine's client
 * certificate, the on-behalf-of token (signature, iss, aud, act) and that the header names
 * the same user. Everything runs on real sockets.
 */

interface SaasCall {
  header: string | undefined;
  sub: string;
  act: unknown;
  peer: string;
}

let pki: TestPki;
let ca: string;
let saas: Server;
let saasUrl: string;
const saasCalls: SaasCall[] = [];
const gatewayKey = generateKeyPairSync('ed25519');
const engineKey = generateKeyPairSync('ed25519');
let humans: FastifyInstance;
let machines: FastifyInstance;
let humansUrl: string;
let machinesUrl: string;
let downstream: DownstreamClient;
let signer: OboTokenSigner;
let engineJwks: ReturnType<typeof createRemoteJWKSet> | undefined;

interface Process {
  starter: string;
  actors: OboActor[];
}
const processes = new Map<string, Process>();

/** A token exactly as the gateway mints it (the contract of engine-client/token/claims.ts). */
async function gatewayToken(user: string, roles: string[]): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ roles, groups: [], acr: 'auth.weak', amr: ['pwd'] })
    .setProtectedHeader({ alg: 'EdDSA', kid: 'gw-1', typ: 'portcullis+jwt' })
    .setIssuer('portcullis-test')
    .setAudience('workflow')
    .setSubject(user)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + 300)
    .setJti(randomUUID())
    .sign(gatewayKey.privateKey);
}

/** The engine's routes, the same on both listeners; identity comes from the listener's hook. */
function workflowRoutes(app: FastifyInstance): void {
  const who = (request: FastifyRequest) => request.identity as unknown as { userId: string; technical?: boolean };
  app.post<{ Params: { definition: string } }>('/processes/:definition', async (request) => {
    const id = randomUUID();
    processes.set(id, { starter: who(request).userId, actors: [] });
    return { id };
  });
  app.post<{ Params: { id: string; step: string } }>('/processes/:id/steps/:step', async (request) => {
    const process = processes.get(request.params.id)!;
    const caller = who(request);
    process.actors.push({ userId: caller.userId, human: caller.technical !== true });
    return { done: request.params.step };
  });
  // an automatic step: the engine itself, not a human actor
  app.post<{ Params: { id: string } }>('/processes/:id/auto', async (request) => {
    processes.get(request.params.id)!.actors.push({ userId: 'workflow-engine', human: false });
    return { done: 'auto' };
  });
  app.post<{ Params: { id: string } }>('/processes/:id/notify-saas', async (request) => {
    const process = processes.get(request.params.id)!;
    const answer = await downstream.call({ method: 'POST', path: '/notify', context: { caller: who(request), process } });
    return { saas: answer.json(), onBehalfOf: answer.onBehalfOf };
  });
  app.post('/notify-saas', async (request) => {
    const answer = await downstream.call({
      method: 'POST',
      path: '/notify',
      context: { caller: who(request) },
      // a caller-supplied header never decides who the call is for
      headers: { 'X-On-Behalf-Of': 'mallory', Authorization: 'Bearer forged' },
    });
    return { saas: answer.json(), onBehalfOf: answer.onBehalfOf };
  });
}

beforeAll(async () => {
  pki = await createTestPki();
  ca = await pki.pem(pki.main.ca.cert);
  const serverCert = await pki.pem(pki.main.server.cert);
  const serverKey = await pki.pem(pki.main.server.key);

  // the SaaS: mTLS required at the handshake, then token and header checked
  saas = createServer({ ca, cert: serverCert, key: serverKey, requestCert: true, rejectUnauthorized: true }, async (req, res) => {
    try {
      const auth = req.headers.authorization ?? '';
      // the SaaS trusts the engine's published key set, fetched over HTTP
      engineJwks ??= createRemoteJWKSet(new URL(`${humansUrl}/.well-known/jwks.json`));
      const { payload } = await jwtVerify(auth.replace(/^Bearer /, ''), engineJwks, {
        issuer: 'workflow-engine',
        audience: 'saas',
        algorithms: ['EdDSA'],
        maxTokenAge: 120,
      });
      const header = req.headers['x-on-behalf-of'] as string | undefined;
      if (header !== payload.sub) throw new Error('header and token disagree');
      if ((payload.act as { sub?: string } | undefined)?.sub !== 'workflow-engine') throw new Error('engine is not the actor');
      const peer = (req.socket as TLSSocket).getPeerX509Certificate()!.subject;
      const call = { header, sub: payload.sub!, act: payload.act, peer };
      saasCalls.push(call);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(call));
    } catch (err) {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: (err as Error).message }));
    }
  });
  await new Promise<void>((resolve) => saas.listen(0, '127.0.0.1', resolve));
  saasUrl = `https://127.0.0.1:${(saas.address() as AddressInfo).port}/api`;

  const engineCert = pki.main.clients.engine!;
  signer = createOboTokenSigner({ privateKey: engineKey.privateKey, issuer: 'workflow-engine', audience: 'saas' });
  downstream = createDownstreamClient({
    baseUrl: saasUrl,
    token: { signer },
    tls: { ca, cert: await pki.pem(engineCert.cert), key: await pki.pem(engineCert.key) },
    timeoutMs: 5000,
  });

  humans = Fastify();
  await humans.register(engineClient, {
    issuer: 'portcullis-test',
    audience: 'workflow',
    keys: [{ kid: 'gw-1', pem: gatewayKey.publicKey.export({ format: 'pem', type: 'spki' }) as string }],
  });
  workflowRoutes(humans);
  humans.get('/.well-known/jwks.json', { config: { engineClient: false } }, async () => ({ keys: [await signer.publicJwk()] }));
  await humans.listen({ host: '127.0.0.1', port: 0 });
  humansUrl = `http://127.0.0.1:${(humans.server.address() as AddressInfo).port}`;

  machines = Fastify({ https: mtlsServerOptions({ ca, cert: serverCert, key: serverKey }) });
  machines.decorateRequest('identity', null);
  machines.addHook('onRequest', createTechnicalUserHook({ users: { users: [{ id: 'billing-service', match: { subject: 'CN=billing-service,O=Acme' } }] } }));
  workflowRoutes(machines);
  await machines.listen({ host: '127.0.0.1', port: 0 });
  machinesUrl = `https://127.0.0.1:${(machines.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await downstream?.close();
  await humans?.close();
  await machines?.close();
  await new Promise((resolve) => (saas ? saas.close(resolve) : resolve(undefined)));
  await pki?.cleanup();
});

async function asUser(user: string, path: string) {
  const res = await fetch(`${humansUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${await gatewayToken(user, ['user'])}` } });
  expect(res.status).toBe(200);
  return res.json() as Promise<any>;
}
async function asTechnicalUser(path: string) {
  const res = await tlsRequest(`${machinesUrl}${path}`, await pki.client('billing'), { method: 'POST' });
  expect(res.status).toBe(200);
  return res.json();
}

describe('on-behalf-of propagation to a downstream SaaS', () => {
  it('four eyes: the first user acts, the second reviews, the call carries the second', async () => {
    const { id } = await asUser('alice', '/processes/four-eyes');
    await asUser('alice', `/processes/${id}/steps/enter`);
    await asUser('bob', `/processes/${id}/steps/review`);
    await asUser('alice', `/processes/${id}/auto`);
    const answer = await asUser('alice', `/processes/${id}/notify-saas`);
    expect(answer.onBehalfOf).toEqual({ userId: 'bob', reason: 'last-human-actor' });
    expect(answer.saas).toMatchObject({ header: 'bob', sub: 'bob', act: { sub: 'workflow-engine' } });
    expect(answer.saas.peer).toContain('CN=workflow-engine');
  });

  it('optional step skipped: the call carries the starter, even when a technical user triggers it', async () => {
    const { id } = await asUser('carol', '/processes/optional-step');
    await asUser('carol', `/processes/${id}/auto`);
    const answer = await asTechnicalUser(`/processes/${id}/notify-saas`);
    expect(answer.onBehalfOf).toEqual({ userId: 'carol', reason: 'process-starter' });
    expect(answer.saas).toMatchObject({ header: 'carol', sub: 'carol' });
  });

  it('technical user: the call carries the technical user, over mTLS with the engine certificate', async () => {
    const answer = await asTechnicalUser('/notify-saas');
    expect(answer.onBehalfOf).toEqual({ userId: 'billing-service', reason: 'caller' });
    expect(answer.saas).toMatchObject({ header: 'billing-service', sub: 'billing-service', act: { sub: 'workflow-engine' } });
  });

  it('caller-supplied on-behalf-of and authorization headers are replaced, never forwarded', async () => {
    const answer = await asUser('dave', '/notify-saas');
    expect(answer.saas).toMatchObject({ header: 'dave', sub: 'dave' });
    expect(saasCalls.some((c) => c.header === 'mallory' || c.sub === 'mallory')).toBe(false);
  });

  it('the SaaS refuses a token not signed by the engine', async () => {
    const forger = generateKeyPairSync('ed25519').privateKey as KeyObject;
    const impostor = createDownstreamClient({
      baseUrl: saasUrl,
      token: { signer: { privateKey: forger, issuer: 'workflow-engine', audience: 'saas' } },
      tls: { ca, cert: await pki.pem(pki.main.clients.engine!.cert), key: await pki.pem(pki.main.clients.engine!.key) },
    });
    const answer = await impostor.call({ method: 'POST', path: '/notify', onBehalfOf: 'bob' });
    expect(answer.statusCode).toBe(401);
    await impostor.close();
  });

  it('an unreachable downstream is a coded 502, not a crash', async () => {
    const nowhere = createDownstreamClient({ baseUrl: 'http://127.0.0.1:1/api', timeoutMs: 2000 });
    await expect(nowhere.call({ path: '/x', onBehalfOf: 'bob' })).rejects.toMatchObject({ code: 'OBO_DOWNSTREAM_FAILED', statusCode: 502 });
    await nowhere.close();
  });

  it('a silent downstream is a coded 504 after the timeout', async () => {
    const silent = createServer({ cert: await pki.pem(pki.main.server.cert), key: await pki.pem(pki.main.server.key) }, () => {
      /* never answers */
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const client = createDownstreamClient({ baseUrl: `https://127.0.0.1:${(silent.address() as AddressInfo).port}`, tls: { ca }, timeoutMs: 300 });
    await expect(client.call({ path: '/x', onBehalfOf: 'bob' })).rejects.toMatchObject({ code: 'OBO_DOWNSTREAM_TIMEOUT', statusCode: 504 });
    await client.close();
    silent.closeAllConnections();
    await new Promise((resolve) => silent.close(resolve));
  });
});
