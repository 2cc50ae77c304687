import { createHash } from 'node:crypto';
import { Agent, request } from 'undici';
import { OptionsError } from '../errors.js';
import { AllEndpointsDownError, EndpointPool } from '../pool/index.js';
import { EndpointUnreachableError } from '../pool/failure.js';
import { IdentityBackendError } from './errors.js';
import { ResultCache } from './result-cache.js';
import { charsetOf, forwardedCredential, type CredentialEncoding } from './forwarded-credential.js';
import {
  IDENTITY_BACKEND_DEFAULTS,
  type CacheOptions,
  type CallOptions,
  type IdentityBackend,
  type IdentityRecord,
  type PoolOptions,
} from './types.js';

/** A technical user: mutual TLS with its own client certificate (optionally its own endpoints). */
export interface TechnicalUserAuth {
  cert: string | Buffer;
  key: string | Buffer;
  passphrase?: string;
  /** endpoints that accept client certificates; the backend's endpoints when absent */
  endpoints?: string[];
}

/**
 * How the client authenticates to the identity service:
 * - `forward-token`: every call carries the calling user's token (the service decides what
 *   that user may see); cached answers are kept per caller, never shared between callers. A call
 *   without a caller (a timer, a job) uses `technicalUser` when configured, and fails with
 *   IDENTITY_BACKEND_CALLER_MISSING otherwise. `encoding` says how a Basic credential is sent on
 *   (forwarded-credential.ts);
 * - `technical-user`: every call as the technical user; the caller's token is never forwarded.
 */
export type HttpBackendAuth =
  | { type: 'forward-token'; header?: string; encoding?: CredentialEncoding; technicalUser?: TechnicalUserAuth }
  | ({ type: 'technical-user' } & TechnicalUserAuth);

export interface HttpIdentityBackendOptions {
  name?: string;
  /** base URLs of the service, e.g. `https://idm-1.internal/api` */
  endpoints: string[];
  auth: HttpBackendAuth;
  /** CA(s) trusted for https endpoints; the system store when absent */
  ca?: string | Buffer;
  /** name expected in the server certificate when the URLs use addresses */
  serverName?: string;
  pool?: PoolOptions;
  /** `false` switches caching off */
  cache?: CacheOptions | false;
  connectTimeoutMs?: number;
  /** limit for the whole request, answer included */
  requestTimeoutMs?: number;
  maxResponseBytes?: number;
  /** path templates below each base URL; `{login}` and `{group}` are percent-encoded */
  paths?: { user?: string; groups?: string; groupMembers?: string };
}

/** Percent-encode a path segment, dots included, so `..` cannot climb out of the path. */
function segment(value: string): string {
  return encodeURIComponent(value).replace(/\./g, '%2E');
}

function positive(value: number | undefined, fallback: number, path: string): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v <= 0) throw new OptionsError(path, 'must be a positive number');
  return v;
}

function checkOptions(o: HttpIdentityBackendOptions): void {
  if (!Array.isArray(o.endpoints) || o.endpoints.length === 0) throw new OptionsError('endpoints', 'at least one endpoint URL is needed');
  o.endpoints.forEach((e, i) => {
    let u: URL;
    try {
      u = new URL(e);
    } catch {
      throw new OptionsError(`endpoints[${i}]`, 'must be an http:// or https:// URL');
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new OptionsError(`endpoints[${i}]`, 'must be an http:// or https:// URL');
    if (o.auth?.type === 'technical-user' && u.protocol !== 'https:') {
      throw new OptionsError(`endpoints[${i}]`, 'a technical user authenticates by client certificate, which needs https://');
    }
  });
  if (!o.auth || (o.auth.type !== 'forward-token' && o.auth.type !== 'technical-user')) {
    throw new OptionsError('auth.type', "must be 'forward-token' or 'technical-user'");
  }
  if (o.auth.type === 'technical-user' && (!o.auth.cert || !o.auth.key)) {
    throw new OptionsError('auth.cert', 'a technical user needs its client certificate and key');
  }
  if (o.auth.type === 'forward-token') {
    if (o.auth.encoding !== undefined) {
      try {
        charsetOf(o.auth.encoding);
      } catch (err) {
        throw new OptionsError('auth.encoding', (err as Error).message);
      }
    }
    const t = o.auth.technicalUser;
    if (t !== undefined) {
      if (!t.cert || !t.key) throw new OptionsError('auth.technicalUser.cert', 'a technical user needs its client certificate and key');
      (t.endpoints ?? o.endpoints).forEach((e, i) => {
        let https = false;
        try {
          https = new URL(e).protocol === 'https:';
        } catch {
          /* reported below */
        }
        if (!https) throw new OptionsError(t.endpoints ? `auth.technicalUser.endpoints[${i}]` : `endpoints[${i}]`, 'a technical user authenticates by client certificate, which needs https://');
      });
    }
  }
  for (const [k, v] of Object.entries(o.paths ?? {})) {
    if (typeof v !== 'string' || !v.startsWith('/')) throw new OptionsError(`paths.${k}`, 'must be a path starting with "/"');
  }
}

/** An identity service speaking JSON over HTTP(S), reached through the endpoint pool. */
export function createHttpIdentityBackend(options: HttpIdentityBackendOptions): IdentityBackend {
  checkOptions(options);
  const D = IDENTITY_BACKEND_DEFAULTS;
  const name = options.name ?? 'identity-backend';
  const connectTimeoutMs = positive(options.connectTimeoutMs, D.connectTimeoutMs, 'connectTimeoutMs');
  const requestTimeoutMs = positive(options.requestTimeoutMs, D.requestTimeoutMs, 'requestTimeoutMs');
  const maxBytes = positive(options.maxResponseBytes, D.maxResponseBytes, 'maxResponseBytes');
  const paths = { ...D.paths, ...options.paths };
  const auth = options.auth;
  const forwardHeader = (auth.type === 'forward-token' ? auth.header : undefined)?.toLowerCase() ?? D.forwardHeader;

  const encoding = auth.type === 'forward-token' ? (auth.encoding ?? 'automatic') : 'automatic';
  const makeAgent = (technical?: TechnicalUserAuth) =>
    new Agent({
      connect: {
        timeout: connectTimeoutMs,
        ca: options.ca,
        servername: options.serverName,
        rejectUnauthorized: true,
        ...(technical ? { cert: technical.cert, key: technical.key, passphrase: technical.passphrase } : {}),
      },
      headersTimeout: requestTimeoutMs,
      bodyTimeout: requestTimeoutMs,
    });
  const makePool = (endpoints: string[], suffix = '') =>
    new EndpointPool<string>({
      name: name + suffix,
      endpoints: endpoints.map((url) => ({ id: url, target: url.replace(/\/+$/, '') })),
      loadBalance: options.pool?.loadBalance ?? D.loadBalance,
      sticky: options.pool?.sticky ?? D.sticky,
      retryIntervalMs: options.pool?.retryIntervalMs ?? D.retryIntervalMs,
    });
  const agent = makeAgent(auth.type === 'technical-user' ? auth : undefined);
  const pool = makePool(options.endpoints);
  // the technical user of a forward-token backend, for calls without a caller
  const fallbackUser = auth.type === 'forward-token' ? auth.technicalUser : undefined;
  const technical = fallbackUser ? { agent: makeAgent(fallbackUser), pool: makePool(fallbackUser.endpoints ?? options.endpoints, ' (technical user)') } : undefined;
  const cache = new ResultCache(options.cache);

  /** Header to send and the cache partition it implies (answers never cross callers). */
  interface Route {
    headers: Record<string, string>;
    partition: string;
    agent: Agent;
    pool: EndpointPool<string>;
  }
  function credentials(call: CallOptions): Route {
    if (auth.type === 'technical-user') return { headers: {}, partition: 'technical', agent, pool };
    const value = forwardedCredential(call.caller, encoding, name);
    if (!value) {
      if (technical) return { headers: {}, partition: 'technical', ...technical };
      throw new IdentityBackendError('IDENTITY_BACKEND_CALLER_MISSING', `${name}: this identity backend needs the calling user's token (or a technicalUser for calls without one)`);
    }
    return { headers: { [forwardHeader]: value }, partition: createHash('sha256').update(value).digest('base64url').slice(0, 22), agent, pool };
  }

  async function fetchJson(base: string, path: string, headers: Record<string, string>, dispatcher: Agent): Promise<unknown> {
    let res: Awaited<ReturnType<typeof request>>;
    try {
      res = await request(base + path, {
        method: 'GET',
        dispatcher,
        headers: { accept: 'application/json', ...headers },
        signal: AbortSignal.timeout(requestTimeoutMs),
      });
    } catch (err) {
      const timeout = /timeout/i.test(`${(err as Error)?.name} ${(err as { code?: string })?.code}`);
      throw new EndpointUnreachableError(timeout ? 'IDENTITY_BACKEND_TIMEOUT' : 'IDENTITY_BACKEND_UNREACHABLE', `${base}: ${timeout ? 'timed out' : 'not reachable'}`, { cause: err });
    }
    const status = res.statusCode;
    if (status === 502 || status === 503 || status === 504) {
      await res.body.dump();
      throw new EndpointUnreachableError(`HTTP_${status}`, `${base}: answered ${status}`);
    }
    if (status === 404) {
      await res.body.dump();
      return null;
    }
    if (status === 401 || status === 403) {
      await res.body.dump();
      throw new IdentityBackendError('IDENTITY_BACKEND_REFUSED', `${name}: the identity backend refused our credentials (${status})`, { upstreamStatus: status });
    }
    if (status !== 200) {
      await res.body.dump();
      throw new IdentityBackendError('IDENTITY_BACKEND_BAD_ANSWER', `${name}: unexpected status ${status}`, { upstreamStatus: status });
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length;
        if (size > maxBytes) {
          res.body.destroy();
          throw new IdentityBackendError('IDENTITY_BACKEND_BAD_ANSWER', `${name}: answer larger than ${maxBytes} bytes`);
        }
        chunks.push(chunk as Buffer);
      }
    } catch (err) {
      if (err instanceof IdentityBackendError) throw err;
      throw new EndpointUnreachableError('IDENTITY_BACKEND_UNREACHABLE', `${base}: connection lost while reading the answer`, { cause: err });
    }
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch (err) {
      throw new IdentityBackendError('IDENTITY_BACKEND_BAD_ANSWER', `${name}: the answer is not JSON`, { cause: err });
    }
  }

  async function call<V>(op: string, arg: string, path: string, callOptions: CallOptions, parse: (json: unknown) => V): Promise<V | null> {
    const route = credentials(callOptions);
    const { headers, partition } = route;
    return cache.get(
      `${op}\u0000${arg}\u0000${partition}`,
      async () => {
        try {
          const json = await route.pool.run((base) => fetchJson(base, path, headers, route.agent), { key: callOptions.stickyKey ?? arg });
          return json === null ? null : parse(json);
        } catch (err) {
          if (err instanceof AllEndpointsDownError) {
            throw new IdentityBackendError('IDENTITY_BACKEND_UNAVAILABLE', `${name}: no endpoint is reachable`, { cause: err });
          }
          throw err;
        }
      },
      callOptions.noCache,
    );
  }

  const stringList = (json: unknown, key: string): string[] => {
    const list = Array.isArray(json) ? json : (json as Record<string, unknown> | null)?.[key];
    if (!Array.isArray(list) || !list.every((x) => typeof x === 'string')) {
      throw new IdentityBackendError('IDENTITY_BACKEND_BAD_ANSWER', `${name}: expected a list of strings (or {"${key}": [...]})`);
    }
    return list;
  };

  return {
    kind: 'http',
    name,
    getUser: (login, o = {}) =>
      call('user', login, paths.user.replace('{login}', segment(login)), o, (json): IdentityRecord => {
        const j = json as Record<string, unknown>;
        if (typeof j !== 'object' || j === null || typeof j.loginId !== 'string') {
          throw new IdentityBackendError('IDENTITY_BACKEND_BAD_ANSWER', `${name}: a user needs a string loginId`);
        }
        const attributes: Record<string, string> = {};
        for (const [k, v] of Object.entries((j.attributes as Record<string, unknown>) ?? {})) if (typeof v === 'string') attributes[k] = v;
        return {
          loginId: j.loginId,
          attributes,
          groups: j.groups === undefined ? [] : stringList(j.groups, 'groups'),
          ...(j.roles === undefined ? {} : { roles: stringList(j.roles, 'roles') }),
        };
      }),
    getGroups: (login, o = {}) => call('groups', login, paths.groups.replace('{login}', segment(login)), o, (json) => stringList(json, 'groups')),
    getGroupMembers: (group, o = {}) =>
      call('members', group, paths.groupMembers.replace('{group}', segment(group)), o, (json) => stringList(json, 'members')),
    state: () => (technical ? [...pool.state(), ...technical.pool.state()] : pool.state()),
    cacheStats: () => cache.stats(),
    clearCache: () => cache.clear(),
    close: async () => {
      await agent.close();
      await technical?.agent.close();
    },
  };
}
