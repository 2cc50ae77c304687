import { EngineClientError, OptionsError, type EngineClientErrorCode } from '../errors.js';

/**
 * Errors of the endpoint pool, all EngineClientErrors (codes in errors.ts's one table).
 * Callers switch on `code`; `statusCode` is what a server answers when the error reaches a
 * client, `expose` says whether the message may be shown.
 */
export class PoolError extends EngineClientError {
  constructor(code: EngineClientErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** The pool was given options it cannot work with: OPTIONS_INVALID naming the option's path. */
export class PoolOptionsError extends OptionsError {}

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
  constructor(
    readonly poolName: string,
    readonly down: DownEndpoint[],
    options?: { cause?: unknown },
  ) {
    super(
      'POOL_ALL_DOWN',
      `${poolName}: no endpoint is reachable (${down
        .map((d) => `${d.id} down since ${d.downSince}`)
        .join(', ')})`,
      options,
    );
  }
}
