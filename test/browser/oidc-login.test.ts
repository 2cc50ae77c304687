import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/chromium.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';
import { startOidcStack, type OidcStack } from '../support/oidc-gateway.js';

/** Sign in on the provider's own page (the gateway sent the browser there). */
async function signInAtProvider(page: Page, user: string, password: string) {
  await page.waitForSelector('#op-username');
  await page.fill('#op-username', user);
  await page.fill('#op-password', password);
  await page.click('#op-submit');
}

describe('in Chromium: OIDC login at a real provider, SSO, 403, RP-initiated and back-channel logout', () => {
  let redis: TestRedis;
  let stack: OidcStack;
  let browser: Browser;
  const gw1 = () => stack.gateways[0]!.url;
  const gw2 = () => stack.gateways[1]!.url;

  beforeAll(async () => {
    redis = await startTestRedis();
    [stack, browser] = await Promise.all([startOidcStack({ count: 2, redisUrl: redis.url }), launchChromium()]);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await redis?.stop();
  });

  it('bob signs in through the provider once and moves between both portals; /logout signs him out at the provider too', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${gw1()}/admin/`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.click('text=Sign in with Corp OIDC');
    expect(page.url().startsWith(stack.op.issuer)).toBe(true);
    await signInAtProvider(page, 'bob', 'bob-op-pw');
    await page.waitForURL(`${gw1()}/admin/`);
    expect(await page.textContent('#portal')).toBe('Administration portal');
    expect(await page.textContent('#user')).toBe('bob');

    await page.click('#other');
    await page.waitForURL(`${gw1()}/app/`);
    expect(await page.textContent('#portal')).toBe('Application portal');

    const cookies = await context.cookies();
    expect(cookies.find((c) => c.name === 'portcullis_sid')?.httpOnly).toBe(true);
    expect(cookies.find((c) => c.name === 'portcullis_oidc')).toMatchObject({ httpOnly: true, path: '/oidc/', sameSite: 'Lax' });

    // RP-initiated logout: the provider asks, then sends the browser back to the gateway's signed-out page
    await page.goto(`${gw1()}/logout`);
    await page.waitForURL((url) => url.href.startsWith(stack.op.issuer));
    await page.click('#op-logout');
    await page.waitForURL(`${gw1()}/oidc/corp/logged-out`);
    expect(await page.textContent('h1')).toBe('Signed out');

    // signed out at the provider as well: the next login asks for the password again
    await page.goto(`${gw1()}/app/`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.click('text=Sign in with Corp OIDC');
    await page.waitForSelector('#op-username');
    await context.close();
  });

  it('alice (staff only) gets the 403 page on /admin/ that names the missing role', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${gw1()}/app/`);
    await page.click('text=Sign in with Corp OIDC');
    await signInAtProvider(page, 'alice', 'alice-op-pw');
    await page.waitForURL(`${gw1()}/app/`);
    const admin = await page.goto(`${gw1()}/admin/`);
    expect(admin?.status()).toBe(403);
    expect(await page.textContent('main')).toContain("role 'admin'");
    await context.close();
  });

  it('SSO at the provider: after signing in through one login button, a second client logs in without a password', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${gw1()}/app/`);
    await page.click('text=Sign in with Corp OIDC');
    await signInAtProvider(page, 'bob', 'bob-op-pw');
    await page.waitForURL(`${gw1()}/app/`);
    // a gateway-side logout only (the provider session stays), then the other client of the same provider
    await context.clearCookies({ name: 'portcullis_sid' });
    await page.goto(`${gw1()}/login?returnTo=/admin/`);
    await page.click('text=Sign in with Corp (key)');
    await page.waitForURL(`${gw1()}/admin/`);
    expect(await page.textContent('#user')).toBe('bob');
    await context.close();
  });

  it('back-channel logout: signing out at the provider ends the session on the second gateway sharing Redis', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${gw1()}/app/`);
    await page.click('text=Sign in with Corp OIDC');
    await signInAtProvider(page, 'bob', 'bob-op-pw');
    await page.waitForURL(`${gw1()}/app/`);
    // same host, other port: the browser brings the same session cookie to the second gateway
    await page.goto(`${gw2()}/app/`);
    expect(await page.textContent('#user')).toBe('bob');

    await page.goto(`${stack.op.issuer}/session/end`);
    await page.click('#op-logout');
    await page.waitForSelector('text=Signed out of the test OP');
    expect(stack.op.backchannelErrors).toEqual([]);

    await page.goto(`${gw2()}/app/`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await context.close();
  });
});
