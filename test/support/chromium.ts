import { chromium, type Browser } from 'playwright-core';
import { requireBinary } from './system-binary.js';

export const CHROMIUM_PATH = '/usr/bin/chromium';

export function ensureChromium(): void {
  requireBinary(CHROMIUM_PATH, 'chromium');
}

/**
 * Headless Chromium with the flags this closed network needs: without the background
 * networking switches Chromium keeps trying hosts it cannot reach. Playwright gives each
 * launch a fresh, empty profile of its own.
 */
export async function launchChromium(): Promise<Browser> {
  ensureChromium();
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
