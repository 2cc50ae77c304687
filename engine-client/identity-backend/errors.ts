/**
 * Errors of the identity-backend client: engine-client's one base with a stable `code`, `statusCode`,
 * `expose` (status < 500) and the original failure as `cause`. Bad options at start-up are
 * engine-client's `OptionsError` (OPTIONS_INVALID) naming the option's path.
 *
 * | code | status | when |
 * |---|---|---|
 * | IDENTITY_BACKEND_UNAVAILABLE | 503 | no endpoint answered (all down, timeouts, TLS failures) |
 * | IDENTITY_BACKEND_CALLER_MISSING | 401 | token forwarding is configured, the call carries no caller token and no technicalUser is configured |
 * | IDENTITY_BACKEND_CALLER_UNENCODABLE | 400 | the caller's Basic credential has characters the configured encoding cannot hold |
 * | IDENTITY_BACKEND_REFUSED | 502 | the backend answered 401/403 to our credentials (`upstreamStatus`) |
 * | IDENTITY_BACKEND_BAD_ANSWER | 502 | the backend answered something unusable (status, JSON, size) |
 */
import { ERROR_CODES, EngineClientError } from '../errors.js';

/** This module's part of engine-client's one code table (errors.ts). */
export const IDENTITY_BACKEND_ERROR_CODES = {
  IDENTITY_BACKEND_UNAVAILABLE: ERROR_CODES.IDENTITY_BACKEND_UNAVAILABLE,
  IDENTITY_BACKEND_CALLER_MISSING: ERROR_CODES.IDENTITY_BACKEND_CALLER_MISSING,
  IDENTITY_BACKEND_CALLER_UNENCODABLE: ERROR_CODES.IDENTITY_BACKEND_CALLER_UNENCODABLE,
  IDENTITY_BACKEND_REFUSED: ERROR_CODES.IDENTITY_BACKEND_REFUSED,
  IDENTITY_BACKEND_BAD_ANSWER: ERROR_CODES.IDENTITY_BACKEND_BAD_ANSWER,
} as const;

export type IdentityBackendErrorCode = keyof typeof IDENTITY_BACKEND_ERROR_CODES;

export class IdentityBackendError extends EngineClientError {
  declare readonly code: IdentityBackendErrorCode;
  /** the backend's HTTP status, when it answered one */
  readonly upstreamStatus?: number;

  constructor(code: IdentityBackendErrorCode, message: string, options: { cause?: unknown; upstreamStatus?: number } = {}) {
    super(code, message, { cause: options.cause });
    if (options.upstreamStatus !== undefined) this.upstreamStatus = options.upstreamStatus;
  }
}
