import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CookieClient, PROVIDER_NAMES, loginAtProvider, loginThroughOp, startOidcStack, type OidcStack } from '../support/oidc-gateway.js';
import { ACR_MFA, CLIENT_SECRET } from '../support/oidc-op.js';

const HTML = { accept: 'text/html' };

describe('OIDC login against a real provider (oidc-provider)', () => {
  let stack: OidcStack;
  const gwUrl = () => stack.gateways[0]!.url;
  const clients = () => ({ gw: new CookieClient(gwUrl()), op: new CookieClient(stack.op.issuer) });

  beforeAll(async () => {
    stack = await startOidcStack();
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('the login page shows one button per provider', async () => {
    const page = await new CookieClient(gwUrl()).get('/login?returnTo=/app/', HTML);
    expect(page.text).toContain('Sign in with Corp OIDC');
    expect(page.text).toContain('Sign in with Corp (post)');
    expect(page.text).toContain('/oidc/login?provider=corp&amp;returnTo=%2Fapp%2F');
  });

  it('sends the browser to the provider with code flow, PKCE S256, state, nonce and a binding cookie', async () => {
    const { gw } = clients();
    const start = await gw.get('/oidc/login?provider=corp&returnTo=/app/', HTML);
    expect(start.status).toBe(302);
    const url = new URL(start.location!);
    expect(url.origin).toBe(stack.op.issuer);
    expect(url.searchParams.get('response_type')).toBe('code');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{22,}$/);
    expect(url.searchParams.get('nonce')).toMatch(/^[A-Za-z0-9_-]{22,}$/);
    expect(url.searchParams.get('redirect_uri')).toBe(`${gwUrl()}/oidc/corp/callback`);
    expect(start.headers.getSetCookie().join('\n')).toMatch(/portcullis_oidc=[A-Za-z0-9_-]{43}; Path=\/oidc\/; Max-Age=600; HttpOnly; SameSite=Lax/);
  });

  it('client_secret_basic: alice logs in, gets her groups from realm_access.roles mapped to roles, and reaches /app/', async () => {
    const { gw, op } = clients();
    const done = await loginThroughOp(gw, op, { user: 'alice' });
    expect(done.status).toBe(303);
    expect(done.location).toBe('/app/');
    const who = await gw.get('/app/whoami', { accept: 'application/json' });
    expect(who.status).toBe(200);
    const identity = who.json();
    expect(identity.user).toBe('alice');
    expect(identity.tokenRoles).toEqual(['user']);
    expect(identity.attributes).toMatchObject({ email: 'alice@example.test', firstName: 'Alice' });
    expect(identity.amr).toEqual(['oidc']);
    expect(identity.level).toBe('auth.weak');
    const admin = await gw.get('/admin/whoami', { accept: 'application/json' });
    expect(admin.status).toBe(403);
  });

  it('bob (admins) reaches /admin/: group-based roles through the role mapping', async () => {
    const { gw, op } = clients();
    await loginThroughOp(gw, op, { user: 'bob', returnTo: '/admin/' });
    const who = await gw.get('/admin/whoami', { accept: 'application/json' });
    expect(who.status).toBe(200);
    expect(who.json().tokenRoles).toEqual(['admin', 'user']);
  });

  it('client_secret_post with groups from the userinfo endpoint (claims the ID token does not carry)', async () => {
    const { gw, op } = clients();
    const done = await loginThroughOp(gw, op, { provider: PROVIDER_NAMES.post, user: 'alice' });
    expect(done.status).toBe(303);
    const who = (await gw.get('/app/whoami', { accept: 'application/json' })).json();
    expect(who.tokenRoles).toEqual(['researcher', 'user']);
  });

  it('private_key_jwt client authentication', async () => {
    const { gw, op } = clients();
    const done = await loginThroughOp(gw, op, { provider: PROVIDER_NAMES.jwt, user: 'bob' });
    expect(done.status).toBe(303);
    const who = await gw.get('/admin/whoami', { accept: 'application/json' });
    expect(who.status, who.text).toBe(200);
    expect(who.json().user).toBe('bob');
  });

  it('step-up: /vault/ sends a weak session back to the provider with acr_values; the MFA answer gives auth.strong', async () => {
    const { gw, op } = clients();
    await loginThroughOp(gw, op, { user: 'bob', returnTo: '/app/' });
    const vault = await gw.get('/vault/whoami', HTML);
    expect(vault.status).toBe(302);
    expect(vault.location).toBe('/oidc/login?stepUp=1&returnTo=%2Fvault%2Fwhoami');
    const { authorizeUrl, callbackPath } = await loginAtProvider(gw, op, { user: 'bob', otp: '246810', stepUp: true, returnTo: '/vault/whoami' });
    expect(authorizeUrl.searchParams.get('acr_values')).toBe(ACR_MFA);
    const done = await gw.get(callbackPath, HTML);
    expect(done.status).toBe(303);
    expect((await gw.get('/app/whoami', { accept: 'application/json' })).json()).toMatchObject({ level: 'auth.strong', amr: ['oidc', 'mfa'] });
    // the gateway lets the strong session through (the demo engine has no /vault/ page: its 404)
    expect((await gw.get('/vault/whoami', HTML)).status).toBe(404);
  });

  it('keeps no secret or token in the log', async () => {
    const logs = stack.gateways[0]!.logs();
    expect(logs).toContain('oidc login accepted');
    expect(logs).not.toContain(CLIENT_SECRET);
    expect(logs).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/);
    expect(logs).not.toMatch(/"(code|refresh_token|id_token|access_token)":/);
  });
});
