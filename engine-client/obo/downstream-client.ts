import { Agent, request as undiciRequest, type Dispatcher } from 'undici';
import { AccessOptionError, DownstreamFailedError, DownstreamTimeoutError } from '../access-errors.js';
import type { ActorClaim } from '../token/claims.js';
import { decideOnBehalfOf, checkOboRule, type OboContext, type OboRule, type OboSubject } from './decide.js';
import { createOboTokenSigner, type OboTokenOptions, type OboTokenSigner } from './token.js';

export interface DownstreamClientOptions {
  /** e.g. https://saas.example.test/api; request paths are resolved against it */
  baseUrl: string;
  /** header carrying the on-behalf-of user id; default `x-on-behalf-of` */
  oboHeader?: string;
  /** when set, every call also carries a signed on-behalf-of token */
  token?: {
    signer: OboTokenSigner | OboTokenOptions;
    /** default `authorization` */
    header?: string;
    /** default `Bearer`; '' for the bare token */
    scheme?: string;
  };
  /** the engine's client certificate (mTLS) and the CA the downstream server is checked against */
  tls?: { cert?: string | Buffer; key?: string | Buffer; passphrase?: string; ca?: string | Buffer | Array<string | Buffer>; servername?: string };
  /** per attempt, connect to last byte; default 10000 */
  timeoutMs?: number;
  /** replaces the default on-behalf-of rule (last human actor, starter, caller) */
  rule?: OboRule;
  /** for tests or a shared pool; default an Agent of its own */
  dispatcher?: Dispatcher;
}

export const DOWNSTREAM_DEFAULTS = Object.freeze({ oboHeader: 'x-on-behalf-of', tokenHeader: 'authorization', scheme: 'Bearer', timeoutMs: 10_000 });

export interface DownstreamCall {
  method?: Dispatcher.HttpMethod;
  /** relative to baseUrl */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** the context the on-behalf-of user is decided from ... */
  context?: OboContext;
  /** ... or the user, decided already */
  onBehalfOf?: OboSubject | string;
  /** the `act` of the engine's own caller, kept as the nested actor */
  priorActor?: ActorClaim;
}

export interface DownstreamAnswer {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  onBehalfOf: OboSubject;
  json<T = unknown>(): T;
}

export interface DownstreamClient {
  call(call: DownstreamCall): Promise<DownstreamAnswer>;
  close(): Promise<void>;
}

/**
 * A client for calls from an engine to another service, saying on whose behalf: the user id
 * in a header, optionally a short-lived signed token naming the engine as actor, optionally
 * over mTLS with the engine's certificate. Caller-given headers can never set the
 * on-behalf-of header or the token header; those are always the client's own.
 */
export function createDownstreamClient(options: DownstreamClientOptions, path = 'downstream'): DownstreamClient {
  let base: URL;
  try {
    base = new URL(options.baseUrl);
  } catch (cause) {
    throw new AccessOptionError(`${path}.baseUrl`, 'must be a URL', cause);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new AccessOptionError(`${path}.baseUrl`, 'must be http or https');
  const oboHeader = headerName(options.oboHeader ?? DOWNSTREAM_DEFAULTS.oboHeader, `${path}.oboHeader`);
  const tokenHeader = options.token ? headerName(options.token.header ?? DOWNSTREAM_DEFAULTS.tokenHeader, `${path}.token.header`) : undefined;
  const scheme = options.token?.scheme ?? DOWNSTREAM_DEFAULTS.scheme;
  const signer = options.token
    ? 'sign' in options.token.signer
      ? options.token.signer
      : createOboTokenSigner(options.token.signer, `${path}.token.signer`)
    : undefined;
  const timeoutMs = options.timeoutMs ?? DOWNSTREAM_DEFAULTS.timeoutMs;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw new AccessOptionError(`${path}.timeoutMs`, 'must be a positive integer');
  const rule = checkOboRule(options.rule, `${path}.rule`);
  const ownAgent = options.dispatcher ? undefined : new Agent({ connect: { ...(options.tls ?? {}), timeout: timeoutMs } });
  const dispatcher = options.dispatcher ?? ownAgent!;
  const target = base.host;
  const baseDir = base.href.endsWith('/') ? base : new URL(`${base.href}/`);

  return {
    async call(call) {
      const onBehalfOf =
        call.onBehalfOf !== undefined
          ? typeof call.onBehalfOf === 'string'
            ? { userId: call.onBehalfOf, reason: 'custom' as const }
            : call.onBehalfOf
          : decideOnBehalfOf(call.context ?? {}, rule);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(call.headers ?? {})) {
        const lower = name.toLowerCase();
        if (lower === oboHeader || lower === tokenHeader) continue; // never the caller's choice
        headers[lower] = value;
      }
      headers[oboHeader] = headerValue(onBehalfOf.userId);
      if (signer && tokenHeader) {
        const token = await signer.sign(onBehalfOf, call.priorActor);
        headers[tokenHeader] = scheme === '' ? token : `${scheme} ${token}`;
      }
      const url = new URL(call.path.replace(/^\/+/, ''), baseDir);
      // a path may not climb out of the configured base (`../admin`) or name another host
      if (url.origin !== base.origin || !url.pathname.startsWith(baseDir.pathname)) {
        throw new AccessOptionError('path', 'must stay under the downstream base URL');
      }
      try {
        const res = await undiciRequest(url, {
          method: call.method ?? 'GET',
          headers,
          body: call.body,
          dispatcher,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        });
        const body = await res.body.text();
        return {
          statusCode: res.statusCode,
          headers: res.headers,
          body,
          onBehalfOf,
          json: <T>() => JSON.parse(body) as T,
        };
      } catch (cause) {
        const code = (cause as { code?: string }).code ?? '';
        if (/TIMEOUT/.test(code)) throw new DownstreamTimeoutError(target, timeoutMs, cause);
        throw new DownstreamFailedError(target, cause);
      }
    },
    async close() {
      await ownAgent?.close();
    },
  };
}

function headerName(name: string, path: string): string {
  if (typeof name !== 'string' || !/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) throw new AccessOptionError(path, 'must be a header name');
  return name.toLowerCase();
}

/** The user id as is when it is printable ASCII; otherwise percent-encoded (UTF-8), so no header can be split. */
function headerValue(userId: string): string {
  return /^[\x21-\x7e]+$/.test(userId) ? userId : encodeURIComponent(userId);
}
