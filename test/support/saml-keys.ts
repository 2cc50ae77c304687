import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** An RSA key and its self-signed certificate, both PEM. */
export interface KeyPair {
  privateKey: string;
  certificate: string;
}

const cache = new Map<string, KeyPair>();

/**
 * A fresh RSA-2048 key and self-signed SHA-256 certificate from openssl, once per common
 * name and process (key generation is the slow part of a SAML test).
 */
export function testKeyPair(commonName: string): KeyPair {
  const hit = cache.get(commonName);
  if (hit) return hit;
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-saml-key-'));
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '2', '-subj', `/CN=${commonName}`, '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
      { stdio: 'ignore' },
    );
    const pair = { privateKey: readFileSync(join(dir, 'key.pem'), 'utf8'), certificate: readFileSync(join(dir, 'cert.pem'), 'utf8') };
    cache.set(commonName, pair);
    return pair;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
