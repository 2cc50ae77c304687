/**
 * `portcullis keys generate`: make a new token signing key in a keys folder — the PEM
 * private key (mode 0600) through the gateway's key store, plus the public JWK with its
 * `kid` beside it for engines that trust key files. An existing key becomes the previous
 * key (still published through the rotation). The private key is never printed.
 */
import { rename, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DEFAULTS } from '@portcullis/config/defaults.js';
import type { CliCommand } from './command.js';
import { UsageError } from './command.js';
import { parseOptions } from './args.js';

export const KEY_ALGORITHMS = ['EdDSA', 'ES256', 'RS256'] as const;
type KeyAlgorithm = (typeof KEY_ALGORITHMS)[number];

/** Public JWK files beside the PEMs written by the key store. */
export const PUBLIC_JWK_FILE = 'signing-key.public.jwk.json';
export const PREVIOUS_PUBLIC_JWK_FILE = 'signing-key.previous.public.jwk.json';

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

const generateCommand: CliCommand = {
  name: 'generate',
  summary: 'Generate a new signing key (the current one becomes the previous one).',
  usage: 'keys generate [--alg EdDSA|ES256|RS256] [--out DIR]',
  help: `Options:
  -a, --alg ALG   EdDSA (Ed25519, default), ES256 (P-256) or RS256 (RSA 2048)
  -o, --out DIR   keys folder; default ${DEFAULTS.server.dataDir}/keys (the gateway's data folder)

Writes DIR/signing-key.pem (private, PKCS#8, mode 0600) and DIR/${PUBLIC_JWK_FILE}
(public JWK with kid = its RFC 7638 thumbprint). Restart the gateway to sign with the new key;
it keeps publishing the previous key so tokens already issued stay valid.`,
  async run(args, io) {
    const { values } = parseOptions(args, {
      alg: { type: 'string', short: 'a', default: 'EdDSA' },
      out: { type: 'string', short: 'o' },
    });
    const alg = values.alg as KeyAlgorithm;
    if (!KEY_ALGORITHMS.includes(alg)) throw new UsageError(`--alg must be one of ${KEY_ALGORITHMS.join(', ')} (got "${values.alg}")`);
    const dir = resolve(io.cwd, values.out ?? join(DEFAULTS.server.dataDir, 'keys'));

    const { generateSigningKey, writeSigningKey } = await import('../tokens/key-store.js');
    const key = await generateSigningKey(alg);
    // keep the public half of the key that is about to become "previous" in step with its PEM
    if (await exists(join(dir, PUBLIC_JWK_FILE))) await rename(join(dir, PUBLIC_JWK_FILE), join(dir, PREVIOUS_PUBLIC_JWK_FILE));
    await writeSigningKey(dir, key);
    await writeFile(join(dir, PUBLIC_JWK_FILE), `${JSON.stringify(key.publicJwk, null, 2)}\n`, { mode: 0o644 });
    io.stdout.write(`generated ${alg} signing key kid=${key.kid}\n  private key  ${join(dir, 'signing-key.pem')} (mode 0600)\n  public JWK   ${join(dir, PUBLIC_JWK_FILE)}\n`);
    return 0;
  },
};

export const keysCommand: CliCommand = {
  name: 'keys',
  summary: 'Manage token signing keys.',
  subcommands: [generateCommand],
};
