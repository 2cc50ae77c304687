import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FilterRefConfig, RouteConfig } from '@portcullis/config/schema/routes.js';
import { buildChain, type Chain } from './chain.js';
import { BUILTIN_FILTERS, FIXED_STEPS, defaultFiltersFor, type BuiltinFilterDeps } from './builtin/index.js';
import { DEFAULT_PRIORITY, PHASES, type Filter, type RouteView } from './types.js';
import { precompileConditions, type StartConditionsConfig } from './conditions.js';
import { FilterError } from './errors.js';

/**
 * A route's chain as configuration makes it: the defaults every route gets, then the global
 * filters, then the route's own (a configured filter named like a default replaces it), each
 * with its start conditions compiled and a record of why it is there, for `portcullis routes`.
 */

export type FilterFactory = (options: Record<string, unknown>, deps: BuiltinFilterDeps) => Filter;

export const MODULE_PREFIX = 'module:';

/**
 * A chain cannot be built from the configuration (a start-up error; `path` names the option).
 * Codes: FILTER_UNKNOWN (no built-in of that name), FILTER_MODULE_INVALID (module missing, no
 * such export, or what it gives is not a filter), FILTER_OPTIONS_INVALID (a filter refused its
 * options), FILTER_CONFIG_INVALID (two filters of one list share a name). Bad start conditions
 * surface as FILTER_CONDITION_INVALID (filters/conditions.ts).
 */
export class FilterConfigError extends FilterError {
  readonly path: string;
  constructor(code: 'FILTER_UNKNOWN' | 'FILTER_MODULE_INVALID' | 'FILTER_CONFIG_INVALID' | 'FILTER_OPTIONS_INVALID', path: string, message: string, options: { cause?: unknown } = {}) {
    super(code, `${path}: ${message}`, options);
    this.path = path;
  }
}

export interface ChainEntry {
  filter: Filter;
  /** `default`: every route (of this kind) gets it; `global`: globalFilters; `route`: the route's filters */
  origin: 'default' | 'global' | 'route';
  /** the configuration path of a configured filter, e.g. `routes[app].filters[0]` */
  path?: string;
  /** `built-in route-policy` or `module ./audit.mjs#trail` */
  source: string;
  /** a configured filter that took the place of a default or global filter of the same name */
  replaces?: 'default' | 'global';
}

export interface ResolvedChain {
  chain: Chain;
  /** every filter in execution order, with why it is there */
  entries: ChainEntry[];
}

/** Every configured filter reference with its path: global ones first, then each route's. */
export function filterRefsOf(config: { globalFilters: readonly FilterRefConfig[]; routes: readonly RouteConfig[] }): Array<{ ref: FilterRefConfig; path: string }> {
  return [
    ...config.globalFilters.map((ref, i) => ({ ref, path: `globalFilters[${i}]` })),
    ...config.routes.flatMap((r) => r.filters.map((ref, i) => ({ ref, path: `routes[${r.name}].filters[${i}]` }))),
  ];
}

/**
 * Import the modules operators name (`use: module:./file.mjs` or `module:./file.mjs#exportName`,
 * relative to the configuration's folder). A module exports a factory `(options, deps) => Filter`
 * or a Filter object. Loaded once at start-up; a missing module or export fails there.
 */
export async function loadFilterModules(
  refs: ReadonlyArray<{ ref: FilterRefConfig; path: string }>,
  configDir: string,
  importer: (url: string) => Promise<Record<string, unknown>> = (url) => import(url),
): Promise<Map<string, FilterFactory>> {
  const out = new Map<string, FilterFactory>();
  for (const { ref, path } of refs) {
    if (!ref.use.startsWith(MODULE_PREFIX) || out.has(ref.use)) continue;
    const spec = ref.use.slice(MODULE_PREFIX.length);
    const hash = spec.lastIndexOf('#');
    const file = hash === -1 ? spec : spec.slice(0, hash);
    const exportName = hash === -1 ? 'default' : spec.slice(hash + 1);
    if (!file) throw new FilterConfigError('FILTER_MODULE_INVALID', `${path}.use`, 'names no module file');
    const url = pathToFileURL(isAbsolute(file) ? file : resolve(configDir, file)).href;
    let mod: Record<string, unknown>;
    try {
      mod = await importer(url);
    } catch (cause) {
      throw new FilterConfigError('FILTER_MODULE_INVALID', `${path}.use`, `cannot load filter module '${file}': ${(cause as Error).message}`, { cause });
    }
    const value = mod[exportName];
    if (typeof value === 'function') out.set(ref.use, value as FilterFactory);
    else if (value && typeof value === 'object') out.set(ref.use, () => value as Filter);
    else throw new FilterConfigError('FILTER_MODULE_INVALID', `${path}.use`, `module '${file}' has no export '${exportName}' that is a filter or a filter factory`);
  }
  return out;
}

function checkFilter(value: unknown, path: string, source: string): Filter {
  const f = value as Partial<Filter> | null;
  const problem =
    !f || typeof f !== 'object'
      ? 'is not an object'
      : typeof f.name !== 'string' || f.name === ''
        ? 'has no name'
        : !PHASES.includes(f.phase as never)
          ? `has phase '${String(f.phase)}'; use one of ${PHASES.join(', ')}`
          : f.priority !== undefined && !Number.isInteger(f.priority)
            ? 'has a priority that is not an integer'
            : typeof f.run !== 'function'
              ? 'has no run(ctx) function'
              : undefined;
  if (problem) throw new FilterConfigError('FILTER_MODULE_INVALID', path, `${source} ${problem}`);
  return f as Filter;
}

/** Resolve one route's chain. `modules` comes from loadFilterModules. */
export function resolveRouteChain(
  route: RouteConfig,
  view: RouteView,
  globalFilters: readonly FilterRefConfig[],
  deps: BuiltinFilterDeps,
  modules: ReadonlyMap<string, FilterFactory> = new Map(),
): ResolvedChain {
  const entries = new Map<string, ChainEntry>();
  for (const filter of defaultFiltersFor(view, deps)) {
    entries.set(filter.name, { filter, origin: 'default', source: `built-in ${filter.name}` });
  }
  const configured: Array<[FilterRefConfig, string, 'global' | 'route']> = [
    ...globalFilters.map((f, i): [FilterRefConfig, string, 'global'] => [f, `globalFilters[${i}]`, 'global']),
    ...route.filters.map((f, i): [FilterRefConfig, string, 'route'] => [f, `routes[${route.name}].filters[${i}]`, 'route']),
  ];
  for (const [ref, path, origin] of configured) {
    const fixed = FIXED_STEPS[ref.use] ?? (ref.name !== undefined ? FIXED_STEPS[ref.name] : undefined);
    if (fixed) throw new FilterConfigError('FILTER_CONFIG_INVALID', FIXED_STEPS[ref.use] ? `${path}.use` : `${path}.name`, fixed);
    const isModule = ref.use.startsWith(MODULE_PREFIX);
    const factory = isModule ? modules.get(ref.use) : BUILTIN_FILTERS[ref.use];
    if (!factory) {
      if (isModule) throw new FilterConfigError('FILTER_MODULE_INVALID', `${path}.use`, `filter module '${ref.use.slice(MODULE_PREFIX.length)}' was not loaded`);
      throw new FilterConfigError('FILTER_UNKNOWN', `${path}.use`, `no filter named '${ref.use}'; built-ins: ${Object.keys(BUILTIN_FILTERS).sort().join(', ')}`);
    }
    const source = isModule ? `module ${ref.use.slice(MODULE_PREFIX.length)}` : `built-in ${ref.use}`;
    let base: Filter;
    try {
      base = checkFilter(factory(ref.options, deps), path, source);
    } catch (err) {
      if (err instanceof FilterConfigError) throw err;
      // a built-in's FilterOptionsError names the option under `options`: keep it, under the filter's path
      const sub = (err as { path?: unknown }).path;
      const at = typeof sub === 'string' && sub.startsWith('options') ? `${path}.${sub}` : `${path}.options`;
      const message = (err as Error).message.startsWith(`${String(sub)}: `) ? (err as Error).message.slice(String(sub).length + 2) : (err as Error).message;
      throw new FilterConfigError('FILTER_OPTIONS_INVALID', at, message, { cause: err });
    }
    const conditions = (ref.when ?? base.conditions) as StartConditionsConfig | undefined;
    if (conditions) precompileConditions(conditions, ref.when ? `${path}.when` : path);
    const filter: Filter = {
      ...base,
      name: ref.name ?? base.name,
      priority: ref.priority ?? base.priority ?? DEFAULT_PRIORITY,
      why: base.why ?? `${source} (no description)`,
      ...(conditions ? { conditions } : {}),
      run: base.run.bind(base),
    };
    // a global filter may replace a default, a route's filter a default or a global one; never one of its own list
    const previous = entries.get(filter.name)?.origin;
    if (previous === origin) {
      throw new FilterConfigError('FILTER_CONFIG_INVALID', `${path}.name`, `a filter named '${filter.name}' is already in this list; give this one another name`);
    }
    entries.set(filter.name, { filter, origin, path, source, ...(previous === 'default' || previous === 'global' ? { replaces: previous } : {}) });
  }
  const chain = buildChain([...entries.values()].map((e) => e.filter));
  const byFilter = new Map([...entries.values()].map((e) => [e.filter, e]));
  return { chain, entries: chain.ordered.map((f) => byFilter.get(f)!) };
}
