/**
 * Deciding whether an error means "this endpoint is unreachable" (fail over) or "the
 * endpoint answered" (a wrong password, not found: hand the answer back, stay put).
 */

/**
 * Throw this (or set `failover: true` on any error) from work to make the pool fail over. Not an
 * EngineClientError on purpose: it is a signal to the pool, its `code` a failure label for pool
 * state and logs; a caller sees it only as the `cause` of POOL_ALL_DOWN / IDENTITY_BACKEND_UNAVAILABLE.
 */
export class EndpointUnreachableError extends Error {
  readonly code: string;
  readonly failover = true;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EndpointUnreachableError';
    this.code = code;
  }
}

/** Socket-level codes from node and undici that say the endpoint did not answer. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_ABORTED',
]);

/** The default classifier: explicit `failover` flag first, then well-known socket codes. */
export function isConnectionFailure(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { failover?: unknown; code?: unknown; name?: unknown; cause?: unknown };
  if (typeof e.failover === 'boolean') return e.failover;
  if (typeof e.code === 'string' && CONNECTION_CODES.has(e.code)) return true;
  if (e.name === 'TimeoutError' || e.name === 'ConnectTimeoutError') return true;
  return e.cause !== undefined && e.cause !== err ? isConnectionFailure(e.cause) : false;
}

/** A short, secret-free label of a failure for state and logs: the code, else the class name. */
export function failureLabel(err: unknown): string {
  if (typeof err === 'object' && err !== null) {
    const e = err as { code?: unknown; name?: unknown };
    if (typeof e.code === 'string' || typeof e.code === 'number') return String(e.code);
    if (typeof e.name === 'string') return e.name;
  }
  return 'unknown';
}
