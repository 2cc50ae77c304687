import { GatewayError } from '../../errors.js';

/**
 * Every SAML failure, coded. The user only ever sees "login failed" and an incident id; the
 * code and message go to the log under that id, so the message may name the exact check.
 * Codes are stable and never reused.
 */
export const SAML_ERROR_CODES = {
  /** configuration unusable at start-up (names the option's path) */
  config: 'SAML_CONFIG_INVALID',
  /** SAMLResponse missing, not base64, not XML, DOCTYPE, or not a Response */
  malformed: 'SAML_RESPONSE_MALFORMED',
  /** XML comments or processing instructions inside the message (NameID truncation tricks) */
  xmlComment: 'SAML_XML_COMMENT_REFUSED',
  /** SHA-1 (or another algorithm off the allow list) in a signature */
  weakAlgorithm: 'SAML_WEAK_ALGORITHM',
  /** Issuer names no configured identity provider */
  unknownIssuer: 'SAML_ISSUER_UNKNOWN',
  /** no valid signature by a configured IdP certificate over the assertion or the response */
  signature: 'SAML_SIGNATURE_INVALID',
  /** more than one assertion, or signed content that is not the assertion we read */
  wrapping: 'SAML_SIGNATURE_WRAPPING',
  /** InResponseTo names no request this gateway sent, or one already used */
  inResponseTo: 'SAML_IN_RESPONSE_TO_UNKNOWN',
  /** a response without InResponseTo when unsolicited responses are off */
  unsolicited: 'SAML_UNSOLICITED_REFUSED',
  /** the response answers a request another browser started (binding cookie missing or wrong) */
  browserMismatch: 'SAML_BROWSER_MISMATCH',
  /** the same assertion id (or IdP LogoutRequest id) seen before */
  replay: 'SAML_ASSERTION_REPLAYED',
  /** NotBefore / NotOnOrAfter / IssueInstant outside the allowed window */
  expired: 'SAML_ASSERTION_EXPIRED',
  audience: 'SAML_AUDIENCE_MISMATCH',
  recipient: 'SAML_RECIPIENT_MISMATCH',
  destination: 'SAML_DESTINATION_MISMATCH',
  /** the IdP answered a non-success status (user cancelled, no passive login, ...) */
  status: 'SAML_STATUS_NOT_SUCCESS',
  /** the assertion lacks the login id (NameID or configured attribute) */
  noLoginId: 'SAML_LOGIN_ID_MISSING',
  /** anything else node-saml refused */
  refused: 'SAML_RESPONSE_REFUSED',
  /** an IdP LogoutRequest that is unsigned, badly signed, or names an unknown IdP */
  logoutRequest: 'SAML_LOGOUT_REQUEST_INVALID',
} as const;
export type SamlErrorCode = (typeof SAML_ERROR_CODES)[keyof typeof SAML_ERROR_CODES];

/** The SAML area's error base. 4xx are refusals of what the browser brought. */
export class SamlError extends GatewayError {
  constructor(code: SamlErrorCode, statusCode: number, message: string, cause?: unknown) {
    super(code, statusCode, message, { cause });
    this.name = 'SamlError';
  }
}

/** A SAML response (or logout message) this gateway will not accept. */
export class SamlResponseRefusedError extends SamlError {
  constructor(code: SamlErrorCode, message: string, cause?: unknown) {
    super(code, code === SAML_ERROR_CODES.malformed ? 400 : 401, message, cause);
    this.name = 'SamlResponseRefusedError';
  }
}

/** Bad SAML options: fails the start with the option's path in the message. */
export class SamlConfigError extends SamlError {
  readonly path: string;
  constructor(path: string, message: string, cause?: unknown) {
    super(SAML_ERROR_CODES.config, 500, `${path}: ${message}`, cause);
    this.name = 'SamlConfigError';
    this.path = path;
  }
}

export const refused = (code: SamlErrorCode, message: string, cause?: unknown) => new SamlResponseRefusedError(code, message, cause);
