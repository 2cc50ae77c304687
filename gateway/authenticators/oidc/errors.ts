import { GatewayError } from '../../errors.js';

/**
 * Every OIDC failure, coded. The browser only sees "login failed" (or "provider unavailable")
 * and an incident id; the code and the exact reason go to the log under that id. Codes are
 * stable and never reused.
 */
export const OIDC_ERROR_CODES = {
  /** options unusable at start-up, or the issuer's discovery document is wrong (names the option and URL) */
  config: 'OIDC_CONFIG_INVALID',
  /** the provider (discovery, token, userinfo or JWKS endpoint) cannot be reached or answered 5xx */
  unavailable: 'OIDC_PROVIDER_UNAVAILABLE',
  /** the callback lacks state or code, or carries something that cannot be a state */
  malformed: 'OIDC_CALLBACK_MALFORMED',
  /** the state names no login this gateway started, or one already finished or expired */
  unknownState: 'OIDC_STATE_UNKNOWN',
  /** the login was started in another browser (binding cookie missing or wrong) */
  browserMismatch: 'OIDC_BROWSER_MISMATCH',
  /** the provider answered the authorization with an error (user cancelled, access denied, ...) */
  providerError: 'OIDC_PROVIDER_ERROR',
  /** the token endpoint refused the code (replayed, expired, PKCE mismatch) */
  codeRefused: 'OIDC_CODE_REFUSED',
  /** the ID token failed a check: issuer, audience, azp, expiry, nonce, signature, algorithm */
  idToken: 'OIDC_ID_TOKEN_INVALID',
  /** the claim configured as the login id is missing or not a string */
  noLoginId: 'OIDC_LOGIN_ID_MISSING',
  /** a step-up login came back without the acr or amr that gives auth.strong */
  stepUpFailed: 'OIDC_STEP_UP_NOT_MET',
  /** a back-channel logout token that is malformed, badly signed, replayed or for someone else */
  logoutToken: 'OIDC_LOGOUT_TOKEN_INVALID',
  /** the provider refused a refresh token (revoked, user disabled): the session ends */
  refreshRefused: 'OIDC_REFRESH_REFUSED',
} as const;
export type OidcErrorCode = (typeof OIDC_ERROR_CODES)[keyof typeof OIDC_ERROR_CODES];

/** The OIDC area's error base. */
export class OidcError extends GatewayError {
  constructor(code: OidcErrorCode, statusCode: number, message: string, cause?: unknown) {
    super(code, statusCode, message, { cause });
    this.name = 'OidcError';
  }
}

/** Something the browser or the provider brought that this gateway will not accept. */
export class OidcRefusedError extends OidcError {
  constructor(code: OidcErrorCode, message: string, cause?: unknown) {
    super(code, code === OIDC_ERROR_CODES.malformed ? 400 : 401, message, cause);
    this.name = 'OidcRefusedError';
  }
}

/** The provider cannot be reached: 503, the page says so, and nothing redirects on its own. */
export class OidcProviderUnavailableError extends OidcError {
  constructor(message: string, cause?: unknown) {
    super(OIDC_ERROR_CODES.unavailable, 503, message, cause);
    this.name = 'OidcProviderUnavailableError';
  }
}

/** Bad OIDC options or a wrong issuer: fails the start, naming the option's path. */
export class OidcConfigError extends OidcError {
  readonly path: string;
  constructor(path: string, message: string, cause?: unknown) {
    super(OIDC_ERROR_CODES.config, 500, `${path}: ${message}`, cause);
    this.name = 'OidcConfigError';
    this.path = path;
  }
}

export const refused = (code: OidcErrorCode, message: string, cause?: unknown) => new OidcRefusedError(code, message, cause);
