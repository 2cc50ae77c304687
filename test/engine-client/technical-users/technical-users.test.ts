import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTechnicalUserMap, dnKeyFromText, sanKeysFromCertificate } from '../../../engine-client/technical-users/index.js';
import { createTestPki, type TestPki } from '../../support/certs.js';

let pki: TestPki;
const x509 = async (name: string, from: 'main' | 'other' = 'main') =>
  new X509Certificate(await readFile((from === 'main' ? pki.main : pki.other).clients[name]!.cert));

beforeAll(async () => {
  pki = await createTestPki();
});
afterAll(() => pki?.cleanup());

function map() {
  return createTechnicalUserMap({
    users: [
      { id: 'billing-service', roles: ['Billing'], match: { subject: 'CN=billing-service, O=Acme' } },
      { id: 'reporting', match: { san: 'URI:spiffe://acme.test/reporting' } },
      { id: 'pinned', match: { fingerprint256: pki.main.clients.pinned!.fingerprint256.replace(/:/g, '').toLowerCase() } },
      { id: 'retired-service', match: { subject: '/CN=retired-service/O=Portcullis Dev' }, revoked: true },
    ],
    revokedFingerprints: [pki.main.clients.leaked!.fingerprint256],
  });
}

describe('technical user mapping', () => {
  it('maps by subject DN whatever the order and spelling, with default and own roles', async () => {
    const d = map().identify(await x509('billing'));
    expect(d.ok && d.user).toMatchObject({ id: 'billing-service', roles: ['TechnicalUser', 'Billing'] });
  });

  it('maps by a SAN entry', async () => {
    const d = map().identify(await x509('reporting'));
    expect(d.ok && d.user.id).toBe('reporting');
  });

  it('maps by SHA-256 fingerprint', async () => {
    const d = map().identify(await x509('pinned'));
    expect(d.ok && d.user.id).toBe('pinned');
  });

  it('refuses an unknown certificate', async () => {
    const d = map().identify(await x509('stranger'));
    expect(!d.ok && d.error.code).toBe('TECHNICAL_USER_UNKNOWN');
    expect(!d.ok && d.error.statusCode).toBe(403);
  });

  it('refuses a user revoked by configuration', async () => {
    const d = map().identify(await x509('retired'));
    expect(!d.ok && d.error.code).toBe('TECHNICAL_USER_REVOKED');
  });

  it('refuses a revoked fingerprint even though its subject maps to a user', async () => {
    const d = map().identify(await x509('leaked'));
    expect(!d.ok && d.error.code).toBe('TECHNICAL_USER_REVOKED');
  });

  it('refuses expired and not-yet-valid certificates itself', async () => {
    const expired = map().identify(await x509('expired'));
    expect(!expired.ok && expired.error.code).toBe('CERT_UNTRUSTED');
    const future = map().identify(await x509('future'));
    expect(!future.ok && future.error.code).toBe('CERT_UNTRUSTED');
  });

  it('fails at start-up on bad entries, naming the path', () => {
    const bad = (users: unknown[], extra = {}) => () => createTechnicalUserMap({ users: users as never, ...extra }, 'engine.technicalUsers');
    expect(bad([{ id: 'x', match: {} }])).toThrow(expect.objectContaining({ code: 'OPTIONS_INVALID', path: 'engine.technicalUsers.users[0].match' }));
    expect(bad([{ id: 'x', match: { fingerprint256: 'abc' } }])).toThrow(expect.objectContaining({ path: 'engine.technicalUsers.users[0].match.fingerprint256' }));
    expect(bad([{ id: 'x', match: { san: 'spiffe://x' } }])).toThrow(expect.objectContaining({ path: 'engine.technicalUsers.users[0].match.san' }));
    expect(bad([{ id: 'x', match: { subject: 'nonsense' } }])).toThrow(expect.objectContaining({ path: 'engine.technicalUsers.users[0].match.subject' }));
    expect(bad([{ id: 'a', match: { san: 'DNS:a' } }, { id: 'a', match: { san: 'DNS:b' } }])).toThrow(expect.objectContaining({ path: 'engine.technicalUsers.users[1].id' }));
    expect(bad([], { revokedFingerprints: ['zz'] })).toThrow(expect.objectContaining({ path: 'engine.technicalUsers.revokedFingerprints[0]' }));
  });
});

describe('certificate names', () => {
  it('reads RFC 4514 and slash forms alike, escapes included', () => {
    expect(dnKeyFromText('CN=billing, O=Acme\\, Inc.')).toBe(dnKeyFromText('/O=Acme, Inc./CN=billing'));
    expect(dnKeyFromText('cn=Billing,o=ACME')).toBe(dnKeyFromText('CN=billing, O=Acme'));
    expect(dnKeyFromText('CN=billing')).not.toBe(dnKeyFromText('CN=billing, O=Acme'));
  });

  it('does not split a quoted SAN value into two entries', () => {
    const keys = sanKeysFromCertificate('DNS:"evil.test, DNS:good.test", URI:spiffe://x/y, IP Address:0:0:0:0:0:0:0:1');
    expect(keys).toEqual(['DNS:evil.test, dns:good.test', 'URI:spiffe://x/y', 'IP:::1']);
    expect(keys).not.toContain('DNS:good.test');
  });
});
