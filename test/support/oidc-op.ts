import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { SignJWT, decodeJwt, exportJWK, importJWK } from 'jose';
import type { JWK, JWTPayload } from 'jose';
import Provider, { interactionPolicy } from 'oidc-provider';
import type { ClientMetadata, Configuration, KoaContextWithOIDC } from 'oidc-provider';

/** Sign out at the provider itself (its end_session page and confirm form), as a user at its portal would. */
export async function signOutAtProvider(op: { get: (p: string, h?: Record<string, string>) => Promise<{ status: number; text: string; location: string | null }>; postForm: (p: string, f: Record<string, string>, h?: Record<string, string>) => Promise<{ status: number; location: string | null }> }) {
  const page = await op.get('/session/end', { accept: 'text/html' });
  const xsrf = /name="xsrf" value="([^"]+)"/.exec(page.text)?.[1];
  const action = /action="([^"]+)"/.exec(page.text)?.[1];
  if (!xsrf || !action) throw new Error(`no logout form at the provider (${page.status})`);
  return op.postForm(new URL(action, 'http://x').pathname, { xsrf, logout: 'yes' }, { accept: 'text/html' });
}

/** A user the provider knows, with what it says about them. */
export interface OpUser {
  password: string;
  givenName: string;
  email: string;
  /** go to the ID token as `realm_access.roles` (the Keycloak shape) and as `groups` */
  groups: string[];
  /** only in the userinfo answer, never in the ID token */
  departments?: string[];
  /** the second factor this user can show at a step-up (a fixed code, for tests) */
  otp?: string;
}

export const OP_USERS: Record<string, OpUser> = {
  alice: { password: 'alice-op-pw', givenName: 'Alice', email: 'alice@example.test', groups: ['staff'], departments: ['research'] },
  bob: { password: 'bob-op-pw', givenName: 'Bob', email: 'bob@example.test', groups: ['staff', 'admins'], departments: ['ops'], otp: '246810' },
};

export const ACR_PASSWORD = 'urn:portcullis:test:pwd';
export const ACR_MFA = 'urn:portcullis:test:mfa';

/** The clients the test provider registers; the gateway URLs go into their redirect URIs. */
export interface OpClients {
  /** gateway base URLs: each client accepts each gateway's callbacks */
  gatewayUrls: string[];
  /** the gateway that receives back-channel logout tokens (the first by default) */
  backchannelGateway?: string;
  /** public JWK of the private_key_jwt client */
  jwtClientKey: JWK;
}

export const CLIENT_SECRET = 'a-test-client-secret-that-is-long-enough';
/** the provider name each client is configured under in the gateway: its URLs contain it */
export const PROVIDER_NAMES = { basic: 'corp', post: 'corp-post', jwt: 'corp-jwt', other: 'other-app' } as const;

/**
 * A real OpenID Provider (node-oidc-provider) on a free loopback port, with its own login
 * page (password, and a one-time code when acr_values asks for MFA), refresh tokens, RP-initiated
 * and back-channel logout. `tamperIdToken` re-signs ID tokens with the provider's own key after
 * changing claims: a provider that lies, for the attack tests.
 */
export class TestOp {
  readonly provider: Provider;
  readonly server: Server;
  readonly issuer: string;
  readonly users: Record<string, OpUser>;
  /** change ID token claims before they leave the token endpoint (re-signed with the provider's key) */
  tamperIdToken?: (claims: JWTPayload) => JWTPayload;
  /** every authorization request the provider saw (its query parameters) */
  readonly authorizationRequests: Array<Record<string, string>> = [];
  readonly backchannelErrors: string[] = [];
  readonly #signingJwk: JWK;

  private constructor(provider: Provider, server: Server, issuer: string, users: Record<string, OpUser>, signingJwk: JWK) {
    this.provider = provider;
    this.server = server;
    this.issuer = issuer;
    this.users = users;
    this.#signingJwk = signingJwk;
  }

  static async start(clients: OpClients, port = 0): Promise<TestOp> {
    const users: Record<string, OpUser> = structuredClone(OP_USERS);
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const signingJwk = { ...(await exportJWK(privateKey)), kid: 'op-key-1', alg: 'RS256', use: 'sig' } as JWK;
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const provider = new Provider(issuer, configuration(clients, users, signingJwk));
    provider.on('backchannel.error', (_ctx: unknown, err: Error) => op.backchannelErrors.push(`${err.message}${err.cause ? `: ${(err.cause as Error).message}` : ''}`));
    const op = new TestOp(provider, server, issuer, users, signingJwk);
    provider.use(async (ctx, next) => {
      if (ctx.path === '/auth') op.authorizationRequests.push(Object.fromEntries(new URLSearchParams(ctx.querystring)));
      await next();
      const body = ctx.body as { id_token?: string } | undefined;
      if (ctx.path === '/token' && op.tamperIdToken && body && typeof body.id_token === 'string') body.id_token = await op.resign(body.id_token);
    });
    const callback = provider.callback();
    server.on('request', (req, res) => {
      if (req.url?.startsWith('/interaction/')) op.#interaction(req, res).catch((err) => fail(res, err));
      else callback(req, res);
    });
    return op;
  }

  /** An ID token with changed claims, signed by this provider's own key. */
  async resign(idToken: string): Promise<string> {
    const claims = this.tamperIdToken!(decodeJwt(idToken));
    const key = await importJWK(this.#signingJwk, 'RS256');
    return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: this.#signingJwk.kid, typ: 'JWT' }).sign(key);
  }

  /** Sign a token with the provider's key (forged logout tokens in tests). */
  async sign(claims: JWTPayload, typ = 'logout+jwt'): Promise<string> {
    const key = await importJWK(this.#signingJwk, 'RS256');
    return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: this.#signingJwk.kid, typ }).sign(key);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The provider's login page and its form posts. */
  async #interaction(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const details = await this.provider.interactionDetails(req, res);
    const acrValues = String(details.params.acr_values ?? '').split(' ').filter(Boolean);
    const wantsMfa = acrValues.includes(ACR_MFA);
    if (details.prompt.name === 'consent') {
      const grant = new this.provider.Grant({ accountId: details.session!.accountId, clientId: String(details.params.client_id) });
      grant.addOIDCScope(String(details.params.scope));
      const grantId = await grant.save();
      return this.provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    }
    if (req.method === 'GET') {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(`<!doctype html><html><head><title>Test OP sign-in</title></head><body><h1>Test OP sign-in</h1>
        <form method="post" action="/interaction/${details.uid}">
          <label>User <input name="username" id="op-username"></label>
          <label>Password <input name="password" id="op-password" type="password"></label>
          ${wantsMfa ? '<label>One-time code <input name="otp" id="op-otp"></label>' : ''}
          <button type="submit" id="op-submit">Sign in</button>
        </form><p id="op-error">${req.url?.includes('error=1') ? 'wrong credentials' : ''}</p></body></html>`);
      return;
    }
    const form = new URLSearchParams(await readBody(req));
    const login = form.get('username') ?? '';
    const user = Object.hasOwn(this.users, login) ? this.users[login] : undefined;
    const mfaOk = wantsMfa && user?.otp !== undefined && form.get('otp') === user.otp;
    if (!user || form.get('password') !== user.password || (wantsMfa && !mfaOk)) {
      res.statusCode = 303;
      res.setHeader('location', `/interaction/${details.uid}?error=1`);
      return void res.end();
    }
    await this.provider.interactionFinished(
      req,
      res,
      { login: { accountId: login, acr: mfaOk ? ACR_MFA : ACR_PASSWORD, amr: mfaOk ? ['pwd', 'otp'] : ['pwd'] } },
      { mergeWithLastSubmission: false },
    );
  }
}

function configuration(clients: OpClients, users: Record<string, OpUser>, signingJwk: JWK): Configuration {
  const callbacks = (name: string) => clients.gatewayUrls.map((g) => `${g}/oidc/${name}/callback`);
  const loggedOut = (name: string) => clients.gatewayUrls.map((g) => `${g}/oidc/${name}/logged-out`);
  const backchannel = clients.backchannelGateway ?? clients.gatewayUrls[0];
  const common = (name: string): Partial<ClientMetadata> => ({
    redirect_uris: callbacks(name),
    post_logout_redirect_uris: loggedOut(name),
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
  });
  const policy = interactionPolicy.base();
  // a step-up: the provider's session must hold the acr the client asks for, else the user signs in again
  policy.get('login')!.checks.add(
    new interactionPolicy.Check('acr_step_up', 'the requested acr is stronger than the session', (ctx: KoaContextWithOIDC) => {
      const wanted = String(ctx.oidc.params?.acr_values ?? '').split(' ').filter(Boolean);
      return wanted.length > 0 && !wanted.includes(String(ctx.oidc.session?.acr ?? ''));
    }),
  );
  return {
    clients: [
      {
        client_id: 'gw-basic',
        client_secret: CLIENT_SECRET,
        token_endpoint_auth_method: 'client_secret_basic',
        ...common(PROVIDER_NAMES.basic),
        backchannel_logout_uri: `${backchannel}/oidc/${PROVIDER_NAMES.basic}/backchannel-logout`,
        backchannel_logout_session_required: true,
      },
      { client_id: 'gw-post', client_secret: CLIENT_SECRET, token_endpoint_auth_method: 'client_secret_post', ...common(PROVIDER_NAMES.post) },
      {
        client_id: 'gw-jwt',
        token_endpoint_auth_method: 'private_key_jwt',
        token_endpoint_auth_signing_alg: 'RS256',
        jwks: { keys: [clients.jwtClientKey] },
        ...common(PROVIDER_NAMES.jwt),
      },
      { client_id: 'other-app', client_secret: CLIENT_SECRET, token_endpoint_auth_method: 'client_secret_basic', ...common(PROVIDER_NAMES.other) },
    ] as ClientMetadata[],
    jwks: { keys: [signingJwk as never] },
    cookies: { keys: ['test-op-cookie-key-' + randomUUID()] },
    pkce: { required: () => true },
    acrValues: [ACR_PASSWORD, ACR_MFA],
    claims: {
      openid: ['sub'],
      profile: ['preferred_username', 'given_name', 'name'],
      email: ['email'],
      groups: ['groups', 'realm_access', 'departments'],
    },
    scopes: ['openid', 'offline_access', 'profile', 'email', 'groups'],
    conformIdTokenClaims: false,
    features: {
      devInteractions: { enabled: false },
      // the provider's own pages, without the default ones' web fonts (no traffic off this machine)
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx, form) {
          ctx.body = `<!doctype html><html><head><title>Test OP sign-out</title></head><body><h1>Sign out of the test OP?</h1>${form}<button id="op-logout" type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button></body></html>`;
        },
        async postLogoutSuccessSource(ctx) {
          ctx.body = '<!doctype html><html><head><title>Signed out</title></head><body><h1>Signed out of the test OP</h1></body></html>';
        },
      },
      backchannelLogout: { enabled: true },
    },
    async renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = `<!doctype html><html><head><title>Test OP error</title></head><body><h1>Test OP error</h1><pre id="op-error">${JSON.stringify(out).replace(/[<>&]/g, '')}</pre></body></html>`;
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}`, policy },
    // the test grants every scope and claim asked for: no consent page
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session!.grantIdFor(ctx.oidc.client!.clientId);
      if (grantId) {
        const existing = await ctx.oidc.provider.Grant.find(grantId);
        if (existing) return existing;
      }
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId });
      grant.addOIDCScope(String(ctx.oidc.params!.scope ?? 'openid'));
      await grant.save();
      return grant;
    },
    // the provider refuses special-use addresses (SSRF protection); the test gateways are on loopback
    fetch: (url, options) => globalThis.fetch(url, { ...(options as RequestInit), dispatcher: undefined } as RequestInit),
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    async findAccount(_ctx, id) {
      if (!Object.hasOwn(users, id)) return undefined;
      return {
        accountId: id,
        async claims(use) {
          const u = users[id]!;
          const base = { sub: id, preferred_username: id, given_name: u.givenName, name: u.givenName, email: u.email, groups: u.groups, realm_access: { roles: u.groups } };
          return use === 'userinfo' ? { ...base, departments: u.departments ?? [] } : base;
        },
      };
    },
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => (data += chunk));
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

function fail(res: ServerResponse, err: unknown) {
  res.statusCode = 500;
  res.end(`test OP interaction failed: ${(err as Error).message}`);
}
