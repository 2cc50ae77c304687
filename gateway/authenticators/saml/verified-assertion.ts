import type { Element as XElement } from '@xmldom/xmldom';
import { SAML_ERROR_CODES as C, refused } from './errors.js';
import { NS, attr, childElements, exactTextOf, firstChild, parseXmlStrict, textOf } from './xml.js';

const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';

/** What the gateway believes about the user: read only from the bytes the signature covered. */
export interface VerifiedAssertion {
  id: string;
  issuer: string;
  nameId: string;
  nameIdFormat?: string;
  nameQualifier?: string;
  spNameQualifier?: string;
  sessionIndex?: string;
  authnContextClassRef?: string;
  attributes: Record<string, string[]>;
  /** epoch ms after which the assertion is no longer good (for the replay cache's lifetime) */
  validUntil: number;
}

export interface AssertionExpectations {
  idpEntityId: string;
  acsUrl: string;
  /** the Response's InResponseTo (undefined for an unsolicited response) */
  inResponseTo?: string;
  clockSkewMs: number;
  now: number;
}

/**
 * Read the verified assertion and make the checks node-saml leaves out: the issuer is the
 * IdP whose key verified it, and a bearer SubjectConfirmation names this ACS as Recipient,
 * is still valid, and answers the same request as the Response.
 */
export function readVerifiedAssertion(verifiedXml: string, expect: AssertionExpectations): VerifiedAssertion {
  let assertion: XElement;
  try {
    assertion = parseXmlStrict(verifiedXml).documentElement as unknown as XElement;
  } catch (err) {
    throw refused(C.malformed, `verified assertion does not parse: ${(err as Error).message}`, err);
  }
  if (assertion.namespaceURI !== NS.assertion || assertion.localName !== 'Assertion') {
    throw refused(C.wrapping, 'the signed content is not an assertion');
  }
  const id = attr(assertion, 'ID');
  if (!id) throw refused(C.malformed, 'assertion has no ID');
  const issuer = textOf(firstChild(assertion, NS.assertion, 'Issuer'));
  if (issuer !== expect.idpEntityId) throw refused(C.unknownIssuer, `assertion issuer ${issuer ?? '(none)'} is not ${expect.idpEntityId}`);

  const subject = firstChild(assertion, NS.assertion, 'Subject');
  const nameIdEl = subject && firstChild(subject, NS.assertion, 'NameID');
  // taken exactly as signed: trimming would make ' bob' and 'bob' one user, so surrounding white space is refused
  const nameId = nameIdEl && exactTextOf(nameIdEl);
  if (!subject || !nameId) throw refused(C.noLoginId, 'assertion has no Subject NameID');
  if (nameId.trim() !== nameId) throw refused(C.noLoginId, 'the NameID has leading or trailing white space');

  const validUntil = checkBearerConfirmation(subject, expect);

  const authn = firstChild(assertion, NS.assertion, 'AuthnStatement');
  const ctx = authn && firstChild(authn, NS.assertion, 'AuthnContext');
  return {
    id,
    issuer,
    nameId,
    nameIdFormat: attr(nameIdEl, 'Format'),
    nameQualifier: attr(nameIdEl, 'NameQualifier'),
    spNameQualifier: attr(nameIdEl, 'SPNameQualifier'),
    sessionIndex: attr(authn, 'SessionIndex'),
    authnContextClassRef: textOf(ctx && firstChild(ctx, NS.assertion, 'AuthnContextClassRef')),
    attributes: readAttributes(assertion),
    validUntil,
  };
}

/** Returns the confirmation's NotOnOrAfter (ms). */
function checkBearerConfirmation(subject: XElement, expect: AssertionExpectations): number {
  const bearers = childElements(subject, NS.assertion, 'SubjectConfirmation').filter((sc) => attr(sc, 'Method') === BEARER);
  if (bearers.length === 0) throw refused(C.recipient, 'no bearer SubjectConfirmation');
  const problems: Array<{ code: (typeof C)[keyof typeof C]; message: string }> = [];
  for (const sc of bearers) {
    const data = firstChild(sc, NS.assertion, 'SubjectConfirmationData');
    const recipient = attr(data, 'Recipient');
    const notOnOrAfter = Date.parse(attr(data, 'NotOnOrAfter') ?? '');
    const notBefore = Date.parse(attr(data, 'NotBefore') ?? '');
    const scInResponseTo = attr(data, 'InResponseTo');
    if (recipient !== expect.acsUrl) {
      problems.push({ code: C.recipient, message: `Recipient ${recipient ?? '(none)'} is not ${expect.acsUrl}` });
    } else if (!Number.isFinite(notOnOrAfter)) {
      problems.push({ code: C.expired, message: 'SubjectConfirmationData has no NotOnOrAfter' });
    } else if (expect.now - expect.clockSkewMs >= notOnOrAfter) {
      problems.push({ code: C.expired, message: `SubjectConfirmationData expired at ${new Date(notOnOrAfter).toISOString()}` });
    } else if (Number.isFinite(notBefore) && expect.now + expect.clockSkewMs < notBefore) {
      problems.push({ code: C.expired, message: 'SubjectConfirmationData not yet valid' });
    } else if (scInResponseTo !== expect.inResponseTo) {
      problems.push({ code: C.inResponseTo, message: `SubjectConfirmationData InResponseTo ${scInResponseTo ?? '(none)'} does not match the response` });
    } else {
      return notOnOrAfter;
    }
  }
  const first = problems[0]!;
  throw refused(first.code, first.message);
}

/**
 * Attribute values exactly as the IdP wrote them: `"admins "` stays `"admins "` (it is not the
 * group `admins`), and a value with element content is refused rather than flattened into
 * text. Empty values are dropped. Only AttributeValue children of the Attribute count.
 */
function readAttributes(assertion: XElement): Record<string, string[]> {
  const out: Record<string, string[]> = Object.create(null);
  for (const statement of childElements(assertion, NS.assertion, 'AttributeStatement')) {
    for (const a of childElements(statement, NS.assertion, 'Attribute')) {
      const name = attr(a, 'Name');
      if (!name) continue;
      const values: string[] = [];
      for (const v of childElements(a, NS.assertion, 'AttributeValue')) {
        const text = exactTextOf(v);
        if (text === undefined) throw refused(C.malformed, `a value of attribute ${name} contains markup`);
        if (text.length > 0) values.push(text);
      }
      out[name] = [...(out[name] ?? []), ...values];
    }
  }
  return out;
}
