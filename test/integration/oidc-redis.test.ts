import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { TokenBox } from '../../gateway/authenticators/oidc/token-box.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKeyOf } from '../../gateway/sessions/session-id.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';
import { CookieClient, TOKEN_KEY, loginThroughOp, startOidcStack, type OidcStack } from '../support/oidc-gateway.js';
import { signOutAtProvider } from '../support/oidc-op.js';

const JSON_ACCEPT = { accept: 'application/json' };
const PREFIX = 'portcullis:';

describe('OIDC on a shared Redis: two gateways, sealed tokens, refresh, back-channel logout', () => {
  let redis: TestRedis;
  let stack: OidcStack;
  let raw: Redis;
  const [gw1, gw2] = [() => stack.gateways[0]!, () => stack.gateways[1]!];

  /** A browser's cookie jar carried to the second gateway (same host, other port: cookies are shared). */
  const onSecond = (client: CookieClient) => {
    const other = new CookieClient(gw2().url);
    for (const [k, v] of client.jar) other.jar.set(k, v);
    return other;
  };
  const sessionKey = (client: CookieClient) => PREFIX + storeKeyOf(client.jar.get('portcullis_sid')!);
  const login = async (user = 'alice') => {
    const gw = new CookieClient(gw1().url);
    const op = new CookieClient(stack.op.issuer);
    const done = await loginThroughOp(gw, op, { user });
    expect(done.status).toBe(303);
    return { gw, op };
  };
  /** Move the session's refresh time into the past, as if refreshIntervalSeconds had gone by. */
  const ageSession = async (client: CookieClient, byMs: number) => {
    const record = JSON.parse((await raw.get(sessionKey(client)))!);
    record.user.refreshAt = Date.now() - 1;
    record.user.extra.oidc.freshAt -= byMs;
    await raw.set(sessionKey(client), JSON.stringify(record), 'KEEPTTL');
  };

  beforeAll(async () => {
    redis = await startTestRedis();
    raw = new Redis(redis.url);
    stack = await startOidcStack({ count: 2, redisUrl: redis.url });
  }, 90_000);
  afterAll(async () => {
    await stack?.stop();
    raw?.disconnect();
    await redis?.stop();
  });

  it('a login at one gateway is a session at the other', async () => {
    const { gw } = await login('alice');
    const second = await onSecond(gw).get('/app/whoami', JSON_ACCEPT);
    expect(second.status).toBe(200);
    expect(second.json().user).toBe('alice');
  });

  it('keeps the refresh and ID tokens sealed in Redis: no token, no JWT in any stored value', async () => {
    const { gw } = await login('bob');
    const record = JSON.parse((await raw.get(sessionKey(gw)))!);
    expect(record.user.extra.oidc.refreshToken).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(record.user.extra.oidc.idToken).toMatch(/^v1\./);
    expect(record.user.refreshAt).toBeGreaterThan(Date.now());
    const keys = await raw.keys(`${PREFIX}*`);
    const values = await Promise.all(keys.map((k) => raw.get(k).catch(() => '')));
    for (const value of values) expect(value ?? '').not.toMatch(/eyJ[\w-]{10,}\.[\w-]{10,}\./);
  });

  it('refresh: changed groups at the provider reach the session once its refresh time has passed', async () => {
    const { gw } = await login('alice');
    expect((await gw.get('/admin/whoami', JSON_ACCEPT)).status).toBe(403);
    stack.op.users.alice!.groups = ['staff', 'admins'];
    try {
      await ageSession(gw, 0);
      // the second gateway does the refresh: the new refresh state lands in the shared session
      const after = await onSecond(gw).get('/admin/whoami', JSON_ACCEPT);
      expect(after.status).toBe(200);
      expect(after.json().tokenRoles).toEqual(['admin', 'user']);
      const record = JSON.parse((await raw.get(sessionKey(gw)))!);
      expect(record.user.refreshAt).toBeGreaterThan(Date.now() + 60_000);
      expect(gw2().logs()).toContain('oidc session refreshed');
    } finally {
      stack.op.users.alice!.groups = ['staff'];
    }
  });

  it('a refresh token the provider refuses ends the session', async () => {
    const { gw } = await login('alice');
    const record = JSON.parse((await raw.get(sessionKey(gw)))!);
    // the provider does not know this refresh token (revoked, expired): it answers invalid_grant
    record.user.extra.oidc.refreshToken = new TokenBox(createHash('sha256').update(TOKEN_KEY.slice('plain://'.length)).digest(), 'oidc').seal('revoked-refresh-token');
    record.user.refreshAt = Date.now() - 1;
    await raw.set(sessionKey(gw), JSON.stringify(record), 'KEEPTTL');
    expect((await gw.get('/app/whoami', JSON_ACCEPT)).status).toBe(401);
    expect(await raw.exists(sessionKey(gw))).toBe(0);
    expect(gw1().logs()).toContain('oidc refresh refused; ending the session');
  });

  it('a sealed token that does not open (altered, another key) ends the session', async () => {
    const { gw } = await login('alice');
    const record = JSON.parse((await raw.get(sessionKey(gw)))!);
    const box: string = record.user.extra.oidc.refreshToken;
    const middle = Math.floor(box.length * 0.8);
    record.user.extra.oidc.refreshToken = box.slice(0, middle) + (box[middle] === 'A' ? 'B' : 'A') + box.slice(middle + 1);
    record.user.refreshAt = Date.now() - 1;
    await raw.set(sessionKey(gw), JSON.stringify(record), 'KEEPTTL');
    expect((await gw.get('/app/whoami', JSON_ACCEPT)).status).toBe(401);
    expect(await raw.exists(sessionKey(gw))).toBe(0);
  });

  it('a provider that is down at refresh time: roles kept within the grace, the session ends after it', async () => {
    const { gw } = await login('alice');
    const issuer = stack.op.issuer;
    const port = Number(new URL(issuer).port);
    await stack.op.close();
    try {
      await ageSession(gw, 0);
      expect((await gw.get('/app/whoami', JSON_ACCEPT)).status).toBe(200); // within the grace
      await ageSession(gw, (300 + 600) * 1000); // refreshIntervalSeconds + refreshGraceSeconds ago
      expect((await gw.get('/app/whoami', JSON_ACCEPT)).status).toBe(401);
      expect(gw1().logs()).toContain('oidc provider unreachable past the refresh grace');
    } finally {
      await new Promise<void>((resolve) => stack.op.server.listen(port, '127.0.0.1', resolve));
    }
  });

  it('back-channel logout: signing out at the provider ends the session on both gateways', async () => {
    const { gw, op } = await login('bob');
    const second = onSecond(gw);
    expect((await second.get('/app/whoami', JSON_ACCEPT)).status).toBe(200);
    const other = await login('alice'); // another user's session stays
    const bobElsewhere = await login('bob'); // and so does bob's other provider session (another sid)
    const signedOut = await signOutAtProvider(op);
    expect(signedOut.status).toBeLessThan(400);
    expect(stack.op.backchannelErrors).toEqual([]);
    expect(gw1().logs()).toMatch(/"ended":1,"by":"sid".*oidc back-channel logout/);
    expect((await second.get('/app/whoami', JSON_ACCEPT)).status).toBe(401);
    expect((await gw.get('/app/whoami', JSON_ACCEPT)).status).toBe(401);
    expect((await other.gw.get('/app/whoami', JSON_ACCEPT)).status).toBe(200);
    expect((await bobElsewhere.gw.get('/app/whoami', JSON_ACCEPT)).status).toBe(200);
  });

  describe('forged or reused logout tokens are refused and end nothing', () => {
    const event = { 'http://schemas.openid.net/event/backchannel-logout': {} };
    const post = (token: string) =>
      fetch(`${gw1().url}/oidc/corp/backchannel-logout`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ logout_token: token }) });
    const claims = async (sub: string, extra: Record<string, unknown> = {}) => ({
      iss: stack.op.issuer,
      aud: 'gw-basic',
      iat: Math.floor(Date.now() / 1000),
      jti: `jti-${Math.random().toString(36).slice(2)}`,
      sub,
      events: event,
      ...extra,
    });

    const cases: Array<[string, () => Promise<string>]> = [
      ['for another audience', async () => stack.op.sign(await claims('bob', { aud: 'other-app' }))],
      ['from another issuer', async () => stack.op.sign(await claims('bob', { iss: 'http://127.0.0.1:1' }))],
      ['without the back-channel event', async () => stack.op.sign(await claims('bob', { events: {} }))],
      ['with a nonce (an ID token passed off as a logout token)', async () => stack.op.sign(await claims('bob', { nonce: 'n' }))],
      ['typed as a plain JWT other than logout+jwt', async () => stack.op.sign(await claims('bob'), 'at+jwt')],
      ['too old', async () => stack.op.sign(await claims('bob', { iat: Math.floor(Date.now() / 1000) - 3600 }))],
      ['naming neither sid nor sub', async () => stack.op.sign(await claims('bob', { sub: undefined }))],
      ['with a signature that does not match', async () => {
        const [h, , s] = (await stack.op.sign(await claims('alice'))).split('.');
        return [h, Buffer.from(JSON.stringify(await claims('bob'))).toString('base64url'), s].join('.');
      }],
      ['not a JWT at all', async () => 'x'.repeat(40)],
    ];
    for (const [name, make] of cases) {
      it(name, async () => {
        const { gw } = await login('bob');
        const answer = await post(await make());
        expect(answer.status).toBe(400);
        expect(await answer.json()).toMatchObject({ statusCode: 400, code: 'OIDC_LOGOUT_TOKEN_INVALID' });
        expect((await gw.get('/app/whoami', JSON_ACCEPT)).status).toBe(200);
      });
    }

    it('a replayed logout token (same jti) is refused the second time', async () => {
      const token = await stack.op.sign(await claims('nobody-here'));
      expect((await post(token)).status).toBe(200);
      const again = await post(token);
      expect(again.status).toBe(400);
      expect((await again.json()).message).toContain('already used');
    });
  });
});
