import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { SignJWT } from 'jose';
import { engineClient } from '../../../engine-client/plugin.js';
import { authorizationPlugin, requireOperation } from '../../../engine-client/authorization/fastify.js';
import { loadPolicyDocuments } from '../../../policies/document.js';

/**
 * The whole engine side over HTTP: a real signed token verified by engine-client's plugin,
 * its identity authorized by the policy.
 */
describe('an engine guarding an operation with a verified token', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const pem = publicKey.export({ format: 'pem', type: 'spki' }) as string;
  let app: FastifyInstance;
  let base: string;

  const token = (sub: string, groups: string[]) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ roles: ['user'], groups, acr: 'auth.weak', amr: ['pwd'] })
      .setProtectedHeader({ alg: 'EdDSA', kid: 'k1', typ: 'portcullis+jwt' })
      .setIssuer('portcullis-test')
      .setAudience('invoices')
      .setSubject(sub)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + 60)
      .setJti(randomUUID())
      .sign(privateKey);
  };

  beforeAll(async () => {
    const policy = loadPolicyDocuments([{ name: 'invoices.yaml', text: 'resources:\n  invoice:\n    candidateStarterGroups: sales\n' }]);
    app = Fastify();
    await app.register(engineClient, { issuer: 'portcullis-test', audience: 'invoices', keys: [{ pem, kid: 'k1' }] });
    await app.register(authorizationPlugin, { policy });
    app.post('/invoices', { preHandler: requireOperation('invoice', 'START_PROCESS') }, async () => ({ started: true }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    const addr = app.server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  });
  afterAll(() => app.close());

  it('a candidate starter starts, anyone else gets 403 with the reason', async () => {
    const ok = await fetch(`${base}/invoices`, { method: 'POST', headers: { authorization: `Bearer ${await token('sam', ['sales'])}` } });
    expect(ok.status).toBe(200);
    const no = await fetch(`${base}/invoices`, { method: 'POST', headers: { authorization: `Bearer ${await token('tom', ['tech'])}` } });
    expect(no.status).toBe(403);
    expect(await no.json()).toMatchObject({ code: 'AUTHZ_DENIED', message: expect.stringContaining('denies ALL (covering START_PROCESS)') });
    const check = await fetch(`${base}/authorizations/resources/invoice/operations/START_PROCESS`, { headers: { authorization: `Bearer ${await token('sam', ['sales'])}` } });
    expect(await check.json()).toMatchObject({ enforceable: true });
  });
});
