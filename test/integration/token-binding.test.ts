/**
 * The token contract at a real engine: the demo engine behind a real gateway, attacked with
 * tokens the gateway really minted. A portal's token does not open the other portal of the
 * same engine; a token with the gateway's key but another purpose (`typ: secevent+jwt`) is
 * refused; a second spelling of a real signature (unused bits of the last character) is refused,
 * while the canonical token keeps working (the cache is keyed on the exact text).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, decodeJwt, decodeProtectedHeader } from 'jose';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { CookieClient, loginWithForm } from '../support/http-client.js';

let gw: TestGateway;
let engine: string;

beforeAll(async () => {
  gw = await startTestGateway();
  engine = gw.demoEngine!.url;
});
afterAll(() => gw?.stop());

/** The token the gateway attached for bob on one portal, as the engine received it. */
async function tokenFor(client: CookieClient, portal: 'app' | 'admin'): Promise<string> {
  const res = await client.get(`/${portal}/headers`, { accept: 'application/json' });
  expect(res.status).toBe(200);
  return (res.json<{ headers: Record<string, string> }>().headers.authorization ?? '').replace(/^Bearer /, '');
}

const askEngine = (path: string, token: string) => fetch(`${engine}${path}`, { headers: { authorization: `Bearer ${token}` } });

describe('tokens at the demo engine', () => {
  let bob: CookieClient;
  let appToken: string;
  let adminToken: string;
  beforeAll(async () => {
    bob = new CookieClient(gw.url);
    await loginWithForm(bob, 'bob', 'builder', '/app/');
    appToken = await tokenFor(bob, 'app');
    adminToken = await tokenFor(bob, 'admin');
  });

  it('mints the gateway type', () => {
    expect(decodeProtectedHeader(appToken).typ).toBe('portcullis+jwt');
  });

  it('binds each portal to its audience: the app token does not open the admin portal, nor the other way round', async () => {
    expect(decodeJwt(appToken).aud).toBe('app');
    expect((await askEngine('/admin/whoami', adminToken)).status).toBe(200);
    expect((await askEngine('/app/whoami', appToken)).status).toBe(200);
    const crossed = await askEngine('/admin/whoami', appToken);
    expect(crossed.status).toBe(401);
    expect(((await crossed.json()) as { code: string }).code).toBe('TOKEN_WRONG_AUDIENCE');
    expect((await askEngine('/app/whoami', adminToken)).status).toBe(401);
  });

  it('refuses a token signed with the gateway key whose typ is not the gateway one', async () => {
    const key = gw.context.keys.current;
    const claims = decodeJwt(appToken);
    for (const typ of ['secevent+jwt', 'at+jwt', undefined]) {
      const forged = await new SignJWT({ ...claims })
        .setProtectedHeader({ alg: key.alg, kid: key.kid, ...(typ ? { typ } : {}) })
        .sign(key.privateKey);
      const res = await askEngine('/app/whoami', forged);
      expect(res.status, String(typ)).toBe(401);
      expect(((await res.json()) as { code: string }).code).toBe('TOKEN_TYPE_NOT_ALLOWED');
    }
  });

  it('refuses a signature whose last character differs only in unused bits, before and after the real one was cached', async () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const signature = appToken.slice(appToken.lastIndexOf('.') + 1);
    const unusedBits = (signature.length * 6) % 8;
    expect(unusedBits).toBeGreaterThan(0);
    const last = alphabet.indexOf(signature.at(-1)!);
    const twins = Array.from({ length: 1 << unusedBits }, (_, i) => alphabet[(last & ~((1 << unusedBits) - 1)) | i]!).filter((c) => c !== signature.at(-1));
    expect(Buffer.from(signature.slice(0, -1) + twins[0], 'base64url').equals(Buffer.from(signature, 'base64url'))).toBe(true);
    for (const twin of twins) {
      const res = await askEngine('/app/whoami', appToken.slice(0, -1) + twin);
      expect(res.status).toBe(401);
      expect(((await res.json()) as { code: string }).code).toBe('TOKEN_MALFORMED');
    }
    expect((await askEngine('/app/whoami', appToken)).status).toBe(200);
  });
});
