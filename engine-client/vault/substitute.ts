import { EngineClientError } from '../errors.js';
import type { VaultClient } from './client.js';

/**
 * Workflow placeholders for a user's credentials: `${credentials:KEY}` and `$credentials_KEY`
 * (the name runs to the first character that is not a letter, digit or `_`). `$$` is a literal `$`.
 */
const PLACEHOLDER = /\$\$|\$\{credentials:([A-Za-z][A-Za-z0-9_]*)\}|\$credentials_([A-Za-z][A-Za-z0-9_]*)/g;

/** The credential names `text` refers to, in order of first use. */
export function credentialKeysIn(text: string): string[] {
  const keys: string[] = [];
  for (const m of text.matchAll(PLACEHOLDER)) {
    const key = m[1] ?? m[2];
    if (key && !keys.includes(key)) keys.push(key);
  }
  return keys;
}

/** Replace the placeholders with `values`; a name without a value throws VAULT_CREDENTIAL_MISSING naming it. */
export function substitute(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(PLACEHOLDER, (whole, braced: string | undefined, bare: string | undefined) => {
    if (whole === '$$') return '$';
    const key = (braced ?? bare)!;
    const value = Object.hasOwn(values, key) ? values[key] : undefined;
    if (value === undefined) throw new EngineClientError('VAULT_CREDENTIAL_MISSING', `the user has no credential named '${key}'`);
    return value;
  });
}

/** Fetch what `text` names with the user's token and substitute it: one vault call for every placeholder. */
export async function substituteCredentials(client: VaultClient, token: string, text: string): Promise<string> {
  const keys = credentialKeysIn(text);
  if (keys.length === 0) return substitute(text, {});
  const { values } = await client.getMany(token, keys);
  return substitute(text, values);
}
