import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SignedXml } from 'xml-crypto';
import { DOMParser } from '@xmldom/xmldom';
import { describe, expect, it } from 'vitest';
import { SAML_ERROR_CODES as C } from '../../../../gateway/authenticators/saml/errors.js';
import { parseIdpMetadata } from '../../../../gateway/authenticators/saml/idp-metadata.js';
import { preflightResponse } from '../../../../gateway/authenticators/saml/preflight.js';
import { toPemCertificate } from '../../../../gateway/authenticators/saml/settings.js';

const dir = join(import.meta.dirname, '../../../fixtures/saml');
const read = (p: string) => readFileSync(join(dir, p), 'utf8');
const metadata = parseIdpMetadata(read('idp-metadata.xml'));
const idpCert = toPemCertificate(metadata.certificates[0]!, 'fixture');

/** Each invalid fixture is named after its attack; this is the refusal it must get. */
const EXPECTED: Record<string, string> = {
  'comment-inside-nameid.xml': C.xmlComment,
  'doctype-entity-expansion.xml': C.malformed,
  'logout-request-not-a-response.xml': C.malformed,
  'processing-instruction-inside-assertion.xml': C.xmlComment,
  'sha1-signature.xml': C.weakAlgorithm,
  'signature-wrapping-forged-assertion-first.xml': C.wrapping,
  'signature-wrapping-signed-assertion-in-extensions.xml': C.wrapping,
};

describe('SAML static fixtures', () => {
  it('names every invalid fixture in the table', () => {
    expect(readdirSync(join(dir, 'invalid')).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const file of readdirSync(join(dir, 'invalid'))) {
    it(`refuses invalid/${file} before any signature is trusted`, () => {
      let code: string | undefined;
      try {
        preflightResponse(read(`invalid/${file}`));
      } catch (err) {
        code = (err as { code?: string }).code;
      }
      expect(code).toBe(EXPECTED[file]);
    });
  }

  for (const file of readdirSync(join(dir, 'valid'))) {
    it(`passes valid/${file}, and its signatures verify with the metadata certificate`, () => {
      const xml = read(`valid/${file}`);
      expect(preflightResponse(xml)).toMatchObject({ issuer: metadata.entityId, assertionCount: 1 });
      const doc = new DOMParser().parseFromString(xml, 'text/xml');
      const signatures = Array.from(doc.getElementsByTagNameNS('http://www.w3.org/2000/09/xmldsig#', 'Signature'));
      expect(signatures.length).toBeGreaterThan(0);
      for (const signature of signatures) {
        const sig = new SignedXml({ publicCert: idpCert });
        sig.loadSignature(signature as never);
        expect(sig.checkSignature(xml)).toBe(true);
      }
    });
  }
});

describe('IdP metadata import', () => {
  it('reads entity id, the HTTP-Redirect SSO and SLO locations and only the signing certificate', () => {
    expect(metadata).toMatchObject({
      entityId: 'https://idp.example.test/saml',
      ssoUrl: 'https://idp.example.test/saml/sso',
      sloUrl: 'https://idp.example.test/saml/slo',
    });
    expect(metadata.certificates).toHaveLength(1);
  });

  it('refuses metadata without an IdP, or with several IdPs and no entityId to choose', () => {
    expect(() => parseIdpMetadata('<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"/>')).toThrow(/IDPSSODescriptor/);
    const md = read('idp-metadata.xml');
    const entity = md.match(/<md:EntityDescriptor[\s\S]*<\/md:EntityDescriptor>/)![0];
    const doubled = md.replace('</md:EntitiesDescriptor>', `${entity.replace('https://idp.example.test/saml"', 'https://idp2.example.test/saml"')}</md:EntitiesDescriptor>`);
    expect(() => parseIdpMetadata(doubled)).toThrow(/several IdPs/);
    expect(parseIdpMetadata(doubled, 'https://idp2.example.test/saml').entityId).toBe('https://idp2.example.test/saml');
  });
});
