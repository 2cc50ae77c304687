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
import { markUpstreamResponse } from '../http/security-headers.js';
import { markUpstreamHeaders, markUpstreamStart } from '../ops/gateway-metrics.js';
import type { ClientHeaderStripper } from './header-stripping.js';
import { connectionListed, isHopByHop, withoutHopByHop } from './hop-by-hop.js';
import { UpstreamClient, kAbortSignal } from './upstream-client.js';
import { sendUpstreamFailure } from './upstream-failure.js';

const kContext = Symbol('portcullis.filterContext');
const kAbort = Symbol('portcullis.upstreamAbort');

type ProxiedRequest = FastifyRequest & { [kContext]?: FilterContext; [kAbort]?: AbortController };

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
 * Mount one route: the access and before phases run in the proxy's preHandler (the same
 * decision forward authentication runs), the after phase sees the upstream's response
 * headers, and the upstream request carries only the headers the chain decided.
 */
export async function registerRouteProxy(app: FastifyInstance, gw: GatewayContext, options: RouteProxyOptions): Promise<void> {
  const { view, chain, refusal, stripper } = options;
  const gatewayCookies = new Set(options.gatewayCookies);
  const decider = routeDecider(gw, view, chain, options.conditionCheck);

  const preHandler = async (request: FastifyRequest, reply: FastifyReply) => {
    // A client that goes away cancels its upstream request: abandoned requests must not hold pooled connections.
    const abort = new AbortController();
    (request as ProxiedRequest)[kAbort] = abort;
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) abort.abort();
    });
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
      if (removed.has(name) || isHopByHop(name, listed) || stripper.drops(name, connectionNamed)) continue;
      if (name === 'cookie') {
        const kept = typeof headers.cookie === 'string' ? withoutCookies(headers.cookie, gatewayCookies) : '';
        if (kept) out.cookie = kept;
        continue;
      }
      out[name] = headers[name];
    }
    const set = ctx.upstreamHeaders;
    for (const name in set) out[name] = set[name];
    // the engine logs under the gateway's id, never one the client chose
    out[REQUEST_ID_HEADER] = request.id;
    const abort = (request as ProxiedRequest)[kAbort];
    if (abort) (out as Record<symbol, unknown>)[kAbortSignal] = abort.signal;
    return out;
  };

  const client = new UpstreamClient({ route: view.name, upstream: options.upstream, config: options.route.upstreamClient, configDir: gw.configDir, log: gw.log });

  // Its own scope without the gateway's body parsers: a proxied body streams upstream
  // untouched, whatever its content type (the form parser would consume it).
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addHook('onClose', async () => client.close());
    await scope.register(httpProxy, {
      upstream: options.upstream,
      undici: client,
      prefix: options.route.prefix,
      rewritePrefix: options.route.prefix,
      websocket: options.route.websocket,
      preHandler: preHandler as never,
      replyOptions: {
        rewriteRequestHeaders: (request: FastifyRequest, headers: IncomingHttpHeaders) => {
          markUpstreamStart(request);
          return upstreamHeaders(request, headers);
        },
        // retries are the upstream client's (at most one, never on a response)
        retryDelay: () => null,
        rewriteHeaders: (upstreamResponse: IncomingHttpHeaders, request?: FastifyRequest) => {
          if (request) {
            markUpstreamResponse(request);
            markUpstreamHeaders(request);
          }
          const headers = withoutHopByHop(upstreamResponse);
          const ctx = request ? (request as ProxiedRequest)[kContext] : undefined;
          if (!ctx || chain.after.length === 0) return headers;
          ctx.response = { statusCode: 0, headers: headers as Record<string, string | string[] | undefined> };
          runPhaseSync(chain.after, ctx, options.conditionCheck);
          return ctx.response.headers as IncomingHttpHeaders;
        },
        onError: (reply: FastifyReply, { error }: { error: Error }) => sendUpstreamFailure(reply, error, view.name, view.prefix),
      },
      ...(options.route.websocket
        ? {
            wsClientOptions: {
              rewriteRequestHeaders: (headers: Record<string, string>, request: FastifyRequest) => {
                // a cookie-less upgrade (Basic, mTLS) must not send an undefined Cookie header upstream
                const out = upstreamHeaders(request, request.headers.cookie === undefined ? {} : { cookie: request.headers.cookie });
                return { ...headers, ...(out as Record<string, string>) };
              },
            },
          }
        : {}),
    } as never);
  });
}


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
