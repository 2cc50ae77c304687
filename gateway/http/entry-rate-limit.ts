import type { FastifyInstance } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import type { GatewayContext } from '../context.js';

/** The anonymous entry points: they do work (scrypt, LDAP binds) or write state before anyone is known. */
export function isEntryPoint(method: string | string[], url: string): boolean {
  const methods = Array.isArray(method) ? method : [method];
  if (url === '/login') return methods.includes('POST');
  // back-channel logout is left out: a provider ending many sessions at once must not be turned away
  return (url.startsWith('/saml/') && url !== '/saml/metadata') || (url.startsWith('/oidc/') && !url.endsWith('/backchannel-logout'));
}

/**
 * Caps requests per client address to the entry points (429 with Retry-After). Must be
 * registered before the routes it guards: routes opt in through their config as they are added.
 */
export async function registerEntryRateLimit(app: FastifyInstance, gw: GatewayContext): Promise<void> {
  const { maxEntryRequestsPerAddress: max, entryWindowSeconds } = gw.config.loginThrottle;
  app.addHook('onRoute', (route) => {
    if (isEntryPoint(route.method, route.url)) {
      route.config = { ...(route.config as object), rateLimit: { max, timeWindow: entryWindowSeconds * 1000 } } as typeof route.config;
    }
  });
  await app.register(rateLimit, {
    global: false,
    keyGenerator: (request) => gw.clientAddress(request),
    errorResponseBuilder: (request, context) => {
      request.log.warn({ address: gw.clientAddress(request), url: request.url.split('?')[0] }, 'entry point rate limit reached');
      return Object.assign(new Error(`too many requests from this address; try again in ${context.after}`), {
        statusCode: 429,
        code: 'GW_RATE_LIMITED',
        expose: true,
      });
    },
  });
}
