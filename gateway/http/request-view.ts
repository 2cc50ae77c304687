import type { FastifyRequest } from 'fastify';

/** What a view changes about a request; everything else reads through to it. */
export interface RequestOverrides {
  method?: string;
  url?: string;
  headers?: FastifyRequest['headers'];
  /** the Host the view answers for `host`, `hostname` and `port` (fastify reads those from the raw request) */
  host?: string;
}

/**
 * The request as filters must judge it when it is not the request on the wire (forward
 * authentication's original request, the portal's probe of a route): the given method, URL,
 * headers and host, every other property (cookies, log, socket, id) the request's own.
 *
 * A Proxy, not `Object.create(request, …)`: a fresh prototype per request costs V8 a new
 * hidden class each time and turns every property access on requests megamorphic; on the
 * verify endpoint that was more than half of its CPU time.
 */
export function requestView(request: FastifyRequest, overrides: RequestOverrides): FastifyRequest {
  const host = overrides.host;
  return new Proxy(request, {
    get(target, name, receiver) {
      if (typeof name !== 'string') return Reflect.get(target, name, receiver);
      // own properties only: `in` would also match what every object inherits (toString, constructor)
      if (Object.hasOwn(overrides, name)) return overrides[name as keyof RequestOverrides];
      if (host !== undefined && (name === 'hostname' || name === 'port')) return name === 'hostname' ? hostnameOf(host) : portOf(host);
      // fastify's getters run with the view as `this`, so those reading `this.headers` see the overrides
      return Reflect.get(target, name, receiver);
    },
  });
}

function hostnameOf(host: string): string {
  return host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':', 1)[0]!;
}

function portOf(host: string): number | null {
  const match = /:(\d{1,5})$/.exec(host.startsWith('[') ? host.slice(host.indexOf(']') + 1) : host);
  return match ? Number(match[1]) : null;
}
