import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDevCertificates, type DevCertificates } from '../../gateway/certs/index.js';

const DAY = 24 * 60 * 60 * 1000;

export interface TestPki {
  root: string;
  /** the CA every listener trusts: server, known and troublesome clients */
  main: DevCertificates;
  /** an unrelated CA whose client certificate carries a known subject */
  other: DevCertificates;
  pem(path: string): Promise<string>;
  /** TLS client options presenting one client of `main` (or of `other`) */
  client(name: string, from?: 'main' | 'other'): Promise<{ cert: string; key: string; ca: string }>;
  cleanup(): Promise<void>;
}

/**
 * Real certificates made with openssl for one test file (~0.3 s): a server certificate for
 * 127.0.0.1/localhost, and clients named after what they test.
 */
export async function createTestPki(): Promise<TestPki> {
  const root = await mkdtemp(join(tmpdir(), 'portcullis-pki-'));
  const now = Date.now();
  const main = await createDevCertificates({
    dir: join(root, 'main'),
    hosts: ['localhost', '127.0.0.1', '::1'],
    clients: [
      { name: 'billing', commonName: 'billing-service', organization: 'Acme' },
      { name: 'reporting', commonName: 'reporting', san: ['URI:spiffe://acme.test/reporting', 'DNS:reporting.internal'] },
      { name: 'pinned', commonName: 'pinned' },
      { name: 'stranger', commonName: 'stranger' },
      { name: 'retired', commonName: 'retired-service' },
      { name: 'leaked', commonName: 'billing-service', organization: 'Acme' },
      { name: 'expired', commonName: 'billing-service', organization: 'Acme', notBefore: new Date(now - 30 * DAY), notAfter: new Date(now - DAY) },
      { name: 'future', commonName: 'billing-service', organization: 'Acme', notBefore: new Date(now + DAY), notAfter: new Date(now + 30 * DAY) },
      { name: 'engine', commonName: 'workflow-engine', san: ['URI:spiffe://acme.test/workflow-engine'] },
    ],
  });
  const other = await createDevCertificates({
    dir: join(root, 'other'),
    caName: 'Some Other CA',
    clients: [{ name: 'billing', commonName: 'billing-service', organization: 'Acme' }],
  });
  const pem = (path: string) => readFile(path, 'utf8');
  return {
    root,
    main,
    other,
    pem,
    async client(name, from = 'main') {
      const set = from === 'main' ? main : other;
      const c = set.clients[name];
      if (!c) throw new Error(`no test client ${name}`);
      return { cert: await pem(c.cert), key: await pem(c.key), ca: await pem(main.ca.cert) };
    },
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}
