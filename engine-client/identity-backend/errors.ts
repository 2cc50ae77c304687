/**
 * Errors of the identity-backend client. One base with a stable `code`, `statusCode`,
 * `expose` (status < 500) and the original failure as `cause`. Bad options at start-up are
 * engine-client's `OptionsError` (OPTIONS_INVALID) naming the option's path.
 *
 * | code | status | when |
 * |---|---|---|
 * | IDENTITY_BACKEND_UNAVAILABLE | 503 | no endpoint answered (all down, timeouts, TLS failures) |
 * | IDENTITY_BACKEND_CALLER_MISSING | 401 | token forwarding is configured but the call carries no caller token |
 * | IDENTITY_BACKEND_REFUSED | 502 | the backend answered 401/403 to our credentials (`upstreamStatus`) |
 * | IDENTITY_BACKEND_BAD_ANSWER | 502 | the backend answered something unusable (status, JSON, size) |
 */
export const IDENTITY_BACKEND_ERROR_CODES = {
  IDENTITY_BACKEND_UNAVAILABLE: 503,
  IDENTITY_BACKEND_CALLER_MISSING: 401,
  IDENTITY_BACKEND_REFUSED: 502,
  IDENTITY_BACKEND_BAD_ANSWER: 502,
} as const;

export type IdentityBackendErrorCode = keyof typeof IDENTITY_BACKEND_ERROR_CODES;

export class IdentityBackendError extends Error {
  readonly code: IdentityBackendErrorCode;
  readonly statusCode: number;
  readonly expose: boolean;
  /** the backend's HTTP status, when it answered one */
  readonly upstreamStatus?: number;

  constructor(code: IdentityBackendErrorCode, message: string, options: { cause?: unknown; upstreamStatus?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'IdentityBackendError';
    this.code = code;
    this.statusCode = IDENTITY_BACKEND_ERROR_CODES[code];
    this.expose = this.statusCode < 500;
    if (options.upstreamStatus !== undefined) this.upstreamStatus = options.upstreamStatus;
  }
}
