import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { exportJWK } from 'jose';
import { portcullisConfigSchema, type PortcullisConfigInput } from '../../config/schema/index.js';
import { createLogger } from '../../gateway/logger.js';
import { startGateway } from '../../gateway/server.js';
import { demoConfig, type TestGateway } from './gateway.js';
import { CookieClient, type Answer } from './http-client.js';
import { ACR_MFA, CLIENT_SECRET, PROVIDER_NAMES, TestOp } from './oidc-op.js';

export const TOKEN_KEY = 'plain://0123456789abcdef0123456789abcdef-test-key';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The `oidc` authenticator as an operator would write it for the test provider's four clients. */
export function oidcAuthenticator(issuer: string, dir: string, overrides: Record<string, unknown> = {}, providerOverrides: Record<string, unknown> = {}) {
  const groups = { groupsClaim: 'realm_access.roles', roleMapping: { map: { admins: 'admin', staff: 'user' }, keepUnmapped: false } };
  return {
    type: 'oidc',
    name: 'oidc',
    tokenEncryptionKey: TOKEN_KEY,
    providers: [
      {
        name: PROVIDER_NAMES.basic,
        label: 'Sign in with Corp OIDC',
        issuer,
        clientId: 'gw-basic',
        clientSecret: `plain://${CLIENT_SECRET}`,
        scopes: ['openid', 'profile', 'email', 'groups', 'offline_access'],
        ...groups,
        acrLevels: { [ACR_MFA]: 'auth.strong' },
        stepUpAcrValues: [ACR_MFA],
        ...providerOverrides,
      },
      {
        name: PROVIDER_NAMES.post,
        label: 'Sign in with Corp (post)',
        issuer,
        clientId: 'gw-post',
        clientAuth: 'client_secret_post',
        clientSecret: `plain://${CLIENT_SECRET}`,
        scopes: ['openid', 'profile', 'groups'],
        userinfo: true,
        groupsClaim: 'departments',
        roleMapping: { map: { research: 'researcher' }, keepUnmapped: false, defaultRoles: ['user'] },
      },
      {
        name: PROVIDER_NAMES.jwt,
        label: 'Sign in with Corp (key)',
        issuer,
        clientId: 'gw-jwt',
        clientAuth: 'private_key_jwt',
        privateKey: 'file://client-key.pem',
        scopes: ['openid', 'profile', 'groups'],
        ...groups,
      },
    ],
    ...overrides,
  };
}

export interface OidcStack {
  op: TestOp;
  gateways: TestGateway[];
  stop(): Promise<void>;
}

/**
 * A real provider and `count` real gateways that trust it (demo routes, file users too, plus
 * /vault/ that needs auth.strong with OIDC step-up). Gateway ports are chosen first so the
 * provider's clients can list their callbacks. With `redis`, the gateways share sessions there.
 */
export async function startOidcStack(options: { count?: number; redisUrl?: string; overrides?: Record<string, unknown>; providerOverrides?: Record<string, unknown> } = {}): Promise<OidcStack> {
  const ports = await Promise.all(Array.from({ length: options.count ?? 1 }, () => freePort()));
  const gatewayUrls = ports.map((p) => `http://127.0.0.1:${p}`);
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const op = await TestOp.start({ gatewayUrls, jwtClientKey: { ...(await exportJWK(publicKey)), alg: 'RS256', use: 'sig' } });
  const gateways: TestGateway[] = [];
  try {
    for (const port of ports) {
      gateways.push(
        await startGatewayOn(port, async (dir) => {
          await writeFile(join(dir, 'client-key.pem'), privateKey.export({ format: 'pem', type: 'pkcs8' }));
          const base = await demoConfig(dir);
          return {
            ...base,
            authenticators: [...(base.authenticators ?? []), oidcAuthenticator(op.issuer, dir, options.overrides, options.providerOverrides)],
            routes: [...(base.routes ?? []), { name: 'vault', prefix: '/vault/', upstream: 'http://demo-engine.invalid', policy: { requireLevel: 'auth.strong', stepUp: 'oidc' } }],
            // the tests rewrite session records in Redis directly, behind the gateways' backs, so no
            // gateway may answer from its local copy (gateways' own writes invalidate it; these do not)
            ...(options.redisUrl ? { session: { store: 'redis', redis: { url: options.redisUrl, localCacheSeconds: 0 } } } : {}),
          } as PortcullisConfigInput;
        }),
      );
    }
  } catch (err) {
    for (const g of gateways) await g.stop();
    await op.close();
    throw err;
  }
  return {
    op,
    gateways,
    async stop() {
      for (const g of gateways) await g.stop();
      await op.close();
    },
  };
}

/** A real gateway on a chosen port (the provider must know its callbacks before it starts). */
export async function startGatewayOn(port: number, configure: (dir: string) => Promise<PortcullisConfigInput>, env: NodeJS.ProcessEnv = {}): Promise<TestGateway> {
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-oidc-'));
  const config = portcullisConfigSchema.parse(await configure(dir));
  let captured = '';
  const sink = new Writable({
    write(chunk, _enc, done) {
      captured += chunk.toString();
      done();
    },
  });
  const logger = createLogger(process.env.PORTCULLIS_TEST_LOG ?? 'info', sink);
  try {
    const gateway = await startGateway(config, { configDir: dir, dataDir: join(dir, 'data'), host: '127.0.0.1', port, logger, env: { NODE_ENV: 'test', ...env } });
    return {
      ...gateway,
      dir,
      logs: () => captured,
      async stop() {
        await gateway.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw Object.assign(err as Error, { logs: captured });
  }
}

const HTML = { accept: 'text/html' };

/** The provider's redirect back to the gateway, before the gateway sees it. */
export interface ProviderAnswer {
  callbackPath: string;
  authorizeUrl: URL;
}

/**
 * Walk a login without a browser up to the provider's redirect back: gateway → provider's
 * authorization endpoint → its login page → credentials → redirect to the gateway callback.
 */
export async function loginAtProvider(gw: CookieClient, opClient: CookieClient, opts: { provider?: string; user?: string; password?: string; otp?: string; returnTo?: string; stepUp?: boolean } = {}): Promise<ProviderAnswer> {
  const provider = opts.provider ?? PROVIDER_NAMES.basic;
  const start = await gw.get(`/oidc/login?provider=${provider}&returnTo=${encodeURIComponent(opts.returnTo ?? '/app/')}${opts.stepUp ? '&stepUp=1' : ''}`, HTML);
  if (start.status !== 302 || !start.location) throw new Error(`oidc login start answered ${start.status}: ${start.text.slice(0, 200)}`);
  const authorizeUrl = new URL(start.location);
  let answer: Answer = await opClient.get(authorizeUrl.href, HTML);
  for (let hop = 0; hop < 8; hop++) {
    const location = answer.location ? new URL(answer.location, opClient.base) : undefined;
    if (location && location.origin === new URL(gw.base).origin) return { callbackPath: location.pathname + location.search, authorizeUrl };
    if (location && (answer.status === 302 || answer.status === 303)) {
      answer = await opClient.get(location.href, HTML);
      continue;
    }
    if (answer.status === 200 && answer.text.includes('Test OP sign-in')) {
      const action = /action="([^"]+)"/.exec(answer.text)![1]!;
      const user = opts.user ?? 'alice';
      const form: Record<string, string> = { username: user, password: opts.password ?? (user === 'bob' ? 'bob-op-pw' : 'alice-op-pw') };
      if (opts.otp) form.otp = opts.otp;
      answer = await opClient.postForm(action, form, HTML);
      continue;
    }
    throw new Error(`unexpected provider answer ${answer.status}: ${answer.text.slice(0, 300)}`);
  }
  throw new Error('too many hops at the provider');
}

/** The whole round trip without a browser: answers the gateway's answer to the callback. */
export async function loginThroughOp(gw: CookieClient, opClient: CookieClient, opts: Parameters<typeof loginAtProvider>[2] = {}): Promise<Answer> {
  const { callbackPath } = await loginAtProvider(gw, opClient, opts);
  return gw.get(callbackPath, HTML);
}

export { CookieClient, PROVIDER_NAMES };
