import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../support/chromium.js';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { demoConfig, startTestGateway, type TestGateway } from '../support/gateway.js';

async function logIn(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${url}/account`);
  expect(new URL(page.url()).pathname).toBe('/login');
  await page.getByLabel('User name').fill('alice');
  await page.getByLabel('Password').fill('wonderland');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(`${url}/account`);
  return page;
}

describe('in Chromium: alice’s account page', () => {
  let gw: TestGateway;
  let browser: Browser;

  beforeAll(async () => {
    [gw, browser] = await Promise.all([startTestGateway(), launchChromium()]);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
  });

  it('shows who she is and only her portals; with two sessions she ends the other, and that browser is sent to log in', async () => {
    // JavaScript off: the page and its forms work without it
    const laptop = await browser.newContext({ javaScriptEnabled: false, userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36' });
    const phone = await browser.newContext({ userAgent: 'Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Mobile Safari/537.36' });
    try {
      const other = await logIn(phone, gw.url);
      const page = await logIn(laptop, gw.url);

      expect(await page.textContent('#who-name')).toBe('Alice Liddell');
      expect(await page.textContent('#who-login')).toBe('alice');
      expect(await page.textContent('#who-roles')).toBe('user');
      expect(await page.textContent('#who-level')).toMatch(/^weak/);
      expect(await page.textContent('#who-method')).toBe('password, via local');
      const portals = page.locator('#who ul.portals a');
      expect(await portals.allTextContents()).toEqual(['app']);
      expect(await page.locator('a[href="/admin/"]').count()).toBe(0);

      // two sessions: this one marked, the phone's with an End button
      const rows = page.locator('#sessions tbody tr');
      expect(await rows.count()).toBe(2);
      const current = page.locator('#sessions tr[aria-current="true"]');
      expect(await current.textContent()).toContain('Chrome on Linux');
      expect(await current.textContent()).toContain('this session');
      const phoneRow = rows.filter({ hasText: 'Chrome on Android' });
      expect(await phoneRow.count()).toBe(1);

      // the accessibility tree names the regions and the button by what they do
      const tree = await page.locator('main').ariaSnapshot();
      expect(tree).toContain('heading "Who you are"');
      expect(tree).toContain('heading "Your sessions"');
      expect(tree).toMatch(/button "End the session started .* from Chrome on Android"/);

      // keyboard focus on the button is visible (an outline in the accent colour)
      const end = phoneRow.getByRole('button');
      await end.focus();
      const outline = await end.evaluate((el) => getComputedStyle(el).outlineStyle);
      expect(outline).toBe('solid');

      await end.click();
      await page.waitForURL(/\/account\?notice=/);
      expect(await page.getByRole('status').textContent()).toBe('The session was ended.');
      expect(await page.locator('#sessions tbody tr').count()).toBe(1);

      // the phone's next request: sent to log in
      await other.goto(`${gw.url}/app/`);
      expect(new URL(other.url()).pathname).toBe('/login');
      await other.goto(`${gw.url}/account`);
      expect(new URL(other.url()).pathname).toBe('/login');
      // the laptop is still in
      await page.goto(`${gw.url}/app/`);
      expect(await page.textContent('#user')).toBe('alice');
    } finally {
      await laptop.close();
      await phone.close();
    }
  });

  it('the access-denied page says she is logged in and leads back to her account and portals', async () => {
    const context = await browser.newContext();
    try {
      const page = await logIn(context, gw.url);
      const response = await page.goto(`${gw.url}/admin/`);
      expect(response!.status()).toBe(403);
      expect(await page.locator('header nav').textContent()).toContain('Logged in as Alice Liddell (alice)');
      await page.getByRole('main').getByRole('link', { name: 'Your account' }).click();
      await page.waitForURL(`${gw.url}/account`);
      await page.goto(`${gw.url}/login`);
      expect(await page.getByRole('main').getByRole('status').textContent()).toContain('You are logged in as Alice Liddell (alice)');
    } finally {
      await context.close();
    }
  });
});

describe('in Chromium: alice keeps a credential on her account page, and the route sends it for her', () => {
  let gw: TestGateway;
  let browser: Browser;
  let upstream: Server;
  const received: Array<string | undefined> = [];
  const TOKEN = 'ghp_' + randomBytes(12).toString('hex');

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      received.push(req.headers['x-api-key'] as string | undefined);
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end('<!doctype html><title>saas</title><p id="saas">the SaaS answered</p>');
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    [gw, browser] = await Promise.all([
      startTestGateway(
        async (dir) => {
          const config = await demoConfig(dir);
          return {
            ...config,
            vault: { masterKeys: [{ id: 'browser-1', key: 'env://VAULT_KEY' }] },
            routes: [...(config.routes ?? []), { name: 'saas', prefix: '/saas/', upstream: upstreamUrl, filters: [{ use: 'credentials', options: { headers: { 'X-Api-Key': '${credentials.github_token}' } } }] }],
          };
        },
        { VAULT_KEY: randomBytes(32).toString('base64') },
      ),
      launchChromium(),
    ]);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
    await new Promise((r) => upstream?.close(r));
  });

  it('without the credential the route leads to the account page; saved there, the upstream receives it and the page never shows it again', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    try {
      const page = await logIn(context, gw.url);
      await page.goto(`${gw.url}/saas/repos`);
      expect(new URL(page.url()).pathname).toBe('/account');
      expect(received).toEqual([]);

      await page.getByLabel('Name').fill('github_token');
      await page.getByLabel('Value').fill(TOKEN);
      await page.getByRole('button', { name: 'Save credential' }).click();
      await page.waitForURL(/\/account/);
      expect(await page.locator('#credentials').textContent()).toContain('github_token');
      expect(await page.content()).not.toContain(TOKEN);

      await page.goto(`${gw.url}/saas/repos`);
      expect(await page.textContent('#saas')).toBe('the SaaS answered');
      expect(received).toEqual([TOKEN]);
      expect(gw.logs()).not.toContain(TOKEN);
    } finally {
      await context.close();
    }
  });
});
