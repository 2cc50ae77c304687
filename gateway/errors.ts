/**
 * The gateway's code table: every `GW_*` code the gateway answers or refuses to start with,
 * and its status (README "Errors"; test/engine-client/error-codes.test.ts checks the source
 * against it). Subsystems with their own files (users file, certs, CLI) keep their codes there.
 */
export const GATEWAY_ERROR_CODES = {
  GW_UNAUTHENTICATED: 401,
  GW_FORBIDDEN: 403,
  GW_IP_DENIED: 403,
  GW_LEVEL_INSUFFICIENT: 403,
  GW_CSRF_INVALID: 403,
  GW_BAD_REQUEST: 400,
  GW_BASIC_MALFORMED: 400,
  GW_BASIC_INVALID: 401,
  GW_LOGIN_THROTTLED: 429,
  GW_RATE_LIMITED: 429,
  GW_NOT_FOUND: 404,
  GW_SESSION_UNKNOWN: 404,
  GW_UPSTREAM_UNAVAILABLE: 502,
  GW_UPSTREAM_TIMEOUT: 504,
  GW_BACKEND_UNAVAILABLE: 503,
  GW_STORE_UNAVAILABLE: 503,
  GW_LDAP_UNAVAILABLE: 503,
  GW_LDAP_SERVICE_BIND_FAILED: 502,
  GW_LDAP_DIRECTORY_ERROR: 502,
  GW_INTERNAL: 500,
  GW_LDAP_CONFIG_INVALID: 500,
  GW_SIGNING_KEY_UNUSABLE: 500,
  GW_DEV_SHORTCUT_IN_PRODUCTION: 500,
  GW_AUTHENTICATOR_INVALID: 500,
  GW_CONFIG_INVALID: 500,
  GW_TEMPLATE_INVALID: 500,
  GW_BRANDING_INVALID: 500,
  GW_LOGIN_REFUSED: 403,
  GW_PASSWORD_EXPIRED: 403,
  GW_PASSWORD_MUST_CHANGE: 403,
  GW_ACCOUNT_LOCKED: 403,
  GW_ACCOUNT_DISABLED: 403,
  GW_ACCOUNT_EXPIRED: 403,
  GW_ACCOUNT_RESTRICTED: 403,
  GW_BODY_TOO_LARGE: 413,
  GW_APPROVAL_NOT_FOUND: 404,
  GW_APPROVAL_NOT_ALLOWED: 403,
  GW_APPROVAL_CLOSED: 409,
  GW_APPROVAL_UNAVAILABLE: 503,
  GW_STEP_UP: 401,
  GW_HOST_INVALID: 400,
  GW_HOST_NOT_ALLOWED: 400,
  GW_PATH_INVALID: 400,
  GW_PATH_AMBIGUOUS: 400,
  GW_PATH_TOO_LONG: 414,
  GW_SESSION_COOKIE_AMBIGUOUS: 400,
  GW_REQUEST_BODY_TIMEOUT: 408,
  GW_FORWARD_AUTH_BAD_REQUEST: 400,
  GW_FORWARD_AUTH_UNTRUSTED: 403,
  GW_UPSTREAM_BUSY: 503,
  GW_UPSTREAM_UNTRUSTED: 502,
  GW_TLS_INVALID: 500,
  GW_SOCKET_INVALID: 500,
  GW_CREDENTIAL_INVALID: 400,
  GW_CREDENTIAL_MISSING: 403,
  GW_CREDENTIAL_NOT_FOUND: 404,
  GW_VAULT_OFF: 404,
  GW_VAULT_KEY_UNUSABLE: 500,
  GW_VAULT_DECRYPT_FAILED: 500,
} as const;

export type GatewayErrorCode = keyof typeof GATEWAY_ERROR_CODES;

/**
 * The gateway's one error base. `expose` follows the status: a 4xx message is safe for the
 * client, a 5xx is logged in full and answered with a generic message.
 */
export class GatewayError extends Error {
  readonly code: string;
  readonly statusCode: number;
  readonly expose: boolean;
  /** extra response headers, e.g. Retry-After or WWW-Authenticate */
  readonly headers: Record<string, string>;

  constructor(code: string, statusCode: number, message: string, options: { cause?: unknown; headers?: Record<string, string> } = {}) {
    super(message, { cause: options.cause });
    this.name = 'GatewayError';
    this.code = code;
    this.statusCode = statusCode;
    this.expose = statusCode < 500;
    this.headers = options.headers ?? {};
  }
}

export const errors = {
  keyMissing: (message: string, cause?: unknown) => new GatewayError('GW_SIGNING_KEY_UNUSABLE', 500, message, { cause }),
  devShortcutInProduction: (what: string) =>
    new GatewayError('GW_DEV_SHORTCUT_IN_PRODUCTION', 500, `${what} is a development shortcut and refuses to run when NODE_ENV=production`),
  csrf: () => new GatewayError('GW_CSRF_INVALID', 403, 'the form has expired or was not sent by this site; reload the page and try again'),
  badRequest: (message: string) => new GatewayError('GW_BAD_REQUEST', 400, message),
  loginThrottled: (retryAfterSeconds: number) =>
    new GatewayError('GW_LOGIN_THROTTLED', 429, 'too many failed logins; try again later', {
      headers: { 'retry-after': String(retryAfterSeconds) },
    }),
  backendUnavailable: (message: string, cause?: unknown) => new GatewayError('GW_BACKEND_UNAVAILABLE', 503, message, { cause }),
  upstreamUnavailable: (message: string, cause?: unknown) => new GatewayError('GW_UPSTREAM_UNAVAILABLE', 502, message, { cause }),
  notFound: () => new GatewayError('GW_NOT_FOUND', 404, 'no route for this path'),
  config: (message: string) => new GatewayError('GW_CONFIG_INVALID', 500, message),
};
