// An operator's own authenticator for Portcullis (`type: module`): sign-in with a personal
// access code from a JSON file, e.g. for kiosk or lab accounts. The factory gets the
// authenticator's `options` and answers one of the three kinds the gateway knows
// ('password', 'request', 'routed'); see docs/authenticators.md for the interface.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';

export async function createAuthenticator({ options, configDir, log }) {
  if (typeof options.codesFile !== 'string') throw new Error('options.codesFile is required');
  const file = resolve(configDir, options.codesFile);
  // { "kiosk-1": { "codeSha256": "<hex>", "roles": ["kiosk"] } }
  const accounts = JSON.parse(await readFile(file, 'utf8'));
  log.info({ accounts: Object.keys(accounts).length }, 'access codes loaded');
  const digest = (text) => createHash('sha256').update(text, 'utf8').digest();
  const nobody = digest('');

  return {
    kind: 'password',
    async verify(login, code) {
      const account = Object.hasOwn(accounts, login) ? accounts[login] : undefined;
      const expected = account ? Buffer.from(account.codeSha256, 'hex') : nobody;
      // the same work whether or not the account exists
      const same = expected.length === 32 && timingSafeEqual(digest(code), expected);
      if (!account || !same) return null;
      return { loginId: login, roles: account.roles ?? [], attributes: { displayName: account.displayName ?? login }, amr: ['pwd'] };
    },
  };
}
