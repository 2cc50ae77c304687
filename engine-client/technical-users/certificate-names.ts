import { normalizeAddress } from '../client-ip/address.js';

/**
 * Reading the names of a certificate the way a configuration writes them, so that a match
 * does not depend on RDN order, spacing, letter case of attribute types, or escaping style.
 */

const TYPE_ALIASES: Record<string, string> = { E: 'EMAILADDRESS', S: 'ST', EMAIL: 'EMAILADDRESS' };

/** A DN as a sorted list of `TYPE=value` (type upper-case, value lower-case, inner spaces collapsed). */
export type DnKey = string;

/**
 * From a configured DN: RFC 4514 (`CN=billing, O=Acme\, Inc.`) or the openssl slash form
 * (`/O=Acme/CN=billing`). Answers undefined for text that is not a DN.
 */
export function dnKeyFromText(text: string): DnKey | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  const parts = trimmed.startsWith('/') ? splitUnescaped(trimmed.slice(1), '/') : splitUnescaped(trimmed, ',+');
  return pairsKey(parts);
}

/** From node's `X509Certificate.subject`: one `TYPE=value` per line, RFC 2253 escapes in values. */
export function dnKeyFromCertificate(subject: string): DnKey | undefined {
  return pairsKey(subject.split('\n'));
}

function pairsKey(parts: string[]): DnKey | undefined {
  const pairs: string[] = [];
  for (const part of parts) {
    const eq = part.indexOf('=');
    if (eq <= 0) return undefined;
    const rawType = part.slice(0, eq).trim().toUpperCase();
    if (!/^[A-Z][A-Z0-9-]*$|^\d+(\.\d+)+$/.test(rawType)) return undefined;
    const type = TYPE_ALIASES[rawType] ?? rawType;
    const value = unescapeDnValue(part.slice(eq + 1).trim()).replace(/\s+/g, ' ').toLowerCase();
    pairs.push(`${type}=${value}`);
  }
  if (pairs.length === 0) return undefined;
  return pairs.sort().join('\n');
}

/** Split on any of `separators` that is not escaped with a backslash. */
function splitUnescaped(text: string, separators: string): string[] {
  const out: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\' && i + 1 < text.length) {
      current += ch + text[i + 1];
      i++;
    } else if (separators.includes(ch)) {
      out.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  out.push(current);
  return out;
}

function unescapeDnValue(value: string): string {
  let v = value;
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
  return v.replace(/\\([0-9a-fA-F]{2}|.)/g, (_, esc: string) => (esc.length === 2 ? String.fromCharCode(parseInt(esc, 16)) : esc));
}

/** A SAN entry as `TYPE:value` with a canonical type (DNS, URI, EMAIL, IP) and value. */
export type SanKey = string;

export function sanKey(type: string, value: string): SanKey | undefined {
  const t = type.trim().toUpperCase();
  const v = value.trim();
  if (v === '') return undefined;
  switch (t) {
    case 'DNS':
      return `DNS:${v.toLowerCase().replace(/\.$/, '')}`;
    case 'URI':
      return `URI:${v}`;
    case 'EMAIL':
      return `EMAIL:${v.toLowerCase()}`;
    case 'IP':
    case 'IP ADDRESS': {
      const address = normalizeAddress(v);
      return address === undefined ? undefined : `IP:${address}`;
    }
    default:
      return undefined;
  }
}

/** From a configured entry such as `URI:spiffe://acme/billing` or `DNS:billing.internal`. */
export function sanKeyFromText(text: string): SanKey | undefined {
  const colon = text.indexOf(':');
  if (colon <= 0) return undefined;
  return sanKey(text.slice(0, colon), text.slice(colon + 1));
}

/**
 * From node's `X509Certificate.subjectAltName`: entries separated by `, `; node writes a
 * value that contains separators as a JSON string, which is read as such (never split).
 */
export function sanKeysFromCertificate(subjectAltName: string | undefined): SanKey[] {
  if (!subjectAltName) return [];
  const keys: SanKey[] = [];
  let i = 0;
  while (i < subjectAltName.length) {
    const colon = subjectAltName.indexOf(':', i);
    if (colon === -1) break;
    const type = subjectAltName.slice(i, colon);
    let value: string;
    let next: number;
    if (subjectAltName[colon + 1] === '"') {
      const end = closingQuote(subjectAltName, colon + 1);
      if (end === -1) break;
      try {
        value = JSON.parse(subjectAltName.slice(colon + 1, end + 1)) as string;
      } catch {
        break;
      }
      next = subjectAltName.indexOf(', ', end);
    } else {
      next = subjectAltName.indexOf(', ', colon);
      value = subjectAltName.slice(colon + 1, next === -1 ? undefined : next);
    }
    const key = sanKey(type, value);
    if (key) keys.push(key);
    if (next === -1) break;
    i = next + 2;
  }
  return keys;
}

function closingQuote(text: string, open: number): number {
  for (let i = open + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return -1;
}

/** `ab:cd:...` or `ABCD...` → `ABCD...`; undefined unless 64 hex digits (SHA-256). */
export function fingerprintKey(text: string): string | undefined {
  const hex = text.replace(/[:\s]/g, '').toUpperCase();
  return /^[0-9A-F]{64}$/.test(hex) ? hex : undefined;
}
