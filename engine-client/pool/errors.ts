/**
 * Errors of the endpoint pool. Callers switch on `code`; `statusCode` is what a server
 * answers when the error reaches a client, `expose` says whether the message may be shown.
 */
export class PoolError extends Error {
  readonly code: string = 'POOL_ERROR';
  readonly statusCode: number = 500;
  get expose(): boolean {
    return this.statusCode < 500;
  }
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The pool was given options it cannot work with; names the option's path. */
export class PoolOptionsError extends PoolError {
  override readonly code = 'POOL_OPTIONS_INVALID';
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super(`${path}: ${problem}`);
  }
}

/** What the error says about one endpoint that is down. */
export interface DownEndpoint {
  id: string;
  /** ISO time the endpoint was marked down */
  downSince: string;
  /** ISO time it will be tried again */
  retryAt: string;
  /** code (never message text, which may carry a credential) of the last failure */
  lastFailure: string | null;
}

/**
 * Every endpoint is down (or failed during this request). 503: the client may try again
 * later; the operator's log line names the endpoints and since when they are down.
 */
export class AllEndpointsDownError extends PoolError {
  override readonly code = 'POOL_ALL_DOWN';
  override readonly statusCode = 503;
  constructor(
    readonly poolName: string,
    readonly down: DownEndpoint[],
    options?: { cause?: unknown },
  ) {
    super(
      `${poolName}: no endpoint is reachable (${down
        .map((d) => `${d.id} down since ${d.downSince}`)
        .join(', ')})`,
      options,
    );
  }
}
