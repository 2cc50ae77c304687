/**
 * Technical users at the gateway: an additional HTTPS listener that requires client
 * certificates; the engine behind it (the demo engine, verifying tokens with engine-client)
 * sees a token with auth.strong and amr ["mtls"]. Real certificates, real TLS, real sockets.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import type { MtlsAuthenticator } from '../../gateway/authenticators/mtls/mtls-authenticator.js';
import { createTestPki, type TestPki } from '../support/certs.js';
import { DEMO_USERS, startTestGateway, writeUsersFile, type TestGateway } from '../support/gateway.js';
import { CookieClient, loginWithForm } from '../support/http-client.js';
import { tlsRequest } from '../support/tls-request.js';

let pki: TestPki;
let gw: TestGateway;
let mtlsUrl: string;
let ca: string;
let echo: FastifyInstance;
let echoUrl: string;

/** A websocket upstream that reports the token it got on the upgrade. */
async function startEcho(): Promise<void> {
  echo = Fastify();
  const wss = new WebSocketServer({ noServer: true });
  echo.server.on('upgrade', (request, socket, head) =>
    wss.handleUpgrade(request, socket, head, (ws) => {
      ws.send(JSON.stringify({ authorization: request.headers.authorization ?? null, cookie: request.headers.cookie ?? null }));
      ws.on('message', (data) => ws.send(`echo:${data}`));
    }),
  );
  echo.addHook('onClose', async () => wss.close());
  await echo.listen({ host: '127.0.0.1', port: 0 });
  echoUrl = `http://127.0.0.1:${(echo.server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  pki = await createTestPki();
  await startEcho();
  ca = await pki.pem(pki.main.ca.cert);
  gw = await startTestGateway(async (dir) => {
    await writeUsersFile(dir, DEMO_USERS);
    return {
      authenticators: [
        { type: 'file', name: 'local', usersFile: 'users.yaml' },
        // listed first and trusting loopback: must still not speak for mTLS clients
        { type: 'header', name: 'sso-agent', trustedProxies: ['loopback'] },
        {
          type: 'mtls',
          name: 'services',
          listen: { host: '127.0.0.1', port: 0 },
          tls: { certFile: pki.main.server.cert, keyFile: pki.main.server.key, caFile: pki.main.ca.cert },
          users: [
            { id: 'billing-service', roles: ['Billing'], match: { subject: 'CN=billing-service, O=Acme' }, attributes: { clientId: 'acme-billing' } },
            { id: 'reporting', match: { san: 'URI:spiffe://acme.test/reporting' } },
            { id: 'retired-service', match: { subject: 'CN=retired-service, O=Portcullis Dev' }, revoked: true },
          ],
          revokedFingerprints: [pki.main.clients.leaked!.fingerprint256],
        },
      ],
      routes: [
        { name: 'app', prefix: '/app/', upstream: 'http://demo-engine.invalid' },
        { name: 'admin', prefix: '/admin/', upstream: 'http://demo-engine.invalid', policy: { allowRoles: ['admin'] } },
        { name: 'live', prefix: '/live/', upstream: echoUrl, websocket: true },
      ],
      demoEngine: { enabled: true },
    };
  });
  const mtls = gw.context.authenticators.request.find((a) => a.type === 'mtls') as MtlsAuthenticator;
  mtlsUrl = mtls.url!;
});

afterAll(async () => {
  await gw?.stop();
  await echo?.close();
  await pki?.cleanup();
});

describe('gateway mTLS listener for technical users', () => {
  it('a known client reaches the engine with a token for the technical user: auth.strong, amr mtls', async () => {
    const res = await tlsRequest(`${mtlsUrl}/app/whoami`, await pki.client('billing'));
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({
      user: 'billing-service',
      tokenRoles: ['Billing', 'TechnicalUser'],
      level: 'auth.strong',
      amr: ['mtls'],
      attributes: { clientId: 'acme-billing' },
    });
  });

  it('a client known by SAN is mapped; route policy still applies to technical users', async () => {
    expect((await tlsRequest(`${mtlsUrl}/app/whoami`, await pki.client('reporting'))).json().user).toBe('reporting');
    const admin = await tlsRequest(`${mtlsUrl}/admin/whoami`, await pki.client('reporting'));
    expect(admin.status).toBe(403);
  });

  it('no session and no cookie: the answer sets none', async () => {
    const res = await tlsRequest(`${mtlsUrl}/app/whoami`, await pki.client('billing'));
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it.each([
    ['an unknown client', 'stranger', 'main', 403, 'TECHNICAL_USER_UNKNOWN'],
    ['a revoked technical user', 'retired', 'main', 403, 'TECHNICAL_USER_REVOKED'],
    ['a revoked certificate of a known user', 'leaked', 'main', 403, 'TECHNICAL_USER_REVOKED'],
    ['an expired certificate', 'expired', 'main', 403, 'CERT_UNTRUSTED'],
    ['a certificate from another CA', 'billing', 'other', 403, 'CERT_UNTRUSTED'],
  ] as const)('%s is refused', async (_what, name, from, status, code) => {
    const res = await tlsRequest(`${mtlsUrl}/app/whoami`, await pki.client(name, from));
    expect(res.status).toBe(status);
    expect(res.json().code).toBe(code);
  });

  it('no client certificate gets 401, also on routes that need no login', async () => {
    for (const path of ['/app/whoami', '/healthz', '/login']) {
      const res = await tlsRequest(`${mtlsUrl}${path}`, { ca });
      expect(res.status).toBe(401);
      expect(res.json().code).toBe('CERT_REQUIRED');
    }
  });

  it("a browser session's cookie counts for nothing on the mTLS listener", async () => {
    const browser = new CookieClient(gw.url);
    expect((await loginWithForm(browser, 'bob', DEMO_USERS.bob!.password, '/admin/')).status).toBe(303);
    const cookie = [...browser.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const asBilling = await tlsRequest(`${mtlsUrl}/admin/whoami`, await pki.client('billing'), { headers: { cookie } });
    expect(asBilling.status).toBe(403); // billing-service is not admin; bob's session is not used
    const noCert = await tlsRequest(`${mtlsUrl}/admin/whoami`, { ca }, { headers: { cookie } });
    expect(noCert.status).toBe(401);
  });

  it('on the mTLS listener the certificate alone decides: a trusted-header user name is not used', async () => {
    const res = await tlsRequest(`${mtlsUrl}/admin/whoami`, await pki.client('billing'), { headers: { 'x-remote-user': 'bob' } });
    expect(res.status).toBe(403);
    const app = await tlsRequest(`${mtlsUrl}/app/whoami`, await pki.client('billing'), { headers: { 'x-remote-user': 'bob' } });
    expect(app.json().user).toBe('billing-service');
  });

  it('the plain listener does not accept technical users', async () => {
    const res = await fetch(`${gw.url}/app/whoami`, { headers: { accept: 'application/json' } });
    expect(res.status).toBe(401);
    // ... while the trusted header still works there
    const header = await fetch(`${gw.url}/app/whoami`, { headers: { accept: 'application/json', 'x-remote-user': 'carol' } });
    expect((await header.json()).user).toBe('carol');
  });

  it('websockets on the mTLS listener: a known client gets through with its token, others are refused', async () => {
    const open = (tls: { ca: string; cert?: string; key?: string }) =>
      new Promise<{ first: string; ws: WebSocket } | { status: number }>((resolve, reject) => {
        const ws = new WebSocket(`${mtlsUrl.replace('https', 'wss')}/live/socket`, { ...tls, headers: { cookie: 'portcullis_sid=stolen' } });
        ws.once('message', (data) => resolve({ first: String(data), ws }));
        ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0 }));
        ws.once('error', reject);
      });
    const known = await open(await pki.client('billing'));
    if (!('ws' in known)) throw new Error(`upgrade refused with ${known.status}`);
    const seen = JSON.parse(known.first);
    expect(seen.authorization).toMatch(/^Bearer ey/);
    expect(seen.cookie).toBeNull();
    const payload = JSON.parse(Buffer.from(seen.authorization.split('.')[1], 'base64url').toString());
    expect(payload).toMatchObject({ sub: 'billing-service', acr: 'auth.strong', amr: ['mtls'] });
    known.ws.send('ping');
    expect(await new Promise((resolve) => known.ws.once('message', (d) => resolve(String(d))))).toBe('echo:ping');
    known.ws.close();
    expect(await open(await pki.client('stranger'))).toEqual({ status: 403 });
    expect(await open({ ca })).toEqual({ status: 401 });
  });

  it('logs refusals with the certificate subject and fingerprint', () => {
    const logs = gw.logs();
    expect(logs).toContain('"event":"technical-user-refused"');
    expect(logs).toContain(pki.main.clients.stranger!.fingerprint256);
    expect(logs).not.toContain('PRIVATE KEY');
  });
});
