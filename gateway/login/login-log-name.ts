import { createHmac, randomBytes } from 'node:crypto';
import type { PasswordAuthenticator } from '../authenticators/types.js';

/**
 * What a failed login's log line may say about the name typed. People type their password
 * into the user name field; a name no authenticator knows is therefore never logged as text,
 * only as a keyed digest (`name#3f9a0c2e71b4d658`): equal names give equal digests within one
 * gateway process, so an operator still sees one name being tried again and again, and the
 * digest cannot be reversed by hashing a dictionary (the key is random and never leaves memory).
 * A name an authenticator knows is an account name and is logged as it is.
 */
const KEY = randomBytes(32);

export function digestOfName(name: string): string {
  return `name#${createHmac('sha256', KEY).update(name).digest('hex').slice(0, 16)}`;
}

/** The name for the log: itself when a password authenticator knows the account, else its digest. */
export async function loginNameForLog(name: string, authenticators: readonly PasswordAuthenticator[]): Promise<string> {
  for (const a of authenticators) {
    try {
      if (await a.knowsUser?.(name)) return name;
    } catch {
      /* cannot tell: treat as unknown */
    }
  }
  return digestOfName(name);
}
