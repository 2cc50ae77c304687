import { EngineClientError, OptionsError, RoleRequiredError, IdentityRequiredError, type EngineClientErrorCode } from './errors.js';

/**
 * Errors of engine-client's access parts: client address, IP allow list, REST guard,
 * technical users and on-behalf-of propagation. All are EngineClientErrors; their codes are in
 * the one table of errors.ts (docs/engine-client.md#error-codes). `detail` is for the log only.
 */
export class AccessError extends EngineClientError {
  /** for the log only; never shown to the client */
  readonly detail?: Record<string, unknown>;

  constructor(
    code: EngineClientErrorCode,
    message: string,
    extra: { cause?: unknown; headers?: Record<string, string>; detail?: Record<string, unknown> | undefined } = {},
  ) {
    super(code, message, { cause: extra.cause, headers: extra.headers });
    if (extra.detail) this.detail = extra.detail;
  }
}

/** A bad option, found at start-up: engine-client's OptionsError (OPTIONS_INVALID). */
export { OptionsError as AccessOptionError };
/** No identity on the request: IDENTITY_REQUIRED. */
export { IdentityRequiredError as UnauthenticatedError };

export class IpDeniedError extends AccessError {
  constructor(address: string, detail?: Record<string, unknown>) {
    super('IP_DENIED', `client address ${address} is not on the allow list`, { detail });
  }
}

/** The identity has none of the required roles: ROLE_REQUIRED, the same code as requireRoles. */
export class RoleMissingError extends RoleRequiredError {
  /** for the log only */
  readonly detail?: Record<string, unknown>;
  constructor(required: readonly string[], detail?: Record<string, unknown>) {
    super(required);
    if (detail) this.detail = detail;
  }
}

export class RestDisabledError extends AccessError {
  constructor() {
    super('REST_DISABLED', 'REST access is not enabled on this engine');
  }
}

export class CertificateRequiredError extends AccessError {
  constructor() {
    super('CERT_REQUIRED', 'a client certificate is required');
  }
}

export class CertificateUntrustedError extends AccessError {
  constructor(why: string, detail?: Record<string, unknown>) {
    super('CERT_UNTRUSTED', `the client certificate is not trusted: ${why}`, { detail });
  }
}

export class TechnicalUserUnknownError extends AccessError {
  constructor(detail?: Record<string, unknown>) {
    super('TECHNICAL_USER_UNKNOWN', 'the client certificate belongs to no technical user', { detail });
  }
}

export class TechnicalUserRevokedError extends AccessError {
  constructor(detail?: Record<string, unknown>) {
    super('TECHNICAL_USER_REVOKED', 'the client certificate or its technical user is revoked', { detail });
  }
}

export class OboNoSubjectError extends AccessError {
  constructor() {
    super('OBO_NO_SUBJECT', 'no on-behalf-of user could be decided for the downstream call');
  }
}

export class DownstreamFailedError extends AccessError {
  constructor(target: string, cause?: unknown) {
    super('OBO_DOWNSTREAM_FAILED', `downstream service ${target} could not be reached`, { cause });
  }
}

export class DownstreamTimeoutError extends AccessError {
  constructor(target: string, timeoutMs: number, cause?: unknown) {
    super('OBO_DOWNSTREAM_TIMEOUT', `downstream service ${target} did not answer within ${timeoutMs} ms`, {
      cause,
    });
  }
}
