import type { FilterRefConfig, RouteConfig } from '@portcullis/config/schema/routes.js';
import type { Chain } from '@portcullis/filters/chain.js';
import type { BuiltinFilterDeps } from '@portcullis/filters/builtin/index.js';
import type { RouteView } from '@portcullis/filters/types.js';
import { resolveRouteChain, type FilterFactory } from '@portcullis/filters/configured-chain.js';

export function routeViewOf(route: RouteConfig): RouteView {
  return {
    name: route.name,
    prefix: route.prefix,
    audience: route.audience ?? route.name,
    requireSession: route.requireSession,
    policy: route.policy,
  };
}

/**
 * A route's chain: the defaults every route gets, then the global filters, then the route's
 * own. A configured filter with the name of a default replaces it (to change its priority
 * or options). Resolution, operator modules and start conditions: filters/configured-chain.ts.
 */
export function buildRouteChain(
  route: RouteConfig,
  view: RouteView,
  globalFilters: readonly FilterRefConfig[],
  deps: BuiltinFilterDeps,
  modules?: ReadonlyMap<string, FilterFactory>,
): Chain {
  return resolveRouteChain(route, view, globalFilters, deps, modules).chain;
}
