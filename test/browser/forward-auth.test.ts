import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { decodeJwt } from 'jose';
import { launchChromium } from '../support/chromium.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { forwardAuthConfig } from '../support/forward-auth-gateway.js';
import { startCaddy, startEchoUpstream, startNginx, type EchoUpstream, type RunningProxy } from '../support/reverse-proxies.js';

/** In Chromium, through a real proxy that asks the gateway: log in, pass with the token, be refused, log out. */
describe.each([
  ['nginx', startNginx],
  ['Caddy', startCaddy],
] as const)('in Chromium through %s with forward authentication', (_name, startProxy) => {
  let gw: TestGateway;
  let upstream: EchoUpstream;
  let proxy: RunningProxy;
  let browser: Browser;

  beforeAll(async () => {
    [gw, upstream, browser] = await Promise.all([startTestGateway((dir) => forwardAuthConfig(dir)), startEchoUpstream(), launchChromium()]);
    proxy = await startProxy({ gatewayPort: Number(new URL(gw.url).port), upstreamPort: upstream.port });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await proxy?.stop();
    await upstream?.close();
    await gw?.stop();
  });

  const upstreamSaw = async (page: import('playwright-core').Page) => JSON.parse((await page.textContent('body'))!) as { url: string; headers: Record<string, string> };

  it('bob logs in, reaches the application with the token and identity headers; after logout he is asked to log in again', async () => {
    const page = await browser.newPage();
    await page.goto(`${proxy.url}/admin/reports?year=2026`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.fill('#username', 'bob');
    await page.fill('#password', 'builder');
    await page.click('button[type=submit]');
    await page.waitForURL(`${proxy.url}/admin/reports?year=2026`);
    const seen = await upstreamSaw(page);
    expect(seen.url).toBe('/admin/reports?year=2026');
    expect(seen.headers['x-user']).toBe('bob');
    expect(decodeJwt(seen.headers.authorization!.replace(/^Bearer /, ''))).toMatchObject({ sub: 'bob', aud: 'admin', roles: expect.arrayContaining(['admin']) });
    expect(seen.headers.cookie ?? '').not.toContain('portcullis_sid');

    await page.goto(`${proxy.url}/logout`);
    expect(await page.textContent('h1')).toBe('Logged out');
    await page.goto(`${proxy.url}/admin/reports`);
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(new URL(page.url()).searchParams.get('returnTo')).toBe('/admin/reports');
    await page.close();
  });

  it('alice is refused on /admin/ with the reason, and reaches /app/', async () => {
    const page = await browser.newPage();
    await page.goto(`${proxy.url}/app/start`);
    await page.fill('#username', 'alice');
    await page.fill('#password', 'wonderland');
    await page.click('button[type=submit]');
    await page.waitForURL(`${proxy.url}/app/start`);
    expect((await upstreamSaw(page)).headers['x-user']).toBe('alice');

    const response = await page.goto(`${proxy.url}/admin/`);
    expect(response!.status()).toBe(403);
    expect(await page.textContent('body')).toContain("needs role 'admin'");
    await page.close();
  });
});
