import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ForwardAuthConfig } from '@portcullis/config/schema/forward-auth.js';
import type { RouteConfig } from '@portcullis/config/schema/routes.js';
import type { Chain } from '@portcullis/filters/chain.js';
import type { Filter, RouteView } from '@portcullis/filters/types.js';
import type { Reason } from '@portcullis/policies/reasons.js';
import { clientAddressOf, createAddressSet, createClientAddressResolver, normalizeAddress } from '@portcullis/engine-client/client-ip';
import type { GatewayContext } from '../context.js';
import type { PageUser } from '../pages/pages.js';
import { sendRefusal, type RefusalOptions } from '../http/refusal.js';
import { markUpstreamResponse } from '../http/security-headers.js';
import { SOCKET_PEER_ADDRESS, viaLocalSocket } from '../ops/socket-listener.js';
import { requestView } from '../http/request-view.js';
import type { MutableFilterContext, RouteDecider } from '../http/route-decision.js';
import { originalRequestOf, type OriginalRequest } from './original-request.js';
import { createRouteMatcher } from './route-match.js';
import { answerHeaders, cacheHeaders, refusalHeader } from './answer.js';

export interface ForwardAuthRoute {
  route: RouteConfig;
  view: RouteView;
  chain: Chain;
  decider: RouteDecider;
}

export interface ForwardAuthOptions {
  config: ForwardAuthConfig;
  /** server.trustedProxies: peers whose X-Forwarded-For is believed on the gateway's own paths */
  serverTrustedProxies: readonly string[];
  routes: readonly ForwardAuthRoute[];
  refusal: RefusalOptions;
}

/** Filters whose decision depends on more than who the caller is: their answers are never marked cacheable. */
const UNCACHEABLE_FILTERS = new Set(['ip-allow-list', 'rate-limit']);

/**
 * The verify endpoint reverse proxies ask before they proxy a request themselves:
 * `<path>` for nginx `auth_request`, Caddy `forward_auth` and Traefik `forwardAuth`
 * (original request in headers), `<path>/envoy/<original target>` for Envoy `ext_authz`.
 * It runs the matched route's chain exactly as the proxy path does and answers 200 with
 * the headers the upstream should receive, or the refusal. Only the configured trusted
 * proxies are answered: from anyone else the forwarded headers could say anything. With
 * `forwardAuth.socket` the same endpoint also answers on a Unix socket (ops/main-listener.ts).
 */
export async function registerForwardAuth(app: FastifyInstance, gw: GatewayContext, options: ForwardAuthOptions): Promise<void> {
  const { config } = options;
  const trusted = createAddressSet(config.trustedProxies, 'forwardAuth.trustedProxies');
  // the client behind the proxy, from X-Forwarded-For written by a trusted proxy
  const resolveClient = createClientAddressResolver({ trustedProxies: [...options.serverTrustedProxies, ...config.trustedProxies] }, 'forwardAuth');
  // a proxy on the Unix socket is one too: its X-Forwarded-For names the client
  const resolveSocketClient = createClientAddressResolver({ trustedProxies: [...options.serverTrustedProxies, ...config.trustedProxies, SOCKET_PEER_ADDRESS] }, 'forwardAuth');
  const match = createRouteMatcher(options.routes);
  const cacheable = new Set(options.routes.filter((r) => !allFilters(r.chain).some((name) => UNCACHEABLE_FILTERS.has(name))).map((r) => r.route.name));

  const verify = async (request: FastifyRequest, reply: FastifyReply, envoy?: { target: string; method: string }) => {
    // on the Unix socket the file's permissions decided who may ask; on TCP, trustedProxies does
    const local = viaLocalSocket(request.raw);
    const peer = local ? SOCKET_PEER_ADDRESS : normalizeAddress(request.socket.remoteAddress);
    if (!local && (peer === undefined || !trusted.has(peer))) {
      request.log.warn({ peer }, 'forward authentication refused: the caller is not a trusted proxy');
      return reply.code(403).header('cache-control', 'no-store').send({
        statusCode: 403,
        code: 'GW_FORWARD_AUTH_UNTRUSTED',
        error: 'Forbidden',
        message: 'the verify endpoint answers only the proxies named in forwardAuth.trustedProxies',
      });
    }
    const original = originalRequestOf(request.headers, envoy);
    // built only for a refusal: most answers are a yes
    const refusal = (): RefusalOptions => ({
      ...options.refusal,
      browserLogin: envoy || (request.query as Record<string, unknown>).browser === 'redirect' ? 'redirect' : 'status',
      returnTo: original.uri,
    });
    const found = match(original.host, original.path);
    const asked = originalView(request, original);
    reply.header('cache-control', 'no-store');
    if (!found) {
      return refuse(asked, reply, { code: 'forbidden', message: 'no route serves this address', detail: { host: original.host, path: original.path } }, refusal());
    }
    const ctx: MutableFilterContext = {
      request: asked,
      route: found.view,
      subject: undefined,
      clientAddress: clientAddressOf(request, local ? resolveSocketClient : resolveClient).address,
      upstreamHeaders: {},
      removeHeaders: new Set(),
      state: new Map(),
    };
    const refused = await found.decider.decide(asked, ctx);
    if (refused) return refuse(asked, reply, refused, refusal(), ctx.subject);

    const caller = ctx.caller;
    // only a decision that rests on the session cookie alone may be kept by a proxy keyed by that cookie
    const keep = config.cacheSeconds > 0 && cacheable.has(found.route.name) && (caller === undefined || caller.sid !== undefined) ? config.cacheSeconds : 0;
    reply.headers(answerHeaders(ctx.upstreamHeaders));
    if (keep > 0) reply.headers(cacheHeaders(keep)); // no-store is set already
    // an empty answer the proxy reads and no browser renders: the page headers (CSP, framing) have nothing to protect
    markUpstreamResponse(request);
    return reply.code(200).send();
  };

  await app.register(async (scope) => {
    // Envoy may send the original body along; it plays no part in the decision
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, payload, done) => {
      payload.resume();
      payload.on('end', () => done(null, undefined));
    });
    scope.all(config.path, (request, reply) => verify(request, reply));
    const envoyPrefix = `${config.path}/envoy`;
    scope.all(`${envoyPrefix}/*`, (request, reply) => verify(request, reply, { target: request.url.slice(envoyPrefix.length), method: request.method }));
  });
}

function refuse(request: FastifyRequest, reply: FastifyReply, reason: Reason, options: RefusalOptions, caller?: PageUser): FastifyReply {
  // nginx drops the sub-request's body: the reason travels in a header its error_page can show
  reply.header('x-portcullis-refusal', refusalHeader(reason.message));
  return sendRefusal(request, reply, reason, options, caller);
}

/**
 * The request as the filters must see it: the original method, target and host, with
 * every other property (cookies, log, socket) of the sub-request itself.
 */
function originalView(request: FastifyRequest, original: OriginalRequest): FastifyRequest {
  const headers = request.headers;
  // nginx and Caddy pass the original Host: then there is nothing to copy
  const sameHost = headers.host !== undefined && headers.host.toLowerCase() === original.host;
  return requestView(request, { method: original.method, url: original.path + original.query, headers: sameHost ? headers : { ...headers, host: original.host }, host: original.host });
}

/** Filters whose work a proxy does itself in forward authentication: it strips and forwards, the gateway only answers. */
const PROXY_SIDE_FILTERS = new Set(['strip-identity-headers', 'forwarded-headers']);

/** The chain a forward-authentication decision runs: the route's, less what only shapes a request the gateway sends. */
export function forwardAuthChain(chain: Chain): Chain {
  // a 2xx lets the proxy send the request: a filter that would hold it for approval refuses it here
  const access = chain.access.map((f) => (f.holdsRequest ? refuseHeld(f) : f));
  return { ...chain, access, before: chain.before.filter((f) => !PROXY_SIDE_FILTERS.has(f.name)) };
}

function refuseHeld(filter: Filter): Filter {
  return {
    ...filter,
    why: `${filter.why}; under forward authentication such requests are refused (the proxy, not the gateway, would send them)`,
    run: () => ({ refuse: { code: 'forbidden', message: 'this request needs an approval, which the gateway can hold only on a route it proxies itself' } }),
  };
}

function allFilters(chain: Chain): string[] {
  return [...chain.access, ...chain.before, ...chain.after].map((f) => f.name);
}
