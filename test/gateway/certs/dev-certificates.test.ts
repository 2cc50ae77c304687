import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDevCertificates, type DevCertificates } from '../../../gateway/certs/index.js';

let dir: string;
let first: DevCertificates;
const DAY = 24 * 60 * 60 * 1000;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'portcullis-certs-'));
  first = await createDevCertificates({
    dir,
    hosts: ['gateway.test', '127.0.0.1'],
    clients: ['billing', { name: 'old', notBefore: new Date(Date.now() - 10 * DAY), notAfter: new Date(Date.now() - DAY) }, { name: 'svc', san: ['URI:spiffe://acme.test/svc'] }],
  });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const x509 = async (path: string) => new X509Certificate(await readFile(path));

describe('createDevCertificates', () => {
  it('creates a CA that signed the server and client certificates', async () => {
    const ca = await x509(first.ca.cert);
    expect(ca.ca).toBe(true);
    for (const issued of [first.server, ...Object.values(first.clients)]) {
      const cert = await x509(issued.cert);
      expect(cert.checkIssued(ca)).toBe(true);
      expect(cert.verify(ca.publicKey)).toBe(true);
      expect(cert.ca).toBe(false);
    }
  });

  it('names the server by every host, as DNS or IP entries', async () => {
    const server = await x509(first.server.cert);
    expect(server.subjectAltName).toBe('DNS:gateway.test, IP Address:127.0.0.1');
    expect(server.checkHost('gateway.test')).toBe('gateway.test');
    expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');
  });

  it('issues client certificates with the dates and SAN asked for', async () => {
    const old = await x509(first.clients.old!.cert);
    expect(Date.parse(old.validTo)).toBeLessThan(Date.now());
    expect((await x509(first.clients.svc!.cert)).subjectAltName).toBe('URI:spiffe://acme.test/svc');
    expect(first.clients.billing!.subject).toBe('O=Portcullis Dev\nCN=billing');
    expect(first.clients.billing!.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  it('writes private keys readable by the owner only', async () => {
    for (const key of [first.ca.key, first.server.key, first.clients.billing!.key]) {
      expect((await stat(key)).mode & 0o777).toBe(0o600);
    }
  });

  it('reuses existing files, so configured fingerprints stay valid; force issues anew', async () => {
    const again = await createDevCertificates({ dir, hosts: ['gateway.test', '127.0.0.1'], clients: ['billing', 'newcomer'] });
    expect(again.ca.created).toBe(false);
    expect(again.clients.billing!.created).toBe(false);
    expect(again.clients.billing!.fingerprint256).toBe(first.clients.billing!.fingerprint256);
    expect(again.clients.newcomer!.created).toBe(true);
    expect((await x509(again.clients.newcomer!.cert)).checkIssued(await x509(first.ca.cert))).toBe(true);
    const forced = await createDevCertificates({ dir, clients: ['billing'], force: true });
    expect(forced.ca.fingerprint256).not.toBe(first.ca.fingerprint256);
    expect(forced.clients.billing!.fingerprint256).not.toBe(first.clients.billing!.fingerprint256);
  });

  it.each([
    [{ dir: '' }, 'dir'],
    [{ dir: 'x', clients: ['../escape'] }, 'clients[0].name'],
    [{ dir: 'x', clients: [{ name: 'a', san: ['DNS:a,DNS:b'] }] }, 'clients[0].san'],
    [{ dir: 'x', days: 0 }, 'days'],
    [{ dir: 'x', hosts: [] }, 'hosts'],
  ])('refuses bad options with CERTS_OPTION naming %j', async (options, path) => {
    await expect(createDevCertificates(options as never)).rejects.toMatchObject({ code: 'CERTS_OPTION', message: expect.stringContaining(`${path}:`) });
  });
});
