import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import type { z } from 'zod';
import type { tlsSchema } from '@portcullis/config/schema/operations.js';
import { GatewayError } from '../errors.js';

export type TlsSettings = z.infer<typeof tlsSchema>;

/** The files a TLS setting names, resolved against the configuration's folder. */
export function tlsFilesOf(tls: TlsSettings, configDir: string): string[] {
  return [tls.certFile, tls.keyFile, ...(tls.chainFile ? [tls.chainFile] : [])].map((f) => resolve(configDir, f));
}

/**
 * Read the certificate, key and chain and check that they make a usable context (the key
 * fits the certificate, the PEM parses). A broken file is a start-up error, or a refused
 * reload that keeps the context in use.
 */
export async function loadTlsOptions(tls: TlsSettings, configDir: string, passphrase?: string): Promise<SecureContextOptions> {
  const read = async (option: string, file: string) => {
    try {
      return await readFile(resolve(configDir, file), 'utf8');
    } catch (cause) {
      throw new GatewayError('GW_TLS_INVALID', 500, `server.tls.${option}: cannot read '${file}': ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, { cause });
    }
  };
  const cert = await read('certFile', tls.certFile);
  const key = await read('keyFile', tls.keyFile);
  const chain = tls.chainFile ? await read('chainFile', tls.chainFile) : '';
  const options: SecureContextOptions = {
    cert: chain ? `${cert.trimEnd()}\n${chain}` : cert,
    key,
    minVersion: tls.minVersion,
    ...(tls.ciphers ? { ciphers: tls.ciphers } : {}),
    ...(passphrase !== undefined ? { passphrase } : {}),
  };
  try {
    createSecureContext(options);
  } catch (cause) {
    // OpenSSL's reason (e.g. "key values mismatch", "no cipher match") names the problem; no key material is in it
    throw new GatewayError('GW_TLS_INVALID', 500, `server.tls: the certificate files do not make a usable TLS context: ${(cause as Error).message}`, { cause });
  }
  return options;
}
