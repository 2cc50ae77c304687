import type { Element as XElement } from '@xmldom/xmldom';
import { SAML_ERROR_CODES as C, refused } from './errors.js';
import { NS, attr, childElements, descendants, firstChild, hasCommentOrInstruction, parseXmlStrict, textOf } from './xml.js';

/** Signature and digest algorithms accepted in IdP signatures: SHA-2 family only. */
export const ALLOWED_SIGNATURE_ALGORITHMS = new Set([
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512',
]);
export const ALLOWED_DIGEST_ALGORITHMS = new Set(['http://www.w3.org/2001/04/xmlenc#sha256', 'http://www.w3.org/2001/04/xmlenc#sha512']);

/** What the gateway reads from a response before any signature is checked. Untrusted. */
export interface ResponseEnvelope {
  /** Issuer of the Response, else of its assertion: only used to pick whose keys to check with */
  issuer?: string;
  inResponseTo?: string;
  destination?: string;
  responseSigned: boolean;
  statusCode?: string;
  assertionCount: number;
}

const MAX_RESPONSE_BYTES = 256 * 1024;

/** Decode the SAMLResponse form field into XML text. */
export function decodeSamlResponse(field: unknown): string {
  if (typeof field !== 'string' || field.length === 0) throw refused(C.malformed, 'SAMLResponse form field missing');
  if (field.length > MAX_RESPONSE_BYTES * 1.4) throw refused(C.malformed, 'SAMLResponse too large');
  if (!/^[A-Za-z0-9+/=\s]+$/.test(field)) throw refused(C.malformed, 'SAMLResponse is not base64');
  return Buffer.from(field, 'base64').toString('utf8');
}

/**
 * Structural checks on the raw response that node-saml does not make: one parse that
 * refuses DOCTYPEs, comments and processing instructions (the NameID-truncation trick
 * hides in a comment that canonicalization drops), SHA-1 anywhere in a signature, and
 * more than one assertion anywhere in the document (signature wrapping).
 */
export function preflightResponse(xml: string): ResponseEnvelope {
  let root: XElement;
  try {
    root = parseXmlStrict(xml).documentElement as unknown as XElement;
  } catch (err) {
    throw refused(C.malformed, `SAMLResponse is not well-formed XML: ${(err as Error).message}`, err);
  }
  if (root.namespaceURI !== NS.protocol || root.localName !== 'Response') {
    throw refused(C.malformed, `expected samlp:Response, got ${root.localName}`);
  }
  if (hasCommentOrInstruction(root)) throw refused(C.xmlComment, 'XML comment or processing instruction inside the response');

  for (const sm of descendants(root, NS.dsig, 'SignatureMethod')) {
    const alg = attr(sm, 'Algorithm') ?? '(none)';
    if (!ALLOWED_SIGNATURE_ALGORITHMS.has(alg)) throw refused(C.weakAlgorithm, `signature algorithm not allowed: ${alg}`);
  }
  for (const dm of descendants(root, NS.dsig, 'DigestMethod')) {
    const alg = attr(dm, 'Algorithm') ?? '(none)';
    if (!ALLOWED_DIGEST_ALGORITHMS.has(alg)) throw refused(C.weakAlgorithm, `digest algorithm not allowed: ${alg}`);
  }

  const assertions = descendants(root, NS.assertion, 'Assertion');
  const encrypted = descendants(root, NS.assertion, 'EncryptedAssertion');
  if (encrypted.length > 0) throw refused(C.refused, 'encrypted assertions are not supported (no SP decryption key)');
  const topLevel = childElements(root, NS.assertion, 'Assertion');
  if (assertions.length > 1 || assertions.length !== topLevel.length) {
    throw refused(C.wrapping, `${assertions.length} assertions in the response (${topLevel.length} at top level); exactly one is allowed`);
  }

  const status = firstChild(root, NS.protocol, 'Status');
  const statusCode = attr(status && firstChild(status, NS.protocol, 'StatusCode'), 'Value');
  const issuer = textOf(firstChild(root, NS.assertion, 'Issuer')) ?? textOf(topLevel[0] && firstChild(topLevel[0], NS.assertion, 'Issuer'));
  return {
    issuer,
    inResponseTo: attr(root, 'InResponseTo'),
    destination: attr(root, 'Destination'),
    responseSigned: childElements(root, NS.dsig, 'Signature').length > 0,
    statusCode,
    assertionCount: assertions.length,
  };
}
