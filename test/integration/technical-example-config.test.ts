/**
 * config/examples/technical.yaml is a working setup: it validates as it stands, and with its
 * certificate paths pointed at certificates made by createDevCertificates (what
 * `portcullis certs` runs), a technical user, an API client with Basic and a browser user
 * all get in the way the example says.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/loader.js';
import type { PortcullisConfigInput } from '../../config/schema/index.js';
import { createDevCertificates, type DevCertificates } from '../../gateway/certs/index.js';
import type { MtlsAuthenticator } from '../../gateway/authenticators/mtls/mtls-authenticator.js';
import { DEMO_USERS, startTestGateway, writeUsersFile, type TestGateway } from '../support/gateway.js';
import { tlsRequest } from '../support/tls-request.js';
import { readFile } from 'node:fs/promises';

const EXAMPLE = resolve(import.meta.dirname, '../../config/examples/technical.yaml');

let certsDir: string;
let certs: DevCertificates;
let gw: TestGateway;
let mtlsUrl: string;

beforeAll(async () => {
  certsDir = await mkdtemp(join(tmpdir(), 'portcullis-example-certs-'));
  certs = await createDevCertificates({ dir: certsDir, clients: ['billing', 'reporting'] });
  const loaded = await loadConfig(EXAMPLE, { env: {} });
  const input = structuredClone(loaded.config) as unknown as PortcullisConfigInput & { authenticators: Array<Record<string, any>> };
  const mtls = input.authenticators.find((a) => a.type === 'mtls')!;
  mtls.listen = { ...mtls.listen, port: 0 };
  mtls.tls = { certFile: certs.server.cert, keyFile: certs.server.key, caFile: certs.ca.cert };
  gw = await startTestGateway(async (dir) => {
    await writeUsersFile(dir, DEMO_USERS, 'demo-users.yaml');
    return { ...input, server: { ...input.server, port: 0 } };
  });
  mtlsUrl = (gw.context.authenticators.request.find((a) => a.type === 'mtls') as MtlsAuthenticator).url!;
});

afterAll(async () => {
  await gw?.stop();
  await rm(certsDir, { recursive: true, force: true });
});

describe('config/examples/technical.yaml', () => {
  it('validates as it stands', async () => {
    const loaded = await loadConfig(EXAMPLE, { env: {} });
    expect(loaded.config.authenticators.map((a) => a.type)).toEqual(['file', 'basic', 'mtls']);
  });

  it('lets the billing service in as a technical user and refuses the revoked one', async () => {
    const tls = async (name: string) => ({
      ca: await readFile(certs.ca.cert, 'utf8'),
      cert: await readFile(certs.clients[name]!.cert, 'utf8'),
      key: await readFile(certs.clients[name]!.key, 'utf8'),
    });
    const billing = await tlsRequest(`${mtlsUrl}/app/whoami`, await tls('billing'));
    expect(billing.json()).toMatchObject({ user: 'billing-service', tokenRoles: ['TechnicalUser', 'billing'], level: 'auth.strong', amr: ['mtls'] });
    const reporting = await tlsRequest(`${mtlsUrl}/app/whoami`, await tls('reporting'));
    expect(reporting.status).toBe(403);
  });

  it('lets an API client in with Basic, and forwards identity headers on /admin/', async () => {
    const auth = { authorization: `Basic ${Buffer.from('bob:builder').toString('base64')}` };
    expect((await (await fetch(`${gw.url}/app/whoami`, { headers: auth })).json()).user).toBe('bob');
    const seen = (await (await fetch(`${gw.url}/admin/headers`, { headers: { ...auth, 'x-user': 'mallory' } })).json()).headers;
    expect(seen['x-user']).toBe('bob');
    expect(seen['x-user-roles']).toBe('admin,user');
  });
});
