/**
 * A throw-away PKI for tests: a CA and certificates it signs, made with the openssl command
 * line into a temporary folder. Real certificates, real chains; nothing here is for production.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CertFiles {
  certFile: string;
  keyFile: string;
  cert: string;
  key: string;
}

export interface TestPki {
  dir: string;
  ca: CertFiles;
  /** a server certificate for the given DNS names and IP addresses */
  server(name: string, sans: { dns?: string[]; ip?: string[] }): CertFiles;
  /** a client certificate (extendedKeyUsage clientAuth) with the given subject CN */
  client(cn: string): CertFiles;
  remove(): void;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function files(dir: string, base: string): CertFiles {
  const certFile = join(dir, `${base}.crt`);
  const keyFile = join(dir, `${base}.key`);
  return { certFile, keyFile, cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
}

/** Create a CA in a new temporary folder. EC P-256 keys keep it fast on a small machine. */
export function createTestPki(caName = 'Portcullis Test CA'): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-pki-'));
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key'], dir);
  openssl(
    ['req', '-x509', '-new', '-key', 'ca.key', '-sha256', '-days', '2', '-subj', `/CN=${caName}`, '-out', 'ca.crt',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
    dir,
  );
  let serial = 1;
  const issue = (base: string, cn: string, ext: string): CertFiles => {
    openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${base}.key`], dir);
    openssl(['req', '-new', '-key', `${base}.key`, '-subj', `/CN=${cn}`, '-out', `${base}.csr`], dir);
    writeFileSync(join(dir, `${base}.ext`), ext);
    openssl(
      ['x509', '-req', '-in', `${base}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', String(++serial),
        '-days', '2', '-sha256', '-extfile', `${base}.ext`, '-out', `${base}.crt`],
      dir,
    );
    return files(dir, base);
  };
  return {
    dir,
    ca: files(dir, 'ca'),
    server(name, sans) {
      const alt = [...(sans.dns ?? []).map((d) => `DNS:${d}`), ...(sans.ip ?? []).map((i) => `IP:${i}`)].join(',');
      return issue(`server-${name}`, name, `basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=${alt}\n`);
    },
    client(cn) {
      return issue(`client-${cn.replace(/[^a-z0-9-]/gi, '_')}`, cn, 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n');
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
