import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import httpProxy from '@fastify/http-proxy';
import type { IncomingHttpHeaders } from 'node:http';
import type { RouteConfig } from '@portcullis/config/schema/routes.js';
import { runPhase, runPhaseSync, type Chain } from '@portcullis/filters/chain.js';
import type { FilterContext, RouteView } from '@portcullis/filters/types.js';
import type { GatewayContext } from '../context.js';
import { routeDecider, type MutableFilterContext } from '../http/route-decision.js';
import { sendRefusal, type RefusalOptions } from '../http/refusal.js';
import { REQUEST_ID_HEADER } from '../http/request-id.js';
import type { ClientHeaderStripper } from './header-stripping.js';
import { connectionListed, isHopByHop, withoutHopByHop } from './hop-by-hop.js';
import { UpstreamClient } from './upstream-client.js';
import { forwardToUpstream, type ForwardOptions } from './upstream-forward.js';
import { sendUpstreamFailure } from './upstream-failure.js';

const kContext = Symbol('portcullis.filterContext');

type ProxiedRequest = FastifyRequest & { [kContext]?: FilterContext };

export interface RouteProxyOptions {
  route: RouteConfig;
  view: RouteView;
  chain: Chain;
  /** upstream URL after demo-engine substitution */
  upstream: string;
  refusal: RefusalOptions;
  /** cookies that belong to the gateway and never reach an engine */
  gatewayCookies: readonly string[];
  /** the fixed step of every route: client headers an engine could believe are dropped */
  stripper: ClientHeaderStripper;
  /** a phase's condition check (richer start conditions plug in here) */
  conditionCheck?: Parameters<typeof runPhase>[2];
}

/**
 * Mount one route: the access and before phases run in the route's preHandler (the same
 * decision forward authentication runs), the after phase sees the upstream's response
 * headers, and the upstream request carries only the headers the chain decided. Requests go
 * out through the gateway's own forwarder (upstream-forward.ts); @fastify/http-proxy is
 * mounted only for a route's WebSocket upgrades.
 */
export async function registerRouteProxy(app: FastifyInstance, gw: GatewayContext, options: RouteProxyOptions): Promise<void> {
  const { view, chain, refusal, stripper } = options;
  const gatewayCookies = new Set(options.gatewayCookies);
  const decider = routeDecider(gw, view, chain, options.conditionCheck);
  const upstreamUrl = new URL(options.upstream);
  const upstreamHost = upstreamUrl.host;
  // the upstream URL's own path goes before the request's; the request's path and query pass in the client's spelling
  const basePath = upstreamUrl.pathname.replace(/\/+$/, '');
  const upstreamPath = (url: string) => basePath + url;

  const preHandler = async (request: FastifyRequest, reply: FastifyReply) => {
    const ctx: MutableFilterContext = {
      request,
      route: view,
      subject: undefined,
      clientAddress: gw.clientAddress(request),
      upstreamHeaders: {},
      removeHeaders: new Set(),
      state: new Map(),
    };
    (request as ProxiedRequest)[kContext] = ctx;
    const refused = await decider.decide(request, ctx);
    if (refused) return sendRefusal(request, reply, refused, refusal, ctx.subject);
  };

  /**
   * The upstream request's headers: the client's, minus what the fixed stripping step drops,
   * hop-by-hop headers, what the chain removed and the gateway's cookies, plus what the chain set.
   */
  const upstreamHeaders = (request: FastifyRequest, headers: IncomingHttpHeaders): IncomingHttpHeaders => {
    const ctx = (request as ProxiedRequest)[kContext];
    if (!ctx) return { ...withoutHopByHop(headers, connectionListed(request.headers.connection)), [REQUEST_ID_HEADER]: request.id };
    // Build a fresh object instead of copying and deleting: deletes push V8 objects into slow dictionary mode.
    const out: IncomingHttpHeaders = {};
    const removed = ctx.removeHeaders;
    // reply-from already dropped the client's Connection header; the names it listed are read from the original
    const listed = connectionListed(request.headers.connection);
    const connectionNamed = stripper.namedInConnection(request.headers.connection);
    for (const name in headers) {
      // HTTP/2 pseudo-headers (:path, :authority) describe the client's stream, not the upstream request
      if (name.charCodeAt(0) === 58 || removed.has(name) || isHopByHop(name, listed) || stripper.drops(name, connectionNamed)) continue;
      if (name === 'cookie') {
        const kept = typeof headers.cookie === 'string' ? withoutCookies(headers.cookie, gatewayCookies) : '';
        if (kept) out.cookie = kept;
        continue;
      }
      out[name] = headers[name];
    }
    // the upstream's own name, as for any client of it (a filter may still set another)
    out.host = upstreamHost;
    const set = ctx.upstreamHeaders;
    for (const name in set) out[name] = set[name];
    // the engine logs under the gateway's id, never one the client chose
    out[REQUEST_ID_HEADER] = request.id;
    return out;
  };

  const client = new UpstreamClient({ route: view.name, upstream: options.upstream, config: options.route.upstreamClient, configDir: gw.configDir, log: gw.log });
  const forward: ForwardOptions = {
    client,
    requestHeaders: (request) => upstreamHeaders(request, request.headers),
    responseHeaders: (request, upstream, statusCode) => {
      const headers = withoutHopByHop(upstream);
      const ctx = (request as ProxiedRequest)[kContext];
      if (!ctx || chain.after.length === 0) return headers;
      ctx.response = { statusCode, headers: headers as Record<string, string | string[] | undefined> };
      runPhaseSync(chain.after, ctx, options.conditionCheck);
      return ctx.response.headers as IncomingHttpHeaders;
    },
    onFailure: (reply, error) => sendUpstreamFailure(reply, error, view.name, view.prefix),
  };
  const handler = (request: FastifyRequest, reply: FastifyReply) => {
    forwardToUpstream(request, reply, upstreamPath(request.url), forward);
  };

  // Its own scope without the gateway's body parsers: a proxied body streams upstream
  // untouched, whatever its content type (the form parser would consume it).
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    scope.addHook('onClose', async () => client.close());
    if (!options.route.websocket) {
      // `prefix` and `prefix/*` (fastify also routes the prefix without its slash here)
      for (const url of ['/', '/*']) scope.route({ url, method: PROXIED_METHODS, preHandler, handler });
      return;
    }
    // @fastify/http-proxy for the upgrade; plain requests on the route still go through the forwarder
    await scope.register(httpProxy, {
      upstream: options.upstream,
      prefix: options.route.prefix,
      rewritePrefix: options.route.prefix,
      websocket: true,
      preHandler: preHandler as never,
      handler: (request: FastifyRequest, reply: FastifyReply) => handler(request, reply),
      wsClientOptions: {
        rewriteRequestHeaders: (headers: Record<string, string>, request: FastifyRequest) => {
          // a cookie-less upgrade (Basic, mTLS) must not send an undefined Cookie header upstream
          const out = upstreamHeaders(request, request.headers.cookie === undefined ? {} : { cookie: request.headers.cookie });
          delete out.host;
          return { ...headers, ...(out as Record<string, string>) };
        },
      },
    } as never);
  }, { prefix: options.route.websocket ? '' : options.route.prefix });
}

/** What a proxy route forwards (@fastify/http-proxy's set). */
const PROXIED_METHODS = ['DELETE', 'GET', 'HEAD', 'PATCH', 'POST', 'PUT', 'OPTIONS'];

/** Drop the gateway's own cookies (session, CSRF) from a Cookie header: engines never see them. */
function withoutCookies(header: string, names: ReadonlySet<string>): string {
  const kept: string[] = [];
  for (const pair of header.split(';')) {
    const equals = pair.indexOf('=');
    const name = (equals === -1 ? pair : pair.slice(0, equals)).trim();
    if (name && !names.has(name)) kept.push(pair.trim());
  }
  return kept.join('; ');
}
