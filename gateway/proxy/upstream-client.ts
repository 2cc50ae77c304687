import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Pool, type Dispatcher } from 'undici';
import type { Logger } from 'pino';
import type { UpstreamClientConfig } from '@portcullis/config/schema/upstream.js';
import { GatewayError } from '../errors.js';

/** Carries the client request's abort signal through reply-from's header object to this client. */
export const kAbortSignal = Symbol('portcullis.upstreamAbortSignal');

/** Methods a retry cannot change the meaning of (RFC 9110 §9.2.2). */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);
/** Failures that happen before the request's first byte is written: a retry cannot run it twice. */
const NOT_SENT = new Set(['ECONNREFUSED', 'EAI_AGAIN']);

type RequestCallback = (err: Error | null, data?: Dispatcher.ResponseData) => void;

interface ReplyFromRequest {
  path: string;
  method: string;
  headers: Record<string | symbol, unknown>;
  body?: unknown;
}

export interface UpstreamClientOptions {
  route: string;
  upstream: string;
  config: UpstreamClientConfig;
  configDir: string;
  log: Logger;
}

/**
 * One route's connection pool to its upstream, in the shape reply-from accepts as `undici`.
 * It adds what reply-from does not do: the client's abort cancels the upstream request,
 * one path cannot hold more than its share of the pool, and a request is retried at most
 * once, only when it is idempotent, bodiless and was never sent. Never on a response.
 */
export class UpstreamClient {
  readonly #pool: Pool;
  readonly #perPath: number;
  readonly #inFlight = new Map<string, number>();

  constructor(options: UpstreamClientOptions) {
    const { config } = options;
    const url = new URL(options.upstream);
    const tls = url.protocol === 'https:' ? tlsOptionsOf(options) : undefined;
    this.#perPath = config.maxInFlightPerPath ?? Math.max(1, Math.ceil(config.maxConnections / 2));
    this.#pool = new Pool(url.origin, {
      connections: config.maxConnections,
      pipelining: 1,
      connect: { timeout: config.connectTimeoutSeconds * 1000, ...tls },
      headersTimeout: config.responseHeadersTimeoutSeconds * 1000,
      bodyTimeout: config.idleTimeoutSeconds * 1000,
      keepAliveTimeout: 4_000,
    });
  }

  /** Called by reply-from for each proxied request. */
  request(req: ReplyFromRequest, callback: RequestCallback): void {
    const signal = req.headers[kAbortSignal] as AbortSignal | undefined;
    delete req.headers[kAbortSignal];
    if (signal?.aborted) return callback(abortError());
    const pathKey = req.path.split('?', 1)[0]!;
    const busy = this.#inFlight.get(pathKey) ?? 0;
    if (busy >= this.#perPath) {
      return callback(new GatewayError('GW_UPSTREAM_BUSY', 503, `too many requests to ${pathKey} are waiting for the upstream`));
    }
    this.#inFlight.set(pathKey, busy + 1);
    const done: RequestCallback = (err, data) => {
      const left = (this.#inFlight.get(pathKey) ?? 1) - 1;
      if (left <= 0) this.#inFlight.delete(pathKey);
      else this.#inFlight.set(pathKey, left);
      callback(err, data);
    };
    const bodiless = req.body === undefined || req.body === null || req.body === '';
    const options = {
      path: req.path,
      method: req.method as Dispatcher.HttpMethod,
      headers: req.headers as Record<string, string>,
      body: req.body as Dispatcher.DispatchOptions['body'],
      signal,
    };
    this.#pool.request(options, (err, data) => {
      if (err && bodiless && IDEMPOTENT.has(req.method) && NOT_SENT.has(codeOf(err)) && !signal?.aborted) {
        this.#pool.request(options, done);
        return;
      }
      done(err, data);
    });
  }

  /**
   * Send one request and hand its answer to `handler` as it streams in (the gateway's proxy
   * path), under the same rules as `request`: the path's share of the pool, and one retry when
   * the request is idempotent, bodiless and was never sent, never once the response began.
   */
  dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): void {
    const pathKey = options.path.split('?', 1)[0]!;
    const busy = this.#inFlight.get(pathKey) ?? 0;
    if (busy >= this.#perPath) {
      handler.onResponseError?.(undefined as never, new GatewayError('GW_UPSTREAM_BUSY', 503, `too many requests to ${pathKey} are waiting for the upstream`));
      return;
    }
    this.#inFlight.set(pathKey, busy + 1);
    const release = () => {
      const left = (this.#inFlight.get(pathKey) ?? 1) - 1;
      if (left <= 0) this.#inFlight.delete(pathKey);
      else this.#inFlight.set(pathKey, left);
    };
    const bodiless = options.body === undefined || options.body === null;
    let retried = false;
    let answered = false;
    let cancelled = false;
    const pool = this.#pool;
    const guarded: Dispatcher.DispatchHandler = {
      onRequestStart(controller, context) {
        handler.onRequestStart?.(controller, context);
        if (controller.aborted) cancelled = true;
      },
      onResponseStart(controller, statusCode, headers, statusMessage) {
        answered = true;
        handler.onResponseStart?.(controller, statusCode, headers, statusMessage);
      },
      onResponseData(controller, chunk) {
        handler.onResponseData?.(controller, chunk);
      },
      onResponseEnd(controller, trailers) {
        release();
        handler.onResponseEnd?.(controller, trailers);
      },
      onResponseError(controller, err) {
        if (!answered && !retried && !cancelled && !controller?.aborted && bodiless && IDEMPOTENT.has(options.method) && NOT_SENT.has(codeOf(err))) {
          retried = true;
          pool.dispatch(options, guarded);
          return;
        }
        release();
        handler.onResponseError?.(controller, err);
      },
    };
    pool.dispatch(options, guarded);
  }

  /** Requests to one path in flight now (tests and metrics). */
  inFlight(path: string): number {
    return this.#inFlight.get(path) ?? 0;
  }

  close(): Promise<void> {
    return this.#pool.destroy();
  }
}

function tlsOptionsOf(options: UpstreamClientOptions): { ca?: string; rejectUnauthorized: boolean; servername?: string } {
  const { tls } = options.config;
  if (tls.insecureSkipVerify) {
    options.log.warn(
      { route: options.route, upstream: new URL(options.upstream).origin },
      'UPSTREAM CERTIFICATE VERIFICATION IS OFF for this route (upstreamClient.tls.insecureSkipVerify): anyone on the path can impersonate the upstream and receive user tokens',
    );
    return { rejectUnauthorized: false };
  }
  if (!tls.caFile) return { rejectUnauthorized: true };
  const file = resolve(options.configDir, tls.caFile);
  try {
    return { ca: readFileSync(file, 'utf8'), rejectUnauthorized: true };
  } catch (err) {
    throw new GatewayError('GW_CONFIG_INVALID', 500, `routes[${options.route}].upstreamClient.tls.caFile: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

export function codeOf(err: unknown): string {
  return String((err as { code?: unknown } | undefined)?.code ?? '');
}

function abortError(): Error {
  return Object.assign(new Error('the client went away'), { code: 'UND_ERR_ABORTED' });
}
