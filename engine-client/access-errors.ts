/**
 * Coded errors of engine-client's access parts: client address, IP allow list, REST guard,
 * technical users and on-behalf-of propagation. Callers `switch (err.code)`; fastify renders
 * them from `statusCode` (and `headers`, so a 401 carries `WWW-Authenticate`).
 *
 * Codes (never reused):
 * - ACCESS_OPTION              a bad option at start-up; the message names its path (500, not exposed)
 * - ACCESS_IP_DENIED           the decided client address is not on the allow list (403)
 * - ACCESS_UNAUTHENTICATED     no valid identity on the request (401)
 * - ACCESS_ROLE_MISSING        the identity has none of the required roles (403)
 * - ACCESS_REST_DISABLED       the REST guard is not enabled, so REST access is closed (403)
 * - ACCESS_CERT_REQUIRED       no client certificate on an mTLS listener (401)
 * - ACCESS_CERT_UNTRUSTED      the certificate did not verify: other CA, expired, not yet valid (403)
 * - ACCESS_TECHNICAL_UNKNOWN   a verified certificate that maps to no technical user (403)
 * - ACCESS_TECHNICAL_REVOKED   the technical user or this certificate is revoked by configuration (403)
 * - OBO_NO_SUBJECT             no on-behalf-of user could be decided for a downstream call (500)
 * - OBO_DOWNSTREAM_FAILED      the downstream service could not be reached (502)
 * - OBO_DOWNSTREAM_TIMEOUT     the downstream service did not answer in time (504)
 */
export class AccessError extends Error {
  readonly code: string;
  readonly statusCode: number;
  /** true when the message is safe to show to the client */
  readonly expose: boolean;
  /** response headers fastify copies onto the reply */
  readonly headers?: Record<string, string>;
  /** for the log only; never shown to the client */
  readonly detail?: Record<string, unknown>;

  constructor(
    code: string,
    statusCode: number,
    message: string,
    extra: { cause?: unknown; headers?: Record<string, string>; detail?: Record<string, unknown> } = {},
  ) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = new.target.name;
    this.code = code;
    this.statusCode = statusCode;
    this.expose = statusCode < 500;
    if (extra.headers) this.headers = extra.headers;
    if (extra.detail) this.detail = extra.detail;
  }
}

/** A bad option, found at start-up. The message starts with the option's path. */
export class AccessOptionError extends AccessError {
  readonly path: string;
  constructor(path: string, problem: string, cause?: unknown) {
    super('ACCESS_OPTION', 500, `${path}: ${problem}`, { cause });
    this.path = path;
  }
}

export class IpDeniedError extends AccessError {
  constructor(address: string, detail?: Record<string, unknown>) {
    super('ACCESS_IP_DENIED', 403, `client address ${address} is not on the allow list`, { detail });
  }
}

export class UnauthenticatedError extends AccessError {
  constructor(message = 'a valid identity is required', scheme = 'Bearer') {
    super('ACCESS_UNAUTHENTICATED', 401, message, {
      headers: { 'www-authenticate': `${scheme} error="invalid_request", error_description="identity required"` },
    });
  }
}

export class RoleMissingError extends AccessError {
  constructor(required: readonly string[], detail?: Record<string, unknown>) {
    super('ACCESS_ROLE_MISSING', 403, `one of the roles ${required.join(', ')} is required`, { detail });
  }
}

export class RestDisabledError extends AccessError {
  constructor() {
    super('ACCESS_REST_DISABLED', 403, 'REST access is not enabled on this engine');
  }
}

export class CertificateRequiredError extends AccessError {
  constructor() {
    super('ACCESS_CERT_REQUIRED', 401, 'a client certificate is required');
  }
}

export class CertificateUntrustedError extends AccessError {
  constructor(why: string, detail?: Record<string, unknown>) {
    super('ACCESS_CERT_UNTRUSTED', 403, `the client certificate is not trusted: ${why}`, { detail });
  }
}

export class TechnicalUserUnknownError extends AccessError {
  constructor(detail?: Record<string, unknown>) {
    super('ACCESS_TECHNICAL_UNKNOWN', 403, 'the client certificate belongs to no technical user', { detail });
  }
}

export class TechnicalUserRevokedError extends AccessError {
  constructor(detail?: Record<string, unknown>) {
    super('ACCESS_TECHNICAL_REVOKED', 403, 'the client certificate or its technical user is revoked', { detail });
  }
}

export class OboNoSubjectError extends AccessError {
  constructor() {
    super('OBO_NO_SUBJECT', 500, 'no on-behalf-of user could be decided for the downstream call');
  }
}

export class DownstreamFailedError extends AccessError {
  constructor(target: string, cause?: unknown) {
    super('OBO_DOWNSTREAM_FAILED', 502, `downstream service ${target} could not be reached`, { cause });
  }
}

export class DownstreamTimeoutError extends AccessError {
  constructor(target: string, timeoutMs: number, cause?: unknown) {
    super('OBO_DOWNSTREAM_TIMEOUT', 504, `downstream service ${target} did not answer within ${timeoutMs} ms`, {
      cause,
    });
  }
}
