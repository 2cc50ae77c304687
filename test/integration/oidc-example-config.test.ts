/**
 * config/examples/oidc.yaml is a working setup: it validates as it stands (secrets from the
 * environment), and with its issuers and clients pointed at the live test provider a user
 * logs in through it with the roles the example maps, by client secret and by private key.
 */
import { generateKeyPairSync } from 'node:crypto';
import { join, resolve } from 'node:path';
import { exportJWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/loader.js';
import type { PortcullisConfigInput } from '../../config/schema/index.js';
import type { TestGateway } from '../support/gateway.js';
import { CookieClient, PROVIDER_NAMES, freePort, loginThroughOp, startGatewayOn } from '../support/oidc-gateway.js';
import { CLIENT_SECRET, TestOp } from '../support/oidc-op.js';

const EXAMPLES = resolve(import.meta.dirname, '../../config/examples');
const EXAMPLE = join(EXAMPLES, 'oidc.yaml');
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ENV = {
  OIDC_CORP_SECRET: CLIENT_SECRET,
  OIDC_PARTNER_KEY: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  OIDC_TOKEN_KEY: 'q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=',
};

type Oidc = { type: string; usersFile?: string; providers?: Array<Record<string, unknown>> };

describe('config/examples/oidc.yaml', () => {
  let op: TestOp;
  let gw: TestGateway;

  beforeAll(async () => {
    const loaded = await loadConfig(EXAMPLE, { env: ENV });
    const input = structuredClone(loaded.config) as unknown as PortcullisConfigInput & { authenticators: Oidc[] };
    const port = await freePort();
    op = await TestOp.start({ gatewayUrls: [`http://127.0.0.1:${port}`], jwtClientKey: { ...(await exportJWK(publicKey)), alg: 'RS256', use: 'sig' } });
    const oidc = input.authenticators.find((a) => a.type === 'oidc')!;
    // the example's two providers, pointed at the test provider's clients
    Object.assign(oidc.providers![0]!, { issuer: op.issuer, clientId: 'gw-basic' });
    Object.assign(oidc.providers![1]!, { name: PROVIDER_NAMES.jwt, issuer: op.issuer, clientId: 'gw-jwt', groupsClaim: 'realm_access.roles', roleMapping: { map: { staff: 'user' }, keepUnmapped: false } });
    for (const a of input.authenticators) if (a.usersFile) a.usersFile = join(EXAMPLES, a.usersFile);
    const { publicUrl: _drop, ...server } = input.server ?? {};
    // authenticators resolve env:// references from the process environment, as `portcullis start` does
    Object.assign(process.env, ENV);
    gw = await startGatewayOn(port, async () => ({ ...input, server: { ...server, port } }) as PortcullisConfigInput, ENV);
  }, 60_000);
  afterAll(async () => {
    await gw?.stop();
    await op?.close();
    for (const name of Object.keys(ENV)) delete process.env[name];
  });

  it('validates with its secrets as references, every default written out', async () => {
    const loaded = await loadConfig(EXAMPLE, { env: ENV });
    const oidc = loaded.config.authenticators[1] as unknown as Oidc & Record<string, unknown>;
    expect(oidc).toMatchObject({ type: 'oidc', name: 'oidc', tokenEncryptionKey: 'env://OIDC_TOKEN_KEY', refreshIntervalSeconds: 300, refreshGraceSeconds: 600 });
    expect(oidc.providers).toMatchObject([
      { name: 'corp', clientAuth: 'client_secret_basic', clientSecret: 'env://OIDC_CORP_SECRET', groupsClaim: 'realm_access.roles', stepUpAcrValues: ['gold'] },
      { name: 'partner', clientAuth: 'private_key_jwt', privateKey: 'env://OIDC_PARTNER_KEY' },
    ]);
  });

  it('logs alice in with a client secret, with the roles and attributes the example maps', async () => {
    const client = new CookieClient(gw.url);
    const done = await loginThroughOp(client, new CookieClient(op.issuer), { user: 'alice' });
    expect(done.status).toBe(303);
    const who = (await client.get('/app/whoami', { accept: 'application/json' })).json();
    expect(who).toMatchObject({ user: 'alice', tokenRoles: ['user'], level: 'auth.weak' });
    expect(who.attributes).toMatchObject({ email: 'alice@example.test', firstName: 'Alice' });
  });

  it('logs bob in with private_key_jwt', async () => {
    const client = new CookieClient(gw.url);
    const done = await loginThroughOp(client, new CookieClient(op.issuer), { user: 'bob', provider: PROVIDER_NAMES.jwt });
    expect(done.status).toBe(303);
    expect((await client.get('/app/whoami', { accept: 'application/json' })).json()).toMatchObject({ user: 'bob', tokenRoles: ['user'] });
  });
});
