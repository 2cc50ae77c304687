import type { FastifyInstance, onRequestHookHandler } from 'fastify';
import { RateLimiter } from '@portcullis/filters/rate-limiter.js';
import type { GatewayContext } from '../context.js';
import { GatewayError } from '../errors.js';

/** The anonymous entry points: they do work (scrypt, LDAP binds) or write state before anyone is known. */
export function isEntryPoint(method: string | string[], url: string): boolean {
  const methods = Array.isArray(method) ? method : [method];
  if (url === '/login') return methods.includes('POST');
  // back-channel logout is left out: a provider ending many sessions at once must not be turned away
  return (url.startsWith('/saml/') && url !== '/saml/metadata') || (url.startsWith('/oidc/') && !url.endsWith('/backchannel-logout'));
}

/**
 * Caps requests per client address to the entry points together (429 with Retry-After),
 * with the same limiter the `rate-limit` filter uses, counting in the shared store: on Redis
 * every gateway counts against one limit. Must be registered before the routes it guards:
 * routes get the check as they are added.
 */
export function registerEntryRateLimit(app: FastifyInstance, gw: GatewayContext): void {
  const { maxEntryRequestsPerAddress: max, entryWindowSeconds } = gw.config.loginThrottle;
  const limiter = new RateLimiter({ max, windowSeconds: entryWindowSeconds, counters: gw.store });
  const check: onRequestHookHandler = async (request) => {
    const address = gw.clientAddress(request);
    const decision = await limiter.hit(`ratelimit:entry:${address}`);
    if (decision.allowed) return;
    request.log.warn({ address, url: request.url.split('?')[0] }, 'entry point rate limit reached');
    throw new GatewayError('GW_RATE_LIMITED', 429, `too many requests from this address; try again in ${decision.retryAfterSeconds} seconds`, {
      headers: { 'retry-after': String(decision.retryAfterSeconds) },
    });
  };
  app.addHook('onRoute', (route) => {
    if (!isEntryPoint(route.method, route.url)) return;
    const own = route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest];
    route.onRequest = [check, ...own];
  });
}
