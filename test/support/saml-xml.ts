import { createSign, randomBytes } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { DOMParser, XMLSerializer } from '@xmldom/xmldom';
import type { Element as XElement } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import type { KeyPair } from './saml-keys.js';

/**
 * The XML half of the test IdP: real SAML 2.0 responses and logout messages, signed with
 * xml-crypto (RSA-SHA256, exclusive c14n, enveloped signatures), and the tampering an
 * attacker would do to them after signing.
 */

export const NS_P = 'urn:oasis:names:tc:SAML:2.0:protocol';
export const NS_A = 'urn:oasis:names:tc:SAML:2.0:assertion';
export const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
const SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';
const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
export const AC_PASSWORD = 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport';
export const AC_MFA = 'https://refeds.org/profile/mfa';

export interface ResponseOptions {
  issuer: string;
  /** where the response is posted; also the default Recipient and Destination */
  acsUrl: string;
  /** the SP entity id (Audience) */
  audience: string;
  nameId: string;
  /** undefined: an unsolicited response */
  inResponseTo?: string;
  /** defaults to acsUrl; null leaves it out */
  destination?: string | null;
  recipient?: string;
  attributes?: Record<string, string | string[]>;
  /** raw XML appended inside the AttributeStatement, unescaped (markup-in-value attacks) */
  attributeXml?: string;
  /** raw XML placed inside the assertion after the AttributeStatement, unescaped (deep-nesting attacks) */
  assertionXml?: string;
  authnContextClassRef?: string;
  sessionIndex?: string;
  assertionId?: string;
  statusCode?: string;
  /** shift every time in the assertion (ms); negative makes it old */
  timeShiftMs?: number;
  /** lifetime of the assertion (ms) */
  lifetimeMs?: number;
  /** which element carries the signature */
  sign?: 'assertion' | 'response' | 'both' | 'none';
  /** the key that signs (default: the IdP's) */
  key: KeyPair;
  signatureAlgorithm?: string;
  digestAlgorithm?: string;
}

export const newId = () => `_${randomBytes(16).toString('hex')}`;

const esc = (v: string) => v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function buildResponse(o: ResponseOptions): string {
  const now = Date.now() + (o.timeShiftMs ?? 0);
  const iso = (ms: number) => new Date(ms).toISOString();
  const lifetime = o.lifetimeMs ?? 5 * 60_000;
  const irt = o.inResponseTo ? ` InResponseTo="${esc(o.inResponseTo)}"` : '';
  const destination = o.destination === null ? '' : ` Destination="${esc(o.destination ?? o.acsUrl)}"`;
  const attributes = Object.entries(o.attributes ?? {})
    .map(([name, v]) => {
      const values = (Array.isArray(v) ? v : [v]).map((x) => `<saml:AttributeValue>${esc(x)}</saml:AttributeValue>`).join('');
      return `<saml:Attribute Name="${esc(name)}">${values}</saml:Attribute>`;
    })
    .join('') + (o.attributeXml ?? '');
  const assertionId = o.assertionId ?? newId();
  const xml =
    `<samlp:Response xmlns:samlp="${NS_P}" xmlns:saml="${NS_A}" ID="${newId()}" Version="2.0" IssueInstant="${iso(now)}"${destination}${irt}>` +
    `<saml:Issuer>${esc(o.issuer)}</saml:Issuer>` +
    `<samlp:Status><samlp:StatusCode Value="${o.statusCode ?? 'urn:oasis:names:tc:SAML:2.0:status:Success'}"/></samlp:Status>` +
    `<saml:Assertion ID="${assertionId}" Version="2.0" IssueInstant="${iso(now)}">` +
    `<saml:Issuer>${esc(o.issuer)}</saml:Issuer>` +
    `<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified">${esc(o.nameId)}</saml:NameID>` +
    `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">` +
    `<saml:SubjectConfirmationData${irt} NotOnOrAfter="${iso(now + lifetime)}" Recipient="${esc(o.recipient ?? o.acsUrl)}"/>` +
    `</saml:SubjectConfirmation></saml:Subject>` +
    `<saml:Conditions NotBefore="${iso(now - 30_000)}" NotOnOrAfter="${iso(now + lifetime)}">` +
    `<saml:AudienceRestriction><saml:Audience>${esc(o.audience)}</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
    `<saml:AuthnStatement AuthnInstant="${iso(now)}" SessionIndex="${esc(o.sessionIndex ?? newId())}">` +
    `<saml:AuthnContext><saml:AuthnContextClassRef>${esc(o.authnContextClassRef ?? AC_PASSWORD)}</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
    (attributes ? `<saml:AttributeStatement>${attributes}</saml:AttributeStatement>` : '') +
    (o.assertionXml ?? '') +
    `</saml:Assertion></samlp:Response>`;
  const sign = o.sign ?? 'assertion';
  let out = xml;
  if (sign === 'assertion' || sign === 'both') out = signElement(out, 'Assertion', o);
  if (sign === 'response' || sign === 'both') out = signElement(out, 'Response', o);
  return out;
}

/** Enveloped signature on the element named, placed right after its Issuer as the schema wants. */
export function signElement(xml: string, localName: 'Assertion' | 'Response' | 'LogoutRequest', o: Pick<ResponseOptions, 'key' | 'signatureAlgorithm' | 'digestAlgorithm'>): string {
  const target = localName === 'Assertion' ? `//*[local-name(.)='Assertion']` : `/*[local-name(.)='${localName}']`;
  const sig = new SignedXml({
    privateKey: o.key.privateKey,
    publicCert: o.key.certificate,
    signatureAlgorithm: o.signatureAlgorithm ?? RSA_SHA256,
    canonicalizationAlgorithm: EXC_C14N,
  });
  sig.addReference({ xpath: target, transforms: [ENVELOPED, EXC_C14N], digestAlgorithm: o.digestAlgorithm ?? SHA256 });
  sig.computeSignature(xml, { prefix: 'ds', location: { reference: `${target}/*[local-name(.)='Issuer']`, action: 'after' } });
  return sig.getSignedXml();
}

export const toBase64 = (xml: string) => Buffer.from(xml, 'utf8').toString('base64');

// ---- tampering after signing -------------------------------------------------------------

function parse(xml: string) {
  return new DOMParser().parseFromString(xml, 'text/xml');
}
const serialize = (doc: unknown) => new XMLSerializer().serializeToString(doc as never);

function nameIdOf(doc: ReturnType<typeof parse>, index = 0): XElement {
  return doc.getElementsByTagNameNS(NS_A, 'NameID')[index] as XElement;
}

/** Change the NameID's text after the signature was made. */
export function replaceNameId(xml: string, value: string): string {
  const doc = parse(xml);
  const el = nameIdOf(doc);
  while (el.firstChild) el.removeChild(el.firstChild);
  el.appendChild(doc.createTextNode(value));
  return serialize(doc);
}

/**
 * Put a comment inside the NameID after signing: `alice@example.com.evil.test` becomes
 * `alice@example.com<!---->.evil.test`. Exclusive c14n drops comments, so the digest still
 * matches; a parser reading only the first text node would see `alice@example.com`.
 */
export function insertCommentInNameId(xml: string, at: number): string {
  const doc = parse(xml);
  const el = nameIdOf(doc);
  const text = el.textContent ?? '';
  while (el.firstChild) el.removeChild(el.firstChild);
  el.appendChild(doc.createTextNode(text.slice(0, at)));
  el.appendChild(doc.createComment(''));
  el.appendChild(doc.createTextNode(text.slice(at)));
  return serialize(doc);
}

/**
 * Signature wrapping: keep the signed assertion and add an unsigned copy naming another
 * user. `placement` "sibling-first" puts the forgery first at the top level; "hide-signed"
 * moves the signed original into an Extensions element and leaves the forgery in its place.
 */
export function wrapWithForgedAssertion(xml: string, otherNameId: string, placement: 'sibling-first' | 'hide-signed' = 'sibling-first'): string {
  const doc = parse(xml);
  const signed = doc.getElementsByTagNameNS(NS_A, 'Assertion')[0] as XElement;
  const forged = signed.cloneNode(true) as XElement;
  forged.setAttribute('ID', newId());
  const sig = forged.getElementsByTagNameNS('http://www.w3.org/2000/09/xmldsig#', 'Signature')[0];
  if (sig) forged.removeChild(sig);
  const nameId = forged.getElementsByTagNameNS(NS_A, 'NameID')[0] as XElement;
  while (nameId.firstChild) nameId.removeChild(nameId.firstChild);
  nameId.appendChild(doc.createTextNode(otherNameId));
  const response = signed.parentNode!;
  if (placement === 'sibling-first') {
    response.insertBefore(forged, signed);
  } else {
    const ext = doc.createElementNS(NS_P, 'samlp:Extensions');
    response.replaceChild(forged, signed);
    ext.appendChild(signed);
    response.insertBefore(ext, forged);
  }
  return serialize(doc);
}

/** Drop every Signature element (an "unsigned" response built from a signed one). */
export function stripSignatures(xml: string): string {
  const doc = parse(xml);
  const sigs = Array.from(doc.getElementsByTagNameNS('http://www.w3.org/2000/09/xmldsig#', 'Signature'));
  for (const s of sigs) s.parentNode?.removeChild(s);
  return serialize(doc);
}

// ---- logout messages ----------------------------------------------------------------------

export interface LogoutRequestOptions {
  issuer: string;
  destination: string;
  nameId: string;
  sessionIndex?: string;
  key: KeyPair;
}

export function buildLogoutRequest(o: Omit<LogoutRequestOptions, 'key'>): string {
  const now = new Date().toISOString();
  const si = o.sessionIndex ? `<samlp:SessionIndex>${esc(o.sessionIndex)}</samlp:SessionIndex>` : '';
  return (
    `<samlp:LogoutRequest xmlns:samlp="${NS_P}" xmlns:saml="${NS_A}" ID="${newId()}" Version="2.0" IssueInstant="${now}" Destination="${esc(o.destination)}">` +
    `<saml:Issuer>${esc(o.issuer)}</saml:Issuer>` +
    `<saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified">${esc(o.nameId)}</saml:NameID>${si}</samlp:LogoutRequest>`
  );
}

export function buildLogoutResponse(o: { issuer: string; destination: string; inResponseTo: string }): string {
  return (
    `<samlp:LogoutResponse xmlns:samlp="${NS_P}" xmlns:saml="${NS_A}" ID="${newId()}" Version="2.0" IssueInstant="${new Date().toISOString()}" Destination="${esc(o.destination)}" InResponseTo="${esc(o.inResponseTo)}">` +
    `<saml:Issuer>${esc(o.issuer)}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status></samlp:LogoutResponse>`
  );
}

/**
 * HTTP-Redirect binding: deflate + base64 the message and, with a key, sign the query
 * string (SAMLRequest|SAMLResponse, RelayState, SigAlg) with RSA-SHA256.
 */
export function redirectUrl(base: string, field: 'SAMLRequest' | 'SAMLResponse', xml: string, relayState: string | undefined, key?: KeyPair): string {
  let query = `${field}=${encodeURIComponent(deflateRawSync(Buffer.from(xml, 'utf8')).toString('base64'))}`;
  if (relayState !== undefined) query += `&RelayState=${encodeURIComponent(relayState)}`;
  if (key) {
    query += `&SigAlg=${encodeURIComponent(RSA_SHA256)}`;
    const signature = createSign('RSA-SHA256').update(query).sign(key.privateKey, 'base64');
    query += `&Signature=${encodeURIComponent(signature)}`;
  }
  return `${base}${base.includes('?') ? '&' : '?'}${query}`;
}
