import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/chromium.js';
import type { TestGateway } from '../support/gateway.js';
import type { TestIdp } from '../support/saml-idp.js';
import { startSamlGateway } from '../support/saml-gateway.js';

describe('in Chromium: SAML login through the login page, then single logout', () => {
  let gw: TestGateway;
  let idp: TestIdp;
  let browser: Browser;

  beforeAll(async () => {
    const [started, chromium] = await Promise.all([startSamlGateway(), launchChromium()]);
    ({ gw, idp } = started);
    browser = chromium;
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
    await idp?.close();
  });

  it('bob clicks "Sign in with Corp IdP", the IdP posts back, he lands on /admin/; logout passes through the IdP', async () => {
    idp.currentUser = 'bob';
    const page = await browser.newPage();
    await page.goto(`${gw.url}/admin/`);
    expect(new URL(page.url()).pathname).toBe('/login');

    await page.click('text=Sign in with Corp IdP');
    await page.waitForURL(`${gw.url}/admin/`);
    expect(idp.authnRequests.at(-1)?.relayState).toBe('/admin/');
    expect(await page.textContent('#portal')).toBe('Administration portal');
    expect(await page.textContent('#user')).toBe('bob');

    const session = (await page.context().cookies()).find((c) => c.name === 'portcullis_sid');
    expect(session?.httpOnly).toBe(true);

    await page.goto(`${gw.url}/logout`);
    await page.waitForURL((url) => url.pathname === '/saml/slo');
    expect(await page.textContent('h1')).toBe('Signed out');
    expect(idp.logoutRequests.at(-1)?.nameId).toBe('bob');
    await page.goto(`${gw.url}/admin/`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.close();
  });

  it('a tampered response shows the login-failed page with a reference and nothing else', async () => {
    const page = await browser.newPage();
    await page.goto(`${gw.url}/login`);
    idp.responseOverrides = { audience: 'https://someone-else.test/sp' };
    try {
      await page.click('text=Sign in with Corp IdP');
      await page.waitForURL(`${gw.url}/saml/acs`);
    } finally {
      idp.responseOverrides = {};
    }
    expect(await page.textContent('h1')).toBe('Login failed');
    const text = (await page.textContent('main')) ?? '';
    const reference = /^Reference: ([A-Za-z0-9]+)$/.exec((await page.textContent('.muted')) ?? '')?.[1];
    expect(reference).toMatch(/^[A-Za-z0-9]{12}$/);
    expect(gw.logs()).toContain(`"incident":"${reference}"`);
    expect(text).not.toMatch(/audience|Assertion|SAML_/i);
    await page.close();
  });
});
