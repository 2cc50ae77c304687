import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/chromium.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

describe('in Chromium: log in through the form, use both portals, log out', () => {
  let gw: TestGateway;
  let browser: Browser;

  beforeAll(async () => {
    [gw, browser] = await Promise.all([startTestGateway(), launchChromium()]);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
  });

  it('bob logs in once and reaches /app/ and /admin/; after logout he is asked to log in again', async () => {
    const page = await browser.newPage();
    await page.goto(`${gw.url}/app/`);
    expect(new URL(page.url()).pathname).toBe('/login');

    await page.fill('#username', 'bob');
    await page.fill('#password', 'builder');
    await page.click('button[type=submit]');
    await page.waitForURL(`${gw.url}/app/`);
    expect(await page.textContent('#portal')).toBe('Application portal');
    expect(await page.textContent('#user')).toBe('bob');

    await page.click('#other');
    await page.waitForURL(`${gw.url}/admin/`);
    expect(await page.textContent('#portal')).toBe('Administration portal');
    expect(await page.textContent('#roles')).toContain('administrator');

    const cookies = await page.context().cookies();
    const session = cookies.find((c) => c.name === 'portcullis_sid')!;
    expect(session.httpOnly).toBe(true);
    expect(session.sameSite).toBe('Lax');

    await page.click('#logout');
    await page.waitForURL(`${gw.url}/logout`);
    expect(await page.textContent('h1')).toBe('Logged out');
    await page.goto(`${gw.url}/admin/`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.close();
  });

  it('alice sees the access-denied page with the reason on /admin/', async () => {
    const page = await browser.newPage();
    await page.goto(`${gw.url}/login?returnTo=%2Fadmin%2F`);
    await page.fill('#username', 'alice');
    await page.fill('#password', 'wonderland');
    const [response] = await Promise.all([page.waitForResponse((r) => r.url() === `${gw.url}/admin/`), page.click('button[type=submit]')]);
    expect(response.status()).toBe(403);
    expect(await page.textContent('h1')).toBe('Access denied');
    expect(await page.textContent('main')).toContain("needs role 'admin'");
    await page.close();
  });
});
