import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { demoConfig, startTestGateway } from '../support/gateway.js';
import { CookieClient, loginAtProvider, loginThroughOp, oidcAuthenticator, startOidcStack, type OidcStack } from '../support/oidc-gateway.js';

const HTML = { accept: 'text/html' };

/** The refusal page and no session: neither a session cookie nor a session behind /app/. */
async function expectRefusedWithoutSession(gw: CookieClient, answer: { status: number; text: string; headers: Headers }, status: number, logs: string, code: string) {
  expect(answer.status).toBe(status);
  expect(answer.text).toContain(status === 503 ? 'Identity provider unavailable' : 'Login failed');
  const incident = answer.headers.get('x-portcullis-incident');
  expect(incident).toMatch(/^[A-Za-z0-9]{12}$/);
  expect(answer.text).not.toMatch(/OIDC_|nonce|audience|state|eyJ/);
  expect(logs).toMatch(new RegExp(`"incident":"${incident}","code":"${code}"`));
  expect(gw.jar.has('portcullis_sid')).toBe(false);
  const app = await gw.get('/app/whoami', { accept: 'application/json' });
  expect(app.status).toBe(401);
}

describe('OIDC attacks: each refused, and no session created', () => {
  let stack: OidcStack;
  const gwUrl = () => stack.gateways[0]!.url;
  const logs = () => stack.gateways[0]!.logs();
  const fresh = () => ({ gw: new CookieClient(gwUrl()), op: new CookieClient(stack.op.issuer) });

  beforeAll(async () => {
    stack = await startOidcStack();
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
  });
  afterEach(() => {
    stack.op.tamperIdToken = undefined;
  });

  it('an unknown state', async () => {
    const { gw } = fresh();
    await gw.get('/oidc/login?provider=corp', HTML); // the browser has a binding cookie, the state is made up
    const answer = await gw.get('/oidc/corp/callback?code=abc&state=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', HTML);
    await expectRefusedWithoutSession(gw, answer, 401, logs(), 'OIDC_STATE_UNKNOWN');
  });

  it('a callback without state, or with a state that cannot be one (huge, odd characters)', async () => {
    const { gw } = fresh();
    for (const query of ['?code=abc', `?code=abc&state=${'A'.repeat(5000)}`, '?code=abc&state=%00%0d%0aAAAAAAAAAAAAAAAAAAAAAAAA', '?state[]=a&state[]=b']) {
      const answer = await gw.get(`/oidc/corp/callback${query}`, HTML);
      await expectRefusedWithoutSession(gw, answer, 400, logs(), 'OIDC_CALLBACK_MALFORMED');
    }
  });

  it('a replayed callback (same code and state) after the login finished', async () => {
    const { gw, op } = fresh();
    const { callbackPath } = await loginAtProvider(gw, op);
    expect((await gw.get(callbackPath, HTML)).status).toBe(303);
    const attacker = new CookieClient(gwUrl());
    for (const [name, value] of gw.jar) if (name !== 'portcullis_sid') attacker.jar.set(name, value); // even with the victim's binding cookie
    const replay = await attacker.get(callbackPath, HTML);
    await expectRefusedWithoutSession(attacker, replay, 401, logs(), 'OIDC_STATE_UNKNOWN');
  });

  it('a replayed code under a fresh state: the provider refuses it', async () => {
    const first = fresh();
    const used = new URL((await loginAtProvider(first.gw, first.op)).callbackPath, gwUrl());
    expect((await first.gw.get(used.pathname + used.search, HTML)).status).toBe(303);
    const second = fresh();
    const next = new URL((await loginAtProvider(second.gw, second.op)).callbackPath, gwUrl());
    next.searchParams.set('code', used.searchParams.get('code')!);
    const answer = await second.gw.get(next.pathname + next.search, HTML);
    await expectRefusedWithoutSession(second.gw, answer, 401, logs(), 'OIDC_CODE_REFUSED');
  });

  it('a callback in another browser than the one that started the login (login CSRF)', async () => {
    const attacker = fresh();
    const { callbackPath } = await loginAtProvider(attacker.gw, attacker.op, { user: 'bob' });
    const victim = new CookieClient(gwUrl());
    await victim.get('/oidc/login?provider=corp', HTML); // the victim has a binding cookie of its own
    const answer = await victim.get(callbackPath, HTML);
    await expectRefusedWithoutSession(victim, answer, 401, logs(), 'OIDC_BROWSER_MISMATCH');
  });

  it('a callback with a state another provider started (mix-up)', async () => {
    const { gw, op } = fresh();
    const { callbackPath } = await loginAtProvider(gw, op);
    const answer = await gw.get(callbackPath.replace('/oidc/corp/', '/oidc/corp-post/'), HTML);
    await expectRefusedWithoutSession(gw, answer, 401, logs(), 'OIDC_STATE_UNKNOWN');
  });

  const tampered: Array<[string, (c: Record<string, unknown>) => Record<string, unknown>]> = [
    ['an ID token for another audience', (c) => ({ ...c, aud: 'other-app' })],
    ['an ID token for several audiences without azp', (c) => ({ ...c, aud: ['gw-basic', 'other-app'], azp: undefined })],
    ['an ID token whose azp names another client', (c) => ({ ...c, azp: 'other-app' })],
    ['an ID token with a wrong nonce', (c) => ({ ...c, nonce: 'not-the-nonce-we-sent' })],
    ['an ID token without a nonce', (c) => ({ ...c, nonce: undefined })],
    ['an expired ID token', (c) => ({ ...c, iat: Math.floor(Date.now() / 1000) - 7200, exp: Math.floor(Date.now() / 1000) - 3600 })],
    ['an ID token from another issuer', (c) => ({ ...c, iss: 'http://127.0.0.1:1/evil' })],
  ];
  for (const [name, change] of tampered) {
    it(name, async () => {
      stack.op.tamperIdToken = (claims) => JSON.parse(JSON.stringify(change(claims as Record<string, unknown>)));
      const { gw, op } = fresh();
      const answer = await loginThroughOp(gw, op);
      await expectRefusedWithoutSession(gw, answer, 401, logs(), 'OIDC_ID_TOKEN_INVALID');
    });
  }

  it('an ID token whose signature does not match its claims', async () => {
    stack.op.tamperIdToken = (claims) => ({ ...claims, preferred_username: 'bob' });
    const original = stack.op.resign.bind(stack.op);
    // keep the provider's signature of the original claims, swap in the changed payload
    stack.op.resign = async (idToken: string) => {
      const changed = (await original(idToken)).split('.');
      const [header, , signature] = idToken.split('.');
      return [header, changed[1], signature].join('.');
    };
    try {
      const { gw, op } = fresh();
      const answer = await loginThroughOp(gw, op);
      await expectRefusedWithoutSession(gw, answer, 401, logs(), 'OIDC_ID_TOKEN_INVALID');
    } finally {
      stack.op.resign = original;
    }
  });

  it('a step-up answer without the strong acr it asked for (a downgraded login)', async () => {
    stack.op.tamperIdToken = (claims) => ({ ...claims, acr: 'urn:portcullis:test:pwd', amr: ['pwd'] });
    const { gw, op } = fresh();
    const { callbackPath } = await loginAtProvider(gw, op, { user: 'bob', otp: '246810', stepUp: true, returnTo: '/vault/' });
    const answer = await gw.get(callbackPath, HTML);
    await expectRefusedWithoutSession(gw, answer, 401, logs(), 'OIDC_STEP_UP_NOT_MET');
  });

  it('the provider answers the authorization with an error (the user cancelled)', async () => {
    const { gw } = fresh();
    const start = await gw.get('/oidc/login?provider=corp', HTML);
    const state = new URL(start.location!).searchParams.get('state');
    const answer = await gw.get(`/oidc/corp/callback?error=access_denied&state=${state}`, HTML);
    await expectRefusedWithoutSession(gw, answer, 401, logs(), 'OIDC_PROVIDER_ERROR');
  });
});

describe('OIDC: a provider that is down, a misconfigured issuer', () => {
  let stub: Server | undefined;
  afterAll(async () => {
    await new Promise((r) => (stub ? stub.close(r) : r(undefined)));
  });

  it('a provider that goes down: 503 with a clear page, no redirect (no loop), no session', async () => {
    const stack = await startOidcStack();
    try {
      const gw = new CookieClient(stack.gateways[0]!.url);
      const op = new CookieClient(stack.op.issuer);
      // down between the redirect and the callback: the code exchange cannot happen
      const { callbackPath } = await loginAtProvider(gw, op);
      await stack.op.close();
      const atCallback = await gw.get(callbackPath, HTML);
      await expectRefusedWithoutSession(gw, atCallback, 503, stack.gateways[0]!.logs(), 'OIDC_PROVIDER_UNAVAILABLE');
      expect(atCallback.location).toBeNull();
      expect(atCallback.headers.get('retry-after')).toBe('30');
    } finally {
      await stack.stop().catch(() => undefined);
    }
  }, 60_000);

  it('a provider down at start: the gateway starts, its logins answer 503 without redirecting', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const gateway = await startTestGateway(async (dir) => {
      const base = await demoConfig(dir);
      return { ...base, authenticators: [...base.authenticators!, { ...oidcAuthenticator(`http://127.0.0.1:${port}`, dir), providers: [oidcAuthenticator(`http://127.0.0.1:${port}`, dir).providers[0]] }] } as never;
    });
    try {
      const gw = new CookieClient(gateway.url);
      for (let i = 0; i < 2; i++) {
        const answer = await gw.get('/oidc/login?provider=corp&returnTo=/app/', HTML);
        expect(answer.location).toBeNull();
        await expectRefusedWithoutSession(gw, answer, 503, gateway.logs(), 'OIDC_PROVIDER_UNAVAILABLE');
      }
      expect(gateway.logs()).toContain('oidc provider unreachable at start');
    } finally {
      await gateway.stop();
    }
  });

  it('a misconfigured issuer (no discovery document there) stops the start with an error naming the URL', async () => {
    stub = createServer((_req, res) => {
      res.statusCode = 404;
      res.end('not here');
    });
    await new Promise<void>((r) => stub!.listen(0, '127.0.0.1', r));
    const issuer = `http://127.0.0.1:${(stub.address() as AddressInfo).port}/realms/typo`;
    const started = startTestGateway(async (dir) => {
      const base = await demoConfig(dir);
      const oidc = oidcAuthenticator(issuer, dir);
      return { ...base, authenticators: [...base.authenticators!, { ...oidc, providers: [oidc.providers[0]] }] } as never;
    });
    await expect(started).rejects.toMatchObject({
      code: 'OIDC_CONFIG_INVALID',
      message: expect.stringContaining(`authenticators[oidc].providers[0].issuer: discovery at ${issuer}/.well-known/openid-configuration failed`),
    });
  });

  it('an issuer that is another provider (issuer in the document differs) stops the start', async () => {
    const stack = await startOidcStack();
    try {
      const wrong = stack.op.issuer.replace('127.0.0.1', 'localhost');
      const started = startTestGateway(async (dir) => {
        const base = await demoConfig(dir);
        const oidc = oidcAuthenticator(wrong, dir);
        return { ...base, authenticators: [...base.authenticators!, { ...oidc, providers: [oidc.providers[0]] }] } as never;
      });
      await expect(started).rejects.toMatchObject({ code: 'OIDC_CONFIG_INVALID', message: expect.stringContaining(wrong) });
    } finally {
      await stack.stop();
    }
  }, 60_000);

  it('ID token algorithms the provider cannot meet stop the start', async () => {
    await expect(startOidcStack({ providerOverrides: { idTokenAlgorithms: ['ES256'] } })).rejects.toMatchObject({
      code: 'OIDC_CONFIG_INVALID',
      message: expect.stringContaining('providers[0].idTokenAlgorithms'),
    });
  }, 60_000);
});
