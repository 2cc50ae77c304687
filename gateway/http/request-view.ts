import type { FastifyRequest } from 'fastify';

/** What a view changes about a request; everything else reads through to it. */
export interface RequestOverrides {
  method?: string;
  url?: string;
  headers?: FastifyRequest['headers'];
}

/**
 * The request as filters must judge it when it is not the request on the wire (forward
 * authentication's original request, the portal's probe of a route): the given method, URL
 * and headers, every other property (cookies, log, socket, id) the request's own.
 *
 * A Proxy, not `Object.create(request, …)`: a fresh prototype per request costs V8 a new
 * hidden class each time and turns every property access on requests megamorphic; on the
 * verify endpoint that was more than half of its CPU time.
 */
export function requestView(request: FastifyRequest, overrides: RequestOverrides): FastifyRequest {
  return new Proxy(request, {
    // own properties only: `in` would also match what every object inherits (toString, constructor)
    get: (target, name) => (typeof name === 'string' && Object.hasOwn(overrides, name) ? overrides[name as keyof RequestOverrides] : Reflect.get(target, name)),
  });
}
