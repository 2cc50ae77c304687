import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CertsError } from './errors.js';

/** Run the system `openssl` without a shell; a failure keeps openssl's own words as the cause. */
export function openssl(args: string[], cwd?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('openssl', args, { cwd, timeout: 30_000, maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout);
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      reject(
        new CertsError(
          missing ? 'CERTS_OPENSSL_MISSING' : 'CERTS_OPENSSL_FAILED',
          missing ? 'the openssl command was not found on PATH' : `openssl ${args[0]} failed: ${String(stderr).trim().split('\n').slice(-1)[0] ?? ''}`,
          error,
        ),
      );
    });
  });
}

/** A P-256 key in PKCS#8 PEM: small, fast, and understood by every TLS stack we meet. */
export async function generateKey(keyFile: string): Promise<void> {
  await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', keyFile]);
}

export interface SignRequest {
  caCert: string;
  caKey: string;
  keyFile: string;
  certFile: string;
  /** e.g. /O=Portcullis Dev/CN=billing */
  subject: string;
  /** extensions in openssl config syntax, one per line */
  extensions: string[];
  notBefore: Date;
  notAfter: Date;
}

/**
 * Issue a certificate with `openssl ca`, which (unlike `x509 -req` in OpenSSL 3.0) takes
 * explicit start and end dates, so tests can make expired and not-yet-valid certificates.
 * The CA database lives in a throw-away folder; serials are random.
 */
export async function signWithCa(req: SignRequest): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'portcullis-ca-'));
  try {
    const csr = join(work, 'request.csr');
    await openssl(['req', '-new', '-key', req.keyFile, '-subj', req.subject, '-out', csr]);
    await writeFile(join(work, 'index.txt'), '');
    await writeFile(join(work, 'index.txt.attr'), 'unique_subject = no\n');
    await writeFile(join(work, 'serial'), `${randomBytes(16).toString('hex').replace(/^[89a-f]/, '7')}\n`);
    const config = [
      '[ ca ]',
      'default_ca = dev_ca',
      '[ dev_ca ]',
      `database = ${join(work, 'index.txt')}`,
      `new_certs_dir = ${work}`,
      `serial = ${join(work, 'serial')}`,
      'default_md = sha256',
      'policy = any_dn',
      'unique_subject = no',
      'copy_extensions = none',
      '[ any_dn ]',
      'countryName = optional',
      'stateOrProvinceName = optional',
      'localityName = optional',
      'organizationName = optional',
      'organizationalUnitName = optional',
      'commonName = supplied',
      'emailAddress = optional',
      '[ issued ]',
      ...req.extensions,
      '',
    ].join('\n');
    const configFile = join(work, 'ca.cnf');
    await writeFile(configFile, config);
    await openssl([
      'ca', '-batch', '-notext', '-preserveDN',
      '-config', configFile, '-extensions', 'issued',
      '-cert', req.caCert, '-keyfile', req.caKey,
      '-startdate', asn1Time(req.notBefore), '-enddate', asn1Time(req.notAfter),
      '-in', csr, '-out', req.certFile,
    ]);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** YYYYMMDDHHMMSSZ, which openssl accepts for both date options. */
function asn1Time(date: Date): string {
  return `${date.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
}
