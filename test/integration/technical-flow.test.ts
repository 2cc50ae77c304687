/**
 * The technical-user flow end to end, every hop a real socket:
 *
 *   billing service ──mTLS──▶ gateway ──token (auth.strong, amr mtls)──▶ engine
 *        engine: engine-client verifies the token (JWKS), the REST guard checks role and
 *        client address (X-Forwarded-For from the gateway only), then calls a SaaS over
 *        mTLS on behalf of the technical user with a signed OBO token.
 *
 * A human API client (Basic) reaches the same engine but not its REST API; a client that
 * claims another address in X-Forwarded-For is not believed.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import Fastify, { type FastifyInstance } from 'fastify';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDownstreamClient, createOboTokenSigner, type DownstreamClient } from '../../engine-client/obo/index.js';
import { engineClient } from '../../engine-client/plugin.js';
import { createRestGuard } from '../../engine-client/rest-guard/index.js';
import type { MtlsAuthenticator } from '../../gateway/authenticators/mtls/mtls-authenticator.js';
import { createTestPki, type TestPki } from '../support/certs.js';
import { DEMO_USERS, startTestGateway, writeUsersFile, type TestGateway } from '../support/gateway.js';
import { tlsRequest } from '../support/tls-request.js';

let pki: TestPki;
let ca: string;
let gw: TestGateway;
let mtlsUrl: string;
let engineServer: HttpServer;
let engine: FastifyInstance;
let saas: HttpsServer;
let downstream: DownstreamClient;
const saasSeen: Array<{ header: unknown; sub: unknown; act: unknown; peer: string }> = [];
const engineKey = generateKeyPairSync('ed25519');
const signer = createOboTokenSigner({ privateKey: engineKey.privateKey, issuer: 'workflow-engine', audience: 'saas' });

beforeAll(async () => {
  pki = await createTestPki();
  ca = await pki.pem(pki.main.ca.cert);
  const serverTls = { cert: await pki.pem(pki.main.server.cert), key: await pki.pem(pki.main.server.key) };

  // the SaaS: engine certificate at the handshake, then the OBO token and header
  const jwks = createLocalJWKSet({ keys: [await signer.publicJwk()] });
  saas = createHttpsServer({ ...serverTls, ca, requestCert: true, rejectUnauthorized: true }, async (req, res) => {
    try {
      const { payload } = await jwtVerify(String(req.headers.authorization).replace(/^Bearer /, ''), jwks, { issuer: 'workflow-engine', audience: 'saas' });
      if (payload.sub !== req.headers['x-on-behalf-of']) throw new Error('header and token disagree');
      saasSeen.push({ header: req.headers['x-on-behalf-of'], sub: payload.sub, act: payload.act, peer: (req.socket as TLSSocket).getPeerX509Certificate()!.subject });
      res.end(JSON.stringify({ accepted: payload.sub }));
    } catch (err) {
      res.writeHead(401).end(JSON.stringify({ error: (err as Error).message }));
    }
  });
  await new Promise<void>((resolve) => saas.listen(0, '127.0.0.1', resolve));
  downstream = createDownstreamClient({
    baseUrl: `https://127.0.0.1:${(saas.address() as AddressInfo).port}`,
    token: { signer },
    tls: { ca, cert: await pki.pem(pki.main.clients.engine!.cert), key: await pki.pem(pki.main.clients.engine!.key) },
  });

  // the engine's socket first (the gateway needs its address), its app once the gateway's JWKS exists
  engineServer = createHttpServer();
  await new Promise<void>((resolve) => engineServer.listen(0, '127.0.0.1', resolve));
  const engineUrl = `http://127.0.0.1:${(engineServer.address() as AddressInfo).port}`;

  gw = await startTestGateway(async (dir) => {
    await writeUsersFile(dir, DEMO_USERS);
    return {
      tokens: { issuer: 'portcullis-flow' },
      authenticators: [
        { type: 'file', name: 'local', usersFile: 'users.yaml' },
        { type: 'basic', name: 'api', users: 'local' },
        {
          type: 'mtls',
          name: 'services',
          listen: { host: '127.0.0.1', port: 0 },
          tls: { certFile: pki.main.server.cert, keyFile: pki.main.server.key, caFile: pki.main.ca.cert },
          users: [{ id: 'billing-service', roles: ['Billing'], match: { subject: 'CN=billing-service, O=Acme' } }],
        },
      ],
      routes: [{ name: 'workflow', prefix: '/workflow/', upstream: engineUrl }],
    };
  });
  mtlsUrl = (gw.context.authenticators.request.find((a) => a.type === 'mtls') as MtlsAuthenticator).url!;

  engine = Fastify({ serverFactory: (handler) => engineServer.on('request', handler) });
  await engine.register(engineClient, { issuer: 'portcullis-flow', audience: 'workflow', jwksUrl: `${gw.url}/.well-known/jwks.json` });
  // the engine trusts X-Forwarded-For only from the gateway (loopback here)
  const clientAddress = { trustedProxies: ['127.0.0.1'] };
  const rest = createRestGuard({ enabled: true, roles: ['TechnicalUser'], ipAllowList: { allow: ['127.0.0.1'] }, clientAddress });
  const remoteOnly = createRestGuard({ enabled: true, roles: ['TechnicalUser'], ipAllowList: { allow: ['192.0.2.0/24'] }, clientAddress });
  engine.get('/workflow/whoami', async (request) => ({ userId: request.identity!.userId, level: request.identity!.level, amr: request.identity!.amr }));
  engine.post('/workflow/rest/notify', { preHandler: rest.hook }, async (request) => {
    const answer = await downstream.call({ method: 'POST', path: '/notify', context: { caller: { userId: request.identity!.userId, technical: request.identity!.amr.includes('mtls') } } });
    return { saas: answer.json(), onBehalfOf: answer.onBehalfOf };
  });
  engine.post('/workflow/rest-remote/notify', { preHandler: remoteOnly.hook }, async () => ({ ok: true }));
  await engine.ready();
});

afterAll(async () => {
  await downstream?.close();
  await gw?.stop();
  await engine?.close();
  await new Promise((resolve) => (saas ? saas.close(resolve) : resolve(undefined)));
  await pki?.cleanup();
});

describe('technical-user flow through gateway, engine and SaaS', () => {
  it('the billing service calls the REST API; the SaaS call carries it, signed by the engine', async () => {
    const res = await tlsRequest(`${mtlsUrl}/workflow/rest/notify`, await pki.client('billing'), { method: 'POST' });
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ saas: { accepted: 'billing-service' }, onBehalfOf: { userId: 'billing-service', reason: 'caller' } });
    expect(saasSeen.at(-1)).toMatchObject({ header: 'billing-service', sub: 'billing-service', act: { sub: 'workflow-engine' } });
    expect(saasSeen.at(-1)!.peer).toContain('CN=workflow-engine');
  });

  it('the engine sees the technical user at auth.strong by mtls', async () => {
    const res = await tlsRequest(`${mtlsUrl}/workflow/whoami`, await pki.client('billing'));
    expect(res.json()).toEqual({ userId: 'billing-service', level: 'auth.strong', amr: ['mtls'] });
  });

  it('a human API client reaches the engine but not its REST API', async () => {
    const auth = { authorization: `Basic ${Buffer.from('alice:wonderland').toString('base64')}` };
    expect((await fetch(`${gw.url}/workflow/whoami`, { headers: auth })).status).toBe(200);
    const rest = await fetch(`${gw.url}/workflow/rest/notify`, { method: 'POST', headers: auth });
    expect(rest.status).toBe(403);
    expect((await rest.json()).code).toBe('ROLE_REQUIRED');
  });

  it('a client cannot talk its way onto the engine allow list with X-Forwarded-For', async () => {
    const res = await tlsRequest(`${mtlsUrl}/workflow/rest-remote/notify`, await pki.client('billing'), {
      method: 'POST',
      headers: { 'x-forwarded-for': '192.0.2.7' },
    });
    expect(res.status).toBe(403);
    expect(res.json().code).toBe('IP_DENIED');
  });
});
