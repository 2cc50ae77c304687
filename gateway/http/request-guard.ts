import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { GatewayError } from '../errors.js';
import { canonicalTarget, type TargetDecision } from './request-target.js';

/**
 * The first look at every request, before routing and before any other hook: the request
 * target is replaced by its canonical form (request-target.ts) and refused when it is
 * ambiguous or too long; a request with two Host headers, or with a Host the gateway does
 * not answer to, is refused (400) before that Host can reach an engine as X-Forwarded-Host.
 */

const kRefusal = Symbol('portcullis.targetRefusal');
type GuardedMessage = IncomingMessage & { [kRefusal]?: Extract<TargetDecision, { ok: false }> };

/** Paths that answer whatever the Host: probes address a pod or a process by its IP. */
const PROBE_PATHS = new Set(['/healthz', '/readyz']);

export interface RequestGuardOptions {
  maxPathLength: number;
  /** the public URL (config or listen URL) and the address the gateway listens on */
  publicUrl: string;
  listenUrl: string;
  /** operator additions (`server.allowedHosts`) */
  allowedHosts: readonly string[];
  /**
   * Path prefixes whose Host names someone else's site: the forward-auth verify endpoint, where
   * a proxy (Envoy) sends the original Host. It answers trusted proxies only and judges that
   * Host by its routes, so the gateway's own host list does not apply there.
   */
  foreignHostPaths?: readonly string[];
}

/** For fastify's `rewriteUrl`: the canonical request target, or the raw one with the refusal noted. */
export function rewriteToCanonical(maxPathLength: number): (req: IncomingMessage) => string {
  return (req) => {
    const raw = req.url ?? '/';
    const decision = canonicalTarget(raw, maxPathLength);
    if (decision.ok) return decision.url;
    (req as GuardedMessage)[kRefusal] = decision;
    // route nowhere in particular: the onRequest hook refuses before any handler runs
    return '/';
  };
}

/** Host names (lower case, no port) the gateway answers to. */
export function allowedHostNames(options: Omit<RequestGuardOptions, 'maxPathLength'>): Set<string> {
  const names = new Set<string>();
  const add = (host: string) => names.add(hostName(host));
  add(new URL(options.publicUrl).host);
  const listen = new URL(options.listenUrl).hostname.replace(/^\[|\]$/g, '');
  add(new URL(options.listenUrl).host);
  // a loopback or wildcard listener is reached by every loopback spelling
  if (/^(127\.|::1$|localhost$|0\.0\.0\.0$|::$)/.test(listen)) for (const h of ['localhost', '127.0.0.1', '[::1]']) add(h);
  for (const h of options.allowedHosts) add(h);
  return names;
}

/** `Gw.Example:8443` → `gw.example`; `[::1]:80` → `[::1]`. */
function hostName(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const colon = h.lastIndexOf(':');
  return colon === -1 ? h : h.slice(0, colon);
}

export function registerRequestGuard(app: FastifyInstance, options: RequestGuardOptions): void {
  const hosts = allowedHostNames(options);
  const foreign = options.foreignHostPaths ?? [];
  // callback style, like every hook on the request path: no promise and microtask per request
  app.addHook('onRequest', (request: FastifyRequest, _reply, done) => done(guard(request)));
  const guard = (request: FastifyRequest): GatewayError | undefined => {
    const refusal = (request.raw as GuardedMessage)[kRefusal];
    if (refusal) return new GatewayError(refusal.code, refusal.statusCode, refusal.message);
    let hostHeaders = 0;
    const raw = request.raw.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) if (raw[i]!.length === 4 && raw[i]!.toLowerCase() === 'host') hostHeaders++;
    if (hostHeaders > 1) return new GatewayError('GW_HOST_INVALID', 400, 'the request has more than one Host header');
    const host = request.headers.host;
    const path = request.url.split('?')[0]!;
    if (host === undefined || PROBE_PATHS.has(path)) return undefined;
    if (foreign.some((prefix) => path === prefix || path.startsWith(prefix + '/'))) return undefined;
    if (!/^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?$/i.test(host) || !hosts.has(hostName(host))) {
      return new GatewayError('GW_HOST_NOT_ALLOWED', 400, 'this gateway does not answer to the Host the request names (see server.publicUrl and server.allowedHosts)');
    }
    return undefined;
  };
}
