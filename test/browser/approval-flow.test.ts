/**
 * The approval flow in Chromium: carol submits a form that creates a user and lands on the
 * "waiting for approval" page; bob opens the link from his mail, logs in, reads the exact
 * request and approves it with a comment; the engine gets it once, as carol, approved by bob;
 * carol's status page shows the result and never offers her the decision.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/chromium.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { RecordingEngine, approvalConfig } from '../support/approvals.js';
import { TestSmtp } from '../support/smtp.js';
import { loggedIn } from '../support/approvals.js';

describe('approval flow in a browser', () => {
  const engine = new RecordingEngine();
  const smtp = new TestSmtp();
  let gateway: TestGateway;
  let browser: Browser;

  beforeAll(async () => {
    await smtp.start();
    await engine.start();
    engine.pages.set('/admin-api/new-user', '<!doctype html><form method="post" action="/admin-api/users"><input name="loginId" id="loginId"><button id="create">Create user</button></form>');
    gateway = await startTestGateway((dir) =>
      approvalConfig(dir, engine.url, { notifications: { enabled: true, smtp: { host: '127.0.0.1', port: smtp.port, security: 'none' }, from: 'portcullis@example.test', outbox: { pollSeconds: 1 } } }),
    );
    engine.trust(gateway.url, 'portcullis-approvals');
    await loggedIn(gateway.url, 'bob'); // the gateway knows bob's address and role
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await gateway?.stop();
    await engine.stop();
    await smtp.stop();
  });

  const logIn = async (page: import('playwright-core').Page, user: string, password: string) => {
    await page.fill('#username', user);
    await page.fill('#password', password);
    await page.click('button[type=submit]');
  };

  it('carol asks, bob approves from the mail link, carol sees the result', async () => {
    const carol = await (await browser.newContext()).newPage();
    await carol.goto(`${gateway.url}/admin-api/new-user`);
    await logIn(carol, 'carol', 'carol-pw');
    await carol.waitForURL(`${gateway.url}/admin-api/new-user`);
    await carol.fill('#loginId', 'frank');
    const [held] = await Promise.all([carol.waitForResponse((r) => r.url().endsWith('/admin-api/users')), carol.click('#create')]);
    expect(held.status()).toBe(202);
    await expect(carol.locator('h1').textContent()).resolves.toBe('Waiting for approval');
    await carol.click('text=Follow the request');
    await expect(carol.locator('.state').textContent()).resolves.toBe('waiting for approval');
    expect(await carol.locator('form').count()).toBe(0);
    const statusUrl = carol.url();
    expect(engine.received).toHaveLength(0);

    await smtp.waitFor((m) => m.some((x) => x.rcptTo.includes('bob@example.test')), 10_000, 'bob’s mail');
    const link = /https?:\/\/\S+\/approvals\/[\w-]+/.exec(smtp.to('bob@example.test')[0]!.parsed.text!)![0];
    expect(link).toBe(statusUrl);

    const bob = await (await browser.newContext()).newPage();
    await bob.goto(link);
    await logIn(bob, 'bob', 'builder');
    await bob.waitForURL(link);
    await expect(bob.locator('pre.held').textContent()).resolves.toContain('POST /admin-api/users');
    await expect(bob.locator('pre.held').textContent()).resolves.toContain('loginId=frank');
    await expect(bob.locator('main').textContent()).resolves.toContain('Carol Danvers (carol)');
    await bob.fill('input[name=comment]', 'welcome, frank');
    await bob.click('button[value=approve]');
    await bob.waitForURL(/notice=/);
    await expect(bob.locator('.state').textContent()).resolves.toBe('approved and sent');
    await expect(bob.locator('.notice').textContent()).resolves.toContain('the application answered 201');

    expect(engine.received).toHaveLength(1);
    expect(engine.received[0]).toMatchObject({ method: 'POST', url: '/admin-api/users', body: 'loginId=frank' });
    expect(engine.received[0]!.identity.userId).toBe('carol');
    expect(engine.received[0]!.identity.approval?.approvedBy).toEqual(['bob']);

    await carol.reload();
    await expect(carol.locator('.state').textContent()).resolves.toBe('approved and sent');
    await expect(carol.locator('.decision').textContent()).resolves.toContain('bob approved');
    await expect(carol.locator('.decision').textContent()).resolves.toContain('welcome, frank');
    await smtp.waitFor((m) => m.some((x) => x.rcptTo.includes('carol@example.test')), 10_000, 'carol’s mail');
    expect(smtp.to('carol@example.test')[0]!.parsed.subject).toBe('Freigegeben: Create or change a user account');
  }, 60_000);
});
