import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import httpProxy from '@fastify/http-proxy';
import type { IncomingHttpHeaders } from 'node:http';
import type { RouteConfig } from '@portcullis/config/schema/routes.js';
import { runPhase, runPhaseSync, type Chain } from '@portcullis/filters/chain.js';
import type { FilterContext, RouteView } from '@portcullis/filters/types.js';
import type { GatewayContext } from '../context.js';
import { routeDecider, type MutableFilterContext } from '../http/route-decision.js';
import { sendRefusal, type RefusalOptions } from '../http/refusal.js';
import type { ClientHeaderStripper } from './header-stripping.js';
import { markUpstreamResponse } from '../http/security-headers.js';
import { REQUEST_ID_HEADER } from '../http/request-id.js';
import { markUpstreamHeaders, markUpstreamStart } from '../ops/gateway-metrics.js';

/** require-session's priority: the point in the access phase where the caller is identified */
const IDENTIFY_PRIORITY = 100;

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
 * Mount one route: the access and before phases run in the proxy's preHandler, the
 * after phase sees the upstream's response headers, and the upstream request carries
 * only the headers the chain decided.
 */
export async function registerRouteProxy(app: FastifyInstance, gw: GatewayContext, options: RouteProxyOptions): Promise<void> {
  const { view, chain, refusal } = options;
  const gatewayCookies = new Set(options.gatewayCookies);

  const decider = routeDecider(gw, view, chain, options.conditionCheck);

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
    if (refused) return sendRefusal(request, reply, refused, refusal);
  };

  /**
   * The upstream request's headers: the client's, minus what the fixed stripping step drops,
   * what the chain removed and the gateway's cookies, plus what the chain set.
   */
  const { stripper } = options;
  const upstreamHeaders = (request: FastifyRequest, headers: IncomingHttpHeaders): IncomingHttpHeaders => {
    const ctx = (request as ProxiedRequest)[kContext];
    if (!ctx) return { ...headers, [REQUEST_ID_HEADER]: request.id };
    // Build a fresh object instead of copying and deleting: deletes push V8 objects into slow dictionary mode.
    const out: IncomingHttpHeaders = {};
    const removed = ctx?.removeHeaders;
    const connectionNamed = stripper.namedInConnection(request.headers.connection);
    for (const name in headers) {
      if (stripper.drops(name, connectionNamed) || removed?.has(name)) continue;
      if (name === 'cookie') {
        const kept = typeof headers.cookie === 'string' ? withoutCookies(headers.cookie, gatewayCookies) : '';
        if (kept) out.cookie = kept;
        continue;
      }
      out[name] = headers[name];
    }
    const set = ctx?.upstreamHeaders;
    for (const name in set) out[name] = set[name];
    // the engine logs under the gateway's id, never one the client chose
    out[REQUEST_ID_HEADER] = request.id;
    return out;
  };

  await app.register(httpProxy, {
    upstream: options.upstream,
    prefix: options.route.prefix,
    rewritePrefix: options.route.prefix,
    websocket: options.route.websocket,
    preHandler: preHandler as never,
    replyOptions: {
      rewriteRequestHeaders: (request: FastifyRequest, headers: IncomingHttpHeaders) => {
        markUpstreamStart(request);
        return upstreamHeaders(request, headers);
      },
      rewriteHeaders: (headers: IncomingHttpHeaders, request?: FastifyRequest) => {
        if (request) {
          markUpstreamResponse(request);
          markUpstreamHeaders(request);
        }
        const ctx = request ? (request as ProxiedRequest)[kContext] : undefined;
        if (!ctx || chain.after.length === 0) return headers;
        ctx.response = { statusCode: 0, headers: headers as Record<string, string | string[] | undefined> };
        runPhaseSync(chain.after, ctx, options.conditionCheck);
        return ctx.response.headers as IncomingHttpHeaders;
      },
      onError: (reply: FastifyReply, { error }: { error: Error }) => {
        reply.request.log.warn({ route: view.name, err: { message: error.message, code: (error as { code?: string }).code } }, 'upstream request failed');
        const timeout = /timeout/i.test(String((error as { code?: string }).code ?? error.message));
        void reply.code(timeout ? 504 : 502).send({
          statusCode: timeout ? 504 : 502,
          code: timeout ? 'GW_UPSTREAM_TIMEOUT' : 'GW_UPSTREAM_UNAVAILABLE',
          error: timeout ? 'Gateway Timeout' : 'Bad Gateway',
          message: `the application behind ${view.prefix} is not reachable`,
          requestId: reply.request.id,
        });
      },
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
