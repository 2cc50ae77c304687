/**
 * The errors of engine-client: one base with a stable `code`, an HTTP `statusCode`, `expose`
 * (whether the message may reach the client: status < 500) and the original failure as
 * `cause`. Callers `switch (err.code)`; codes are never reused for another meaning.
 *
 * A refused token is a 401 whose `headers` carry an RFC 6750 `WWW-Authenticate` value that
 * names why, so fastify's error handler (which copies `err.headers`) renders it unchanged.
 * Messages never contain the token, a claim value that could be a secret, or a key.
 */

export const ERROR_CODES = {
  /** no token in the request (401, no `error=` in WWW-Authenticate, as RFC 6750 §3.1 asks) */
  TOKEN_MISSING: 401,
  /** not a compact JWS, bad base64url/JSON, no `kid`, or too long */
  TOKEN_MALFORMED: 401,
  /** `exp` passed (beyond the clock tolerance), or older than `maxTokenAgeSeconds` */
  TOKEN_EXPIRED: 401,
  /** `nbf` or `iat` in the future (beyond the clock tolerance) */
  TOKEN_NOT_YET_VALID: 401,
  /** the signature does not verify with the key the `kid` names */
  TOKEN_BAD_SIGNATURE: 401,
  /** `alg` not in the allow-list (includes `none` and every HS* algorithm) */
  TOKEN_ALG_NOT_ALLOWED: 401,
  /** `iss` is not the configured issuer */
  TOKEN_WRONG_ISSUER: 401,
  /** `aud` does not name this engine */
  TOKEN_WRONG_AUDIENCE: 401,
  /** no trusted key has the token's `kid` (after one JWKS refetch) */
  TOKEN_UNKNOWN_KID: 401,
  /** the header's `typ` is missing or not one of the accepted types (a JWT minted for another purpose) */
  TOKEN_TYPE_NOT_ALLOWED: 401,
  /** a contract claim is missing or has the wrong type (sub, jti, roles, ...) */
  TOKEN_CLAIM_INVALID: 401,
  /** no verified identity on the request where one is required (optional token absent, route opted out) */
  IDENTITY_REQUIRED: 401,
  /** the caller lacks every role a route requires */
  ROLE_REQUIRED: 403,
  /** the decided client address is not on the allow list */
  IP_DENIED: 403,
  /** the REST guard is not enabled, so REST access is closed */
  REST_DISABLED: 403,
  /** no client certificate on an mTLS listener */
  CERT_REQUIRED: 401,
  /** the certificate did not verify: other CA, expired, not yet valid */
  CERT_UNTRUSTED: 403,
  /** a verified certificate that maps to no technical user */
  TECHNICAL_USER_UNKNOWN: 403,
  /** the technical user or this certificate is revoked by configuration */
  TECHNICAL_USER_REVOKED: 403,
  /** the policy refused; the message is the decision's reason */
  AUTHZ_DENIED: 403,
  /** the process instance or task a policy REST endpoint names does not exist */
  AUTHZ_NOT_FOUND: 404,
  /** no on-behalf-of user could be decided for a downstream call */
  OBO_NO_SUBJECT: 500,
  /** the downstream service could not be reached */
  OBO_DOWNSTREAM_FAILED: 502,
  /** the downstream service did not answer in time */
  OBO_DOWNSTREAM_TIMEOUT: 504,
  /** every endpoint of a pool is down (or failed during this call) */
  POOL_ALL_DOWN: 503,
  /** no identity-backend endpoint answered (all down, timeouts, TLS failures) */
  IDENTITY_BACKEND_UNAVAILABLE: 503,
  /** token forwarding is configured but the call carries no caller token */
  IDENTITY_BACKEND_CALLER_MISSING: 401,
  /** the caller's Basic credential has characters the configured encoding cannot hold */
  IDENTITY_BACKEND_CALLER_UNENCODABLE: 400,
  /** the identity backend answered 401/403 to our credentials */
  IDENTITY_BACKEND_REFUSED: 502,
  /** the identity backend answered something unusable (status, JSON, size) */
  IDENTITY_BACKEND_BAD_ANSWER: 502,
  /** the JWKS URL could not be reached in time (network error, timeout) */
  JWKS_UNAVAILABLE: 503,
  /** the JWKS URL answered, but not with a usable key set */
  JWKS_INVALID: 502,
  /** the vault has no credential of that name for the token's user (the message names the key) */
  VAULT_CREDENTIAL_MISSING: 404,
  /** the gateway refused the vault call: the token is not (or no longer) valid there, or not allowed */
  VAULT_REFUSED: 403,
  /** the gateway's vault API could not be reached, or answered something unusable */
  VAULT_UNAVAILABLE: 503,
  /** bad options at start-up; the message names the option's path */
  OPTIONS_INVALID: 500,
  /** a development shortcut was asked for under NODE_ENV=production */
  DEV_MODE_IN_PRODUCTION: 500,
} as const;

export type EngineClientErrorCode = keyof typeof ERROR_CODES;

const STATUS_TEXT: Record<number, string> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export class EngineClientError extends Error {
  readonly code: EngineClientErrorCode;
  readonly statusCode: number;
  readonly expose: boolean;
  /** response headers fastify copies onto the reply (WWW-Authenticate for 401s) */
  readonly headers?: Record<string, string>;

  constructor(code: EngineClientErrorCode, message: string, options: { cause?: unknown; headers?: Record<string, string> | undefined } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.statusCode = ERROR_CODES[code];
    this.expose = this.statusCode < 500;
    if (options.headers) this.headers = options.headers;
  }

  /** the HTTP reason phrase of `statusCode` (the `error` field of fastify's error body) */
  get error(): string {
    return STATUS_TEXT[this.statusCode] ?? 'Error';
  }
}

/** Quote a value for an auth-param (RFC 9110 quoted-string): no quotes or backslashes inside. */
function quoted(value: string): string {
  return '"' + value.replace(/[\\"]/g, '').replace(/[^\x20-\x7e]/g, '') + '"';
}

/** `Bearer realm="x", error="invalid_token", error_description="token expired"` */
export function bearerChallenge(params: { realm?: string; error?: string; description?: string }): string {
  const parts: string[] = [];
  if (params.realm) parts.push(`realm=${quoted(params.realm)}`);
  if (params.error) parts.push(`error=${quoted(params.error)}`);
  if (params.description) parts.push(`error_description=${quoted(params.description)}`);
  return parts.length ? `Bearer ${parts.join(', ')}` : 'Bearer';
}

/** The codes of a refused token. */
export type TokenErrorCode = Extract<EngineClientErrorCode, `TOKEN_${string}`>;

/**
 * A refused token (401). `reason` is the short phrase that goes into `error_description`
 * and into the message, e.g. "token expired".
 */
export class TokenError extends EngineClientError {
  /** the short reason (also the WWW-Authenticate error_description) */
  readonly reason: string;

  constructor(code: TokenErrorCode, reason: string, options: { cause?: unknown; realm?: string } = {}) {
    const challenge =
      code === 'TOKEN_MISSING'
        ? bearerChallenge({ realm: options.realm })
        : bearerChallenge({ realm: options.realm, error: 'invalid_token', description: reason });
    super(code, reason, { cause: options.cause, headers: { 'www-authenticate': challenge } });
    this.name = 'TokenError';
    this.reason = reason;
  }

  /** The `WWW-Authenticate` value of this refusal. */
  get wwwAuthenticate(): string {
    return this.headers!['www-authenticate'];
  }

  /** The same refusal with a realm in its challenge (the plugin adds its configured realm). */
  withRealm(realm: string | undefined): TokenError {
    if (!realm) return this;
    return new TokenError(this.code as ConstructorParameters<typeof TokenError>[0], this.reason, { cause: this.cause, realm });
  }
}

/** 403: a verified caller without any of the roles a route requires. */
export class RoleRequiredError extends EngineClientError {
  readonly requiredRoles: readonly string[];

  constructor(requiredRoles: readonly string[]) {
    super(
      'ROLE_REQUIRED',
      requiredRoles.length === 1
        ? `this resource requires the role '${requiredRoles[0]}'`
        : `this resource requires one of the roles ${requiredRoles.map((r) => `'${r}'`).join(', ')}`,
      { headers: { 'www-authenticate': bearerChallenge({ error: 'insufficient_scope', description: 'role required' }) } },
    );
    this.name = 'RoleRequiredError';
    this.requiredRoles = requiredRoles;
  }
}

/** The JWKS endpoint could not be used: 503 when unreachable, 502 when its answer is unusable. */
export class JwksError extends EngineClientError {
  constructor(code: 'JWKS_UNAVAILABLE' | 'JWKS_INVALID', message: string, cause?: unknown) {
    super(code, message, { cause, headers: code === 'JWKS_UNAVAILABLE' ? { 'retry-after': '5' } : undefined });
    this.name = 'JwksError';
  }
}

/** Bad options at start-up. `path` is the option's path, e.g. `identity.roleMap.admin`. */
export class OptionsError extends EngineClientError {
  readonly path: string;

  constructor(path: string, problem: string, cause?: unknown) {
    super('OPTIONS_INVALID', `${path}: ${problem}`, { cause });
    this.name = 'OptionsError';
    this.path = path;
  }
}

/** A development shortcut refused under NODE_ENV=production. */
export class DevModeError extends EngineClientError {
  constructor(message: string) {
    super('DEV_MODE_IN_PRODUCTION', message);
    this.name = 'DevModeError';
  }
}

/** 401: a guard needs a verified caller and the request has none (no token where it was optional). */
export class IdentityRequiredError extends EngineClientError {
  constructor(message = 'a verified identity is required', scheme = 'Bearer') {
    super('IDENTITY_REQUIRED', message, { headers: { 'www-authenticate': `${scheme} error="invalid_request", error_description="identity required"` } });
  }
}

/** Every engine-client error, whichever module threw it, is an EngineClientError. */
export function isEngineClientError(value: unknown): value is EngineClientError {
  return value instanceof EngineClientError;
}
