import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createVerify } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { DOMParser } from '@xmldom/xmldom';
import type { Element as XElement } from '@xmldom/xmldom';
import { testKeyPair } from './saml-keys.js';
import type { KeyPair } from './saml-keys.js';
import { AC_PASSWORD, NS_A, NS_P, buildLogoutResponse, buildResponse, redirectUrl, toBase64 } from './saml-xml.js';
import type { ResponseOptions } from './saml-xml.js';

export * from './saml-xml.js';
export { testKeyPair } from './saml-keys.js';

/** A user the IdP knows: what it asserts about them. */
export interface IdpUser {
  nameId: string;
  attributes?: Record<string, string | string[]>;
  authnContextClassRef?: string;
}

/** What the IdP read from an AuthnRequest (HTTP-Redirect binding). */
export interface ReceivedAuthnRequest {
  id: string;
  issuer?: string;
  acsUrl?: string;
  destination?: string;
  relayState?: string;
  signed: boolean;
  sigAlg?: string;
  signatureValid?: boolean;
}

export interface ReceivedLogoutRequest {
  id: string;
  nameId?: string;
  sessionIndex?: string;
  signed: boolean;
  signatureValid?: boolean;
}

export interface TestIdpOptions {
  entityId?: string;
  /** the SP's ACS; also where the SSO endpoint posts (AssertionConsumerServiceURL wins) */
  spAcsUrl: string;
  /** the SP entity id, used as Audience */
  spEntityId: string;
  /** the SP's single-logout endpoint, where LogoutResponses are sent */
  spSloUrl?: string;
  /** SP signing certificate: AuthnRequest / LogoutRequest query signatures are checked against it */
  spCertificate?: string;
  users?: Record<string, IdpUser>;
  /** name of the key pair (a second IdP needs its own) */
  keyName?: string;
}

/**
 * A SAML 2.0 identity provider for the tests: its own RSA key and certificate (openssl),
 * an SSO endpoint that inflates and parses the AuthnRequest and answers an auto-posting
 * HTML form with a response signed by xml-crypto, a single-logout endpoint, its metadata,
 * and builders for responses an attacker would tamper with.
 */
export class TestIdp {
  readonly key: KeyPair;
  readonly entityId: string;
  /** mutable: a test learns the SP URLs only once the gateway listens */
  options: TestIdpOptions;
  readonly users: Record<string, IdpUser>;
  currentUser = 'alice';
  /** overrides applied to the next responses the SSO endpoint builds */
  responseOverrides: Partial<ResponseOptions> = {};
  readonly authnRequests: ReceivedAuthnRequest[] = [];
  readonly logoutRequests: ReceivedLogoutRequest[] = [];
  #server: Server;
  #baseUrl = '';

  private constructor(options: TestIdpOptions) {
    this.options = options;
    this.key = testKeyPair(options.keyName ?? 'portcullis-test-idp');
    this.entityId = options.entityId ?? 'https://idp.test/saml';
    this.users = options.users ?? {
      alice: { nameId: 'alice', attributes: { mail: 'alice@example.test', givenName: 'Alice', groups: ['staff'] } },
      bob: { nameId: 'bob', attributes: { mail: 'bob@example.test', givenName: 'Bob', groups: ['staff', 'admins'] } },
    };
    this.#server = createServer((req, res) => {
      this.#handle(req.method ?? 'GET', req.url ?? '/')
        .then(({ status, headers, body }) => {
          res.writeHead(status, headers);
          res.end(body);
        })
        .catch((err: Error) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`test IdP error: ${err.message}`);
        });
    });
  }

  static async start(options: TestIdpOptions): Promise<TestIdp> {
    const idp = new TestIdp(options);
    await new Promise<void>((resolve) => idp.#server.listen(0, '127.0.0.1', resolve));
    idp.#baseUrl = `http://127.0.0.1:${(idp.#server.address() as AddressInfo).port}`;
    return idp;
  }

  get baseUrl() {
    return this.#baseUrl;
  }
  get ssoUrl() {
    return `${this.#baseUrl}/sso`;
  }
  get sloUrl() {
    return `${this.#baseUrl}/slo`;
  }
  get certificate() {
    return this.key.certificate;
  }

  /** A response as this IdP would send it for `user` (defaults filled in, signed assertion). */
  response(overrides: Partial<ResponseOptions> & { user?: string } = {}): string {
    const user = this.users[overrides.user ?? this.currentUser];
    if (!user) throw new Error(`test IdP: unknown user ${overrides.user ?? this.currentUser}`);
    return buildResponse({
      issuer: this.entityId,
      acsUrl: this.options.spAcsUrl,
      audience: this.options.spEntityId,
      nameId: user.nameId,
      attributes: user.attributes,
      authnContextClassRef: user.authnContextClassRef ?? AC_PASSWORD,
      key: this.key,
      ...this.responseOverrides,
      ...overrides,
    });
  }

  metadataXml(withSlo = true): string {
    const cert = this.key.certificate.replace(/-----(BEGIN|END) CERTIFICATE-----|\s+/g, '');
    const slo = withSlo ? `<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${this.sloUrl}"/>` : '';
    return (
      `<?xml version="1.0"?>\n<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${this.entityId}">` +
      `<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">` +
      `<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>` +
      slo +
      `<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${this.ssoUrl}"/>` +
      `</md:IDPSSODescriptor></md:EntityDescriptor>\n`
    );
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(method: string, rawUrl: string): Promise<IdpReply> {
    const url = new URL(rawUrl, this.#baseUrl);
    const query = rawUrl.split('?')[1] ?? '';
    if (method === 'GET' && url.pathname === '/metadata') {
      return { status: 200, headers: { 'content-type': 'application/samlmetadata+xml' }, body: this.metadataXml() };
    }
    if (method === 'GET' && url.pathname === '/sso') return this.#sso(url, query);
    if (method === 'GET' && url.pathname === '/slo') return this.#slo(url, query);
    return { status: 404, headers: { 'content-type': 'text/plain' }, body: 'not found' };
  }

  #sso(url: URL, query: string): IdpReply {
    const samlRequest = url.searchParams.get('SAMLRequest');
    if (!samlRequest) return { status: 400, headers: { 'content-type': 'text/plain' }, body: 'SAMLRequest missing' };
    const root = inflateToRoot(samlRequest);
    if (root.namespaceURI !== NS_P || root.localName !== 'AuthnRequest') return { status: 400, headers: {}, body: 'not an AuthnRequest' };
    const received: ReceivedAuthnRequest = {
      id: root.getAttribute('ID') ?? '',
      issuer: root.getElementsByTagNameNS(NS_A, 'Issuer')[0]?.textContent ?? undefined,
      acsUrl: root.getAttribute('AssertionConsumerServiceURL') ?? undefined,
      destination: root.getAttribute('Destination') ?? undefined,
      relayState: url.searchParams.get('RelayState') ?? undefined,
      ...this.#checkQuerySignature(url, query, 'SAMLRequest'),
    };
    this.authnRequests.push(received);
    const acsUrl = received.acsUrl ?? this.options.spAcsUrl;
    const xml = this.response({ inResponseTo: received.id, acsUrl });
    return { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: autoPostForm(acsUrl, { SAMLResponse: toBase64(xml), RelayState: received.relayState }) };
  }

  #slo(url: URL, query: string): IdpReply {
    const samlRequest = url.searchParams.get('SAMLRequest');
    if (!samlRequest) return { status: 200, headers: { 'content-type': 'text/plain' }, body: 'logged out at the IdP' };
    const root = inflateToRoot(samlRequest);
    const received: ReceivedLogoutRequest = {
      id: root.getAttribute('ID') ?? '',
      nameId: (root.getElementsByTagNameNS(NS_A, 'NameID')[0] as XElement | undefined)?.textContent ?? undefined,
      sessionIndex: root.getElementsByTagNameNS(NS_P, 'SessionIndex')[0]?.textContent ?? undefined,
      ...this.#checkQuerySignature(url, query, 'SAMLRequest'),
    };
    this.logoutRequests.push(received);
    if (!this.options.spSloUrl) return { status: 200, headers: { 'content-type': 'text/plain' }, body: 'logged out at the IdP' };
    const response = buildLogoutResponse({ issuer: this.entityId, destination: this.options.spSloUrl, inResponseTo: received.id });
    const location = redirectUrl(this.options.spSloUrl, 'SAMLResponse', response, url.searchParams.get('RelayState') ?? undefined, this.key);
    return { status: 302, headers: { location }, body: '' };
  }

  #checkQuerySignature(url: URL, query: string, field: string): { signed: boolean; sigAlg?: string; signatureValid?: boolean } {
    const signature = url.searchParams.get('Signature');
    const sigAlg = url.searchParams.get('SigAlg') ?? undefined;
    if (!signature) return { signed: false };
    if (!this.options.spCertificate) return { signed: true, sigAlg };
    const raw = Object.fromEntries(query.split('&').map((p) => [p.split('=')[0], p]));
    const signedPart = [raw[field], raw.RelayState, raw.SigAlg].filter(Boolean).join('&');
    const valid = createVerify('RSA-SHA256').update(signedPart).verify(this.options.spCertificate, signature, 'base64');
    return { signed: true, sigAlg, signatureValid: valid };
  }
}

type IdpReply = { status: number; headers: Record<string, string>; body: string };

function inflateToRoot(b64: string): XElement {
  const xml = inflateRawSync(Buffer.from(b64, 'base64')).toString('utf8');
  return new DOMParser().parseFromString(xml, 'text/xml').documentElement as unknown as XElement;
}

const escAttr = (v: string) => v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** The HTTP-POST binding: a form the browser submits on load. */
export function autoPostForm(action: string, fields: Record<string, string | undefined>): string {
  const inputs = Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `<input type="hidden" name="${escAttr(k)}" value="${escAttr(v!)}">`)
    .join('');
  return `<!doctype html><html><body onload="document.forms[0].submit()"><form method="post" action="${escAttr(action)}">${inputs}<noscript><button type="submit">Continue</button></noscript></form></body></html>`;
}

/** Read the action and hidden inputs of an auto-post form (what a browser would submit). */
export function parseAutoPostForm(html: string): { action: string; fields: Record<string, string> } {
  const action = /<form[^>]*action="([^"]*)"/.exec(html)?.[1];
  if (!action) throw new Error('no form in the IdP page');
  const unescape = (v: string) => v.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) fields[unescape(m[1]!)] = unescape(m[2]!);
  return { action: unescape(action), fields };
}

/** The AuthnRequest inside an HTTP-Redirect URL the SP sent the browser to. */
export function authnRequestFromUrl(location: string): { id: string; acsUrl?: string; relayState?: string; xml: string } {
  const url = new URL(location);
  const xml = inflateRawSync(Buffer.from(url.searchParams.get('SAMLRequest') ?? '', 'base64')).toString('utf8');
  const root = new DOMParser().parseFromString(xml, 'text/xml').documentElement as unknown as XElement;
  return { id: root.getAttribute('ID') ?? '', acsUrl: root.getAttribute('AssertionConsumerServiceURL') ?? undefined, relayState: url.searchParams.get('RelayState') ?? undefined, xml };
}
