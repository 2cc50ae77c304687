import { IdentityBackendError } from './errors.js';
import type { CallerCredentials } from './types.js';

/**
 * How a caller's Basic credential is forwarded to the identity service (the
 * `ws.adminservice.token.encoding` choices of the process engine the design follows):
 * - `forward`: the caller's Authorization header unchanged, byte for byte;
 * - `automatic` (the default): `user:password` decoded and sent again in UTF-8;
 * - a character set (`UTF-8`, `ISO-8859-1`, `US-ASCII`, `UTF-16LE`): `user:password` encoded in
 *   it, then Base64. A character the set cannot hold is refused, never replaced silently.
 * Bearer tokens are forwarded unchanged whatever the encoding.
 */
export type CredentialEncoding = 'forward' | 'automatic' | string;

const CHARSETS: Record<string, BufferEncoding> = {
  'utf-8': 'utf8',
  utf8: 'utf8',
  'iso-8859-1': 'latin1',
  latin1: 'latin1',
  'us-ascii': 'ascii',
  ascii: 'ascii',
  'utf-16le': 'utf16le',
};

/** The node encoding for a configured encoding, or undefined for `forward`/`automatic`; throws for an unknown set. */
export function charsetOf(encoding: CredentialEncoding): BufferEncoding | undefined {
  const e = encoding.toLowerCase();
  if (e === 'forward' || e === 'automatic') return e === 'automatic' ? 'utf8' : undefined;
  const charset = CHARSETS[e];
  if (!charset) throw new TypeError(`unknown encoding '${encoding}': use forward, automatic, UTF-8, ISO-8859-1, US-ASCII or UTF-16LE`);
  return charset;
}

/** The header value to send for a caller, or undefined when there is no caller credential. */
export function forwardedCredential(caller: CallerCredentials | undefined, encoding: CredentialEncoding, backend: string): string | undefined {
  if (!caller) return undefined;
  if ('bearerToken' in caller) return `Bearer ${caller.bearerToken}`;
  const header = caller.originalHeader;
  const charset = charsetOf(encoding);
  const basic = /^basic\s+([A-Za-z0-9+/]+=*)\s*$/i.exec(header);
  if (charset === undefined || !basic) return header; // forward, or not a Basic credential
  const text = decodeCredential(Buffer.from(basic[1]!, 'base64'));
  const bytes = Buffer.from(text, charset);
  if (bytes.toString(charset) !== text) {
    throw new IdentityBackendError('IDENTITY_BACKEND_CALLER_UNENCODABLE', `${backend}: the caller's credential has characters ${encoding} cannot hold`);
  }
  return `Basic ${bytes.toString('base64')}`;
}

/** Browsers send Basic credentials in UTF-8 or ISO-8859-1: UTF-8 when the bytes are valid UTF-8. */
function decodeCredential(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return bytes.toString('latin1');
  }
}
