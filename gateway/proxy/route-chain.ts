import type { FilterRefConfig, RouteConfig } from '../../config/schema/routes.js';
import { buildChain, type Chain } from '../../filters/chain.js';
import { BUILTIN_FILTERS, defaultFiltersFor, type BuiltinFilterDeps } from '../../filters/builtin/index.js';
import type { Filter, RouteView } from '../../filters/types.js';
import { GatewayError } from '../errors.js';

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
 * or options).
 */
export function buildRouteChain(route: RouteConfig, view: RouteView, globalFilters: readonly FilterRefConfig[], deps: BuiltinFilterDeps): Chain {
  const filters = new Map<string, Filter>();
  for (const filter of defaultFiltersFor(view, deps)) filters.set(filter.name, filter);
  const configured: Array<[FilterRefConfig, string]> = [
    ...globalFilters.map((f, i): [FilterRefConfig, string] => [f, `globalFilters[${i}]`]),
    ...route.filters.map((f, i): [FilterRefConfig, string] => [f, `routes[${route.name}].filters[${i}]`]),
  ];
  for (const [ref, path] of configured) {
    const factory = BUILTIN_FILTERS[ref.use];
    if (!factory) throw new GatewayError('GW_FILTER_UNKNOWN', 500, `${path}.use: no filter named '${ref.use}'`);
    const base = factory(ref.options, deps);
    const filter: Filter = { ...base, name: ref.name ?? base.name, priority: ref.priority ?? base.priority, run: base.run };
    filters.set(filter.name, filter);
  }
  return buildChain([...filters.values()]);
}
