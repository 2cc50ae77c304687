import type { RouteConfig } from '@portcullis/config/schema/routes.js';

export interface MatchableRoute {
  readonly route: RouteConfig;
}

/**
 * Find the route of a forward-authentication request. A route that names the host wins
 * over one that does not; among those, the longest prefix. A route host without a port
 * matches the host on any port. Every route takes part, with or without an upstream: the
 * same route answers the same way whether the gateway proxies it or a proxy asks about it.
 */
export function createRouteMatcher<T extends MatchableRoute>(routes: readonly T[]): (host: string, path: string) => T | undefined {
  const byLength = (a: T, b: T) => b.route.prefix.length - a.route.prefix.length;
  const withHost = routes.filter((r) => r.route.host !== undefined).sort(byLength);
  const anyHost = routes.filter((r) => r.route.host === undefined).sort(byLength);
  return (host, path) => {
    const bare = hostWithoutPort(host);
    for (const r of withHost) {
      const want = r.route.host!;
      if ((want.includes(':') ? host === want : bare === want) && path.startsWith(r.route.prefix)) return r;
    }
    for (const r of anyHost) if (path.startsWith(r.route.prefix)) return r;
    return undefined;
  };
}

function hostWithoutPort(host: string): string {
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const colon = host.lastIndexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}
