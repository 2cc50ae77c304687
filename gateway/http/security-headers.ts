import type { FastifyInstance, FastifyRequest } from 'fastify';

/**
 * Strict security headers on everything the gateway itself answers (login, message, refusal
 * and error pages, JSON errors, JWKS): no page can be framed (clickjacking of the login form),
 * no content is sniffed into another type, no referrer leaves the gateway with a return path
 * in it, scripts do not run at all, and behind https the browser keeps to https. What an
 * engine answers through a route is the engine's business and passes as it is.
 */

/** Gateway pages use one inline style block and no script; forms post to the gateway only. */
export const GATEWAY_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'x-frame-options': 'DENY',
  'content-security-policy': GATEWAY_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
});

/** One year, the usual preload minimum; only sent when the public URL is https. */
export const HSTS = 'max-age=31536000; includeSubDomains';

/** Kept on the node request: a WeakSet entry per request is an ephemeron the GC has to trace. */
const kUpstreamAnswered = Symbol('portcullis.upstreamAnswered');

type Marked = { [kUpstreamAnswered]?: true };

/**
 * The route proxy calls this when the response it is about to send is the engine's, and
 * forward authentication for a positive answer: an empty 200 that a proxy reads and no
 * browser renders.
 */
export function markUpstreamResponse(request: FastifyRequest): void {
  (request.raw as Marked)[kUpstreamAnswered] = true;
}

export function registerSecurityHeaders(app: FastifyInstance, options: { https: boolean; imageSources?: readonly string[] }): void {
  // a branded logo from another origin (pages.logo.url) must be allowed as an image, and only as one
  const headers = options.imageSources?.length ? { ...SECURITY_HEADERS, 'content-security-policy': GATEWAY_CSP.replace("img-src 'self' data:", `img-src 'self' data: ${options.imageSources.join(' ')}`) } : SECURITY_HEADERS;
  const names = Object.keys(headers);
  app.addHook('onSend', (request, reply, payload, done) => {
    if ((request.raw as Marked)[kUpstreamAnswered] !== true) {
      for (const name of names) reply.header(name, headers[name]!);
      if (options.https) reply.header('strict-transport-security', HSTS);
    }
    done(null, payload);
  });
}
