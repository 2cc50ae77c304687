/**
 * Clickjacking, tried in Chromium: a page on another origin frames the gateway's login form.
 * The frame must stay empty (X-Frame-Options DENY, CSP frame-ancestors 'none'), while the
 * same attacker page can frame a page that allows it (so the test would see a success).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/chromium.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

let gw: TestGateway;
let browser: Browser;
let attacker: Server;
let attackerUrl: string;

beforeAll(async () => {
  [gw, browser] = await Promise.all([startTestGateway(), launchChromium()]);
  attacker = createServer((req, res) => {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    if (req.url === '/framable') return res.end('<!doctype html><p id="framed">framable content</p>');
    const target = new URL(req.url ?? '/', 'http://x').searchParams.get('target') ?? '';
    res.end(`<!doctype html><h1>win a prize</h1><iframe id="victim" src="${target}" width="600" height="400"></iframe>`);
  });
  await new Promise<void>((done) => attacker.listen(0, '127.0.0.1', done));
  attackerUrl = `http://localhost:${(attacker.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await gw?.stop();
  await new Promise((done) => attacker?.close(done));
});

/** What the attacker's frame shows: the text of `selector` in it (null when absent) and the frame's URL. */
async function framed(target: string, selector: string): Promise<{ text: string | null; url: string }> {
  const page = await browser.newPage();
  try {
    await page.goto(`${attackerUrl}/?target=${encodeURIComponent(target)}`);
    await page.waitForTimeout(300);
    await page.waitForLoadState('load');
    const frame = page.frames().find((f) => f !== page.mainFrame());
    if (!frame) return { text: null, url: '' };
    const element = await frame.$(selector).catch(() => null);
    return { text: element ? await element.textContent() : null, url: frame.url() };
  } finally {
    await page.close();
  }
}

describe('in Chromium: the gateway cannot be framed', () => {
  it('a cross-origin page framing the login form gets an empty frame; a framable page shows', async () => {
    expect(await framed(`${attackerUrl}/framable`, '#framed')).toEqual({ text: 'framable content', url: `${attackerUrl}/framable` });
    for (const path of ['/login', '/login?returnTo=%2Fadmin%2F', '/logout', '/no-such-page']) {
      const result = await framed(`${gw.url}${path}`, 'main');
      expect(result.text, path).toBeNull();
      expect(result.url, path).toMatch(/^chrome-error:/);
    }
  });
});
