import Fastify, { type FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRestGuard } from '../../engine-client/rest-guard/index.js';
import { mtlsServerOptions, technicalUsers } from '../../engine-client/technical-users/index.js';
import { createTestPki, type TestPki } from '../support/certs.js';
import { tlsRequest } from '../support/tls-request.js';

/**
 * An engine that accepts technical users directly on its own mTLS listener: real
 * certificates, real TLS handshakes, one fresh connection per request.
 */
let pki: TestPki;
let app: FastifyInstance;
let base: string;
let ca: string;
const logLines: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  pki = await createTestPki();
  ca = await pki.pem(pki.main.ca.cert);
  app = Fastify({
    https: mtlsServerOptions({ ca, cert: await pki.pem(pki.main.server.cert), key: await pki.pem(pki.main.server.key) }),
    logger: { level: 'warn', stream: { write: (l: string) => void logLines.push(JSON.parse(l)) } },
  });
  await app.register(technicalUsers, {
    users: {
      users: [
        { id: 'billing-service', roles: ['Billing'], match: { subject: 'CN=billing-service, O=Acme' } },
        { id: 'reporting', match: { san: 'URI:spiffe://acme.test/reporting' } },
        { id: 'retired-service', match: { subject: 'CN=retired-service, O=Portcullis Dev' }, revoked: true },
      ],
    },
  });
  const guard = createRestGuard({ enabled: true, roles: ['Billing'] });
  app.get('/whoami', async (request) => (request as unknown as { identity: unknown }).identity);
  app.get('/rest/invoices', { preHandler: guard.hook }, async () => ({ invoices: [] }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `https://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await app?.close();
  await pki?.cleanup();
});

describe('engine mTLS listener', () => {
  it('a known client becomes a technical identity with auth.strong and amr mtls', async () => {
    const res = await tlsRequest(`${base}/whoami`, await pki.client('billing'));
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({
      userId: 'billing-service',
      roles: ['TechnicalUser', 'Billing'],
      level: 'auth.strong',
      amr: ['mtls'],
      technical: true,
    });
  });

  it('a client known by SAN is mapped too; the REST guard still needs its role', async () => {
    expect((await tlsRequest(`${base}/whoami`, await pki.client('reporting'))).json().userId).toBe('reporting');
    const rest = await tlsRequest(`${base}/rest/invoices`, await pki.client('reporting'));
    expect(rest.status).toBe(403);
    expect(rest.json().code).toBe('ROLE_REQUIRED');
    expect((await tlsRequest(`${base}/rest/invoices`, await pki.client('billing'))).status).toBe(200);
  });

  it('an unknown client gets 403', async () => {
    const res = await tlsRequest(`${base}/whoami`, await pki.client('stranger'));
    expect(res.status).toBe(403);
    expect(res.json().code).toBe('TECHNICAL_USER_UNKNOWN');
  });

  it('a revoked technical user gets 403', async () => {
    const res = await tlsRequest(`${base}/whoami`, await pki.client('retired'));
    expect(res.status).toBe(403);
    expect(res.json().code).toBe('TECHNICAL_USER_REVOKED');
  });

  it('no client certificate gets 401', async () => {
    const res = await tlsRequest(`${base}/whoami`, { ca });
    expect(res.status).toBe(401);
    expect(res.json().code).toBe('CERT_REQUIRED');
  });

  it('an expired certificate gets 403 although its subject is known', async () => {
    const res = await tlsRequest(`${base}/whoami`, await pki.client('expired'));
    expect(res.status).toBe(403);
    expect(res.json()).toMatchObject({ code: 'CERT_UNTRUSTED', message: 'the client certificate is not trusted: expired' });
  });

  it('a certificate from another CA gets 403 although its subject is known', async () => {
    const res = await tlsRequest(`${base}/whoami`, await pki.client('billing', 'other'));
    expect(res.status).toBe(403);
    expect(res.json()).toMatchObject({ code: 'CERT_UNTRUSTED', message: 'the client certificate is not trusted: issued by an untrusted authority' });
  });

  it('logs refusals with subject and fingerprint, never key material', async () => {
    const line = logLines.find((l) => l.event === 'technical-user-refused' && l.code === 'TECHNICAL_USER_UNKNOWN');
    expect(line).toMatchObject({ subject: 'O=Portcullis Dev, CN=stranger', fingerprint256: pki.main.clients.stranger!.fingerprint256 });
    expect(JSON.stringify(logLines)).not.toContain('PRIVATE KEY');
  });
});
