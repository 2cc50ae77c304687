/**
 * Coded errors of engine authorization. Codes (stable, never reused):
 * - AUTHZ_UNAUTHENTICATED (401): no verified identity on the request
 * - AUTHZ_DENIED (403): the policy refused; the message is the decision's reason
 * - AUTHZ_OPTIONS_INVALID (500, at start-up): bad plugin options
 * - AUTHZ_NOT_FOUND (404): the process instance or task the REST endpoint names does not exist
 * Unknown operations and resources surface as the policy engine's POLICY_UNKNOWN_OPERATION (400)
 * and POLICY_UNKNOWN_RESOURCE (404).
 */
export class AuthorizationError extends Error {
  readonly code: string;
  readonly statusCode: number;
  readonly expose: boolean;
  /** response headers, e.g. WWW-Authenticate on a 401 */
  readonly headers: Record<string, string>;

  constructor(code: string, statusCode: number, message: string, options: { cause?: unknown; headers?: Record<string, string> } = {}) {
    super(message, { cause: options.cause });
    this.name = 'AuthorizationError';
    this.code = code;
    this.statusCode = statusCode;
    this.expose = statusCode < 500;
    this.headers = options.headers ?? {};
  }
}

export class AuthorizationDeniedError extends AuthorizationError {
  /** the deciding rule's id, for the log (never sent beyond the message) */
  readonly rule?: string;
  constructor(message: string, rule?: string) {
    super('AUTHZ_DENIED', 403, message);
    this.name = 'AuthorizationDeniedError';
    this.rule = rule;
  }
}

export class AuthorizationUnauthenticatedError extends AuthorizationError {
  constructor() {
    super('AUTHZ_UNAUTHENTICATED', 401, 'a verified identity is required', { headers: { 'www-authenticate': 'Bearer' } });
    this.name = 'AuthorizationUnauthenticatedError';
  }
}

export class AuthorizationOptionsError extends AuthorizationError {
  constructor(path: string, message: string) {
    super('AUTHZ_OPTIONS_INVALID', 500, `${path}: ${message}`);
    this.name = 'AuthorizationOptionsError';
  }
}

export class AuthorizationNotFoundError extends AuthorizationError {
  constructor(message: string) {
    super('AUTHZ_NOT_FOUND', 404, message);
    this.name = 'AuthorizationNotFoundError';
  }
}
