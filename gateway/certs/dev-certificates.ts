import { X509Certificate } from 'node:crypto';
import { chmod, mkdir, readFile, stat } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { CertsError } from './errors.js';
import { generateKey, openssl, signWithCa } from './openssl.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** A client certificate to issue. Only `name` is needed; the rest serves tests (expired, SAN, other subject). */
export interface DevClientSpec {
  /** file names `client-<name>.crt` / `.key`; letters, digits, `.`, `_`, `-` */
  name: string;
  /** default: the name */
  commonName?: string;
  /** default: `Portcullis Dev` */
  organization?: string;
  /** subjectAltName entries in openssl syntax, e.g. `URI:spiffe://acme/billing`, `DNS:billing.internal` */
  san?: string[];
  notBefore?: Date;
  notAfter?: Date;
}

export interface CreateDevCertificatesOptions {
  /** folder the files go to; created when missing */
  dir: string;
  /** names and addresses of the server certificate; default localhost, 127.0.0.1, ::1 */
  hosts?: string[];
  clients?: Array<string | DevClientSpec>;
  /** subject CN of the CA; default `Portcullis Development CA` */
  caName?: string;
  /** validity of new certificates; default 365 days */
  days?: number;
  /** issue again even when the files exist (existing CA, server and client files are kept otherwise) */
  force?: boolean;
}

export interface IssuedCertificate {
  cert: string;
  key: string;
  subject: string;
  /** SHA-256 fingerprint as `AB:CD:...`, ready for a technical-user mapping */
  fingerprint256: string;
  validTo: string;
  created: boolean;
}

export interface DevCertificates {
  dir: string;
  ca: IssuedCertificate;
  server: IssuedCertificate;
  clients: Record<string, IssuedCertificate>;
}

/**
 * Create a local CA, a server certificate and client certificates for development and
 * tests, with the system openssl (no downloads). Keys are P-256, written with mode 0600.
 * Files that already exist are reused unless `force`, so fingerprints in a configuration
 * stay valid when the command runs again.
 */
export async function createDevCertificates(options: CreateDevCertificatesOptions): Promise<DevCertificates> {
  if (!options || typeof options.dir !== 'string' || options.dir === '') throw new CertsError('CERTS_OPTION', 'dir: a folder is required');
  const dir = resolve(options.dir);
  const days = options.days ?? 365;
  if (!Number.isInteger(days) || days < 1) throw new CertsError('CERTS_OPTION', 'days: must be a positive integer');
  const hosts = options.hosts ?? ['localhost', '127.0.0.1', '::1'];
  if (hosts.length === 0) throw new CertsError('CERTS_OPTION', 'hosts: at least one host name or address is needed');
  const clients = (options.clients ?? []).map((c, i) => checkClient(typeof c === 'string' ? { name: c } : c, i));
  const force = options.force === true;
  await mkdir(dir, { recursive: true, mode: 0o700 });

  const now = Date.now();
  const caCert = join(dir, 'ca.crt');
  const caKey = join(dir, 'ca.key');
  let caCreated = false;
  if (force || !(await exists(caCert)) || !(await exists(caKey))) {
    await generateKey(caKey);
    await openssl([
      'req', '-x509', '-new', '-key', caKey, '-sha256', '-days', String(Math.max(days, 3650)),
      '-subj', subject({ organization: 'Portcullis Dev', commonName: options.caName ?? 'Portcullis Development CA' }),
      '-addext', 'basicConstraints=critical,CA:TRUE,pathlen:0',
      '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
      '-out', caCert,
    ]);
    caCreated = true;
  }
  const issue = async (base: string, subj: string, extensions: string[], from: Date, to: Date): Promise<IssuedCertificate> => {
    const cert = join(dir, `${base}.crt`);
    const key = join(dir, `${base}.key`);
    const created = caCreated || force || !(await exists(cert)) || !(await exists(key));
    if (created) {
      await generateKey(key);
      await signWithCa({ caCert, caKey, keyFile: key, certFile: cert, subject: subj, extensions, notBefore: from, notAfter: to });
    }
    return describe(cert, key, created);
  };

  const server = await issue(
    'server',
    subject({ organization: 'Portcullis Dev', commonName: hosts[0]! }),
    [
      'basicConstraints = critical,CA:FALSE',
      'keyUsage = critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage = serverAuth',
      `subjectAltName = ${hosts.map((h) => (isIP(h) ? `IP:${h}` : `DNS:${h}`)).join(',')}`,
    ],
    new Date(now - 60_000),
    new Date(now + days * DAY_MS),
  );
  const issuedClients: Record<string, IssuedCertificate> = {};
  for (const c of clients) {
    issuedClients[c.name] = await issue(
      `client-${c.name}`,
      subject({ organization: c.organization ?? 'Portcullis Dev', commonName: c.commonName ?? c.name }),
      [
        'basicConstraints = critical,CA:FALSE',
        'keyUsage = critical,digitalSignature',
        'extendedKeyUsage = clientAuth',
        ...(c.san && c.san.length > 0 ? [`subjectAltName = ${c.san.join(',')}`] : []),
      ],
      c.notBefore ?? new Date(now - 60_000),
      c.notAfter ?? new Date(now + days * DAY_MS),
    );
  }
  await Promise.all([caKey, server.key, ...Object.values(issuedClients).map((c) => c.key)].map((k) => chmod(k, 0o600)));
  return { dir, ca: await describe(caCert, caKey, caCreated), server, clients: issuedClients };
}

function checkClient(spec: DevClientSpec, index: number): DevClientSpec {
  if (!spec || typeof spec.name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(spec.name)) {
    throw new CertsError('CERTS_OPTION', `clients[${index}].name: letters, digits, ".", "_" and "-" only`);
  }
  for (const entry of spec.san ?? []) {
    if (!/^(DNS|URI|email|IP|RID|otherName):[^,\n]+$/.test(entry)) {
      throw new CertsError('CERTS_OPTION', `clients[${index}].san: "${entry}" is not TYPE:value`);
    }
  }
  if (spec.notBefore && spec.notAfter && spec.notAfter <= spec.notBefore) {
    throw new CertsError('CERTS_OPTION', `clients[${index}].notAfter: must be later than notBefore`);
  }
  return spec;
}

/** An openssl `-subj` value; `/`, `=`, `+` and `\` in values are escaped. */
function subject(parts: { organization: string; commonName: string }): string {
  const esc = (v: string) => v.replace(/[\\/=+]/g, (ch) => `\\${ch}`);
  return `/O=${esc(parts.organization)}/CN=${esc(parts.commonName)}`;
}

async function describe(cert: string, key: string, created: boolean): Promise<IssuedCertificate> {
  const x509 = new X509Certificate(await readFile(cert));
  return { cert, key, subject: x509.subject, fingerprint256: x509.fingerprint256, validTo: x509.validTo, created };
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
