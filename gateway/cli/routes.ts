/**
 * `portcullis routes [--config FILE]`: print each route's resolved filter chain in execution
 * order, with where each filter comes from (default, globalFilters, the route's filters), why
 * it is there and when it runs. Nothing is started; operator filter modules are loaded.
 */
import { ConfigError, formatProblem } from '@portcullis/config/errors.js';
import { loadConfig, type LoadedConfig } from './gateway-config.js';
import type { BuiltinFilterDeps } from '@portcullis/filters/builtin/deps.js';
import { filterRefsOf, loadFilterModules, resolveRouteChain } from '@portcullis/filters/configured-chain.js';
import { describeRouteChain } from '@portcullis/filters/explain-chain.js';
import { routeViewOf } from '../proxy/route-chain.js';
import type { CliCommand, CliIO } from './command.js';
import { parseOptions } from './args.js';

/** Deps for describing chains: filters are built, never run. */
const describeOnlyDeps: BuiltinFilterDeps = {
  tokenFor() {
    throw new Error('describing a chain never mints a token');
  },
  tokenHeader: 'authorization',
  tokenScheme: 'Bearer',
  identityHeaders: [],
  forwardedProto: () => 'http',
};

/** Resolve and describe every route of a loaded configuration; throws coded errors naming the path. */
export async function explainRoutes(loaded: LoadedConfig, deps: BuiltinFilterDeps = describeOnlyDeps): Promise<string[]> {
  const { config } = loaded;
  const modules = await loadFilterModules(filterRefsOf(config), loaded.configDir);
  const lines: string[] = [];
  if (config.globalFilters.length > 0) lines.push(`global filters: ${config.globalFilters.map((f) => f.name ?? f.use).join(', ')}`);
  for (const route of config.routes) {
    const view = routeViewOf(route);
    lines.push(...describeRouteChain(route, resolveRouteChain(route, view, config.globalFilters, { configDir: loaded.configDir, ...deps }, modules)), '');
  }
  if (config.routes.length === 0) lines.push('no routes configured');
  return lines;
}

export async function printRoutes(file: string | undefined, io: CliIO): Promise<number> {
  let loaded: LoadedConfig;
  try {
    loaded = await loadConfig(file, { env: io.env, cwd: io.cwd });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    if (err.code === 'CONFIG_INVALID') for (const p of err.problems) io.stdout.write(`${formatProblem(p)}\n`);
    else io.stdout.write(`${err.message} [${err.code}]\n`);
    return 1;
  }
  return writeExplanation(io, loaded, `${loaded.isDemo ? 'demo configuration' : loaded.file}\n`);
}

/**
 * Print the resolved chains under `heading`; answers the exit code. A filter problem
 * (unknown filter, bad module or condition) is printed with its code and exits 1.
 */
export async function writeExplanation(io: CliIO, loaded: LoadedConfig, heading: string): Promise<number> {
  try {
    io.stdout.write(`${heading}\n${(await explainRoutes(loaded)).join('\n')}\n`);
    return 0;
  } catch (err) {
    const e = err as { code?: string; message: string };
    if (!e.code?.startsWith('FILTER_')) throw err;
    io.stdout.write(`${e.message} [${e.code}]\n`);
    return 1;
  }
}

export const routesCommand: CliCommand = {
  name: 'routes',
  summary: "Print each route's filter chain in execution order and why each filter is there.",
  usage: 'routes [--config FILE]',
  help: `Options:
  -c, --config FILE   configuration file (YAML or JSON); default: $PORTCULLIS_CONFIG, else the demo

For every route: its prefix and upstream, its policy, then one line per filter in the order
they run (phase access → before → after, then priority, lower first, then name): phase,
priority, name, where it comes from (default, globalFilters[i], routes[name].filters[i],
built-in or module) and why it is there; a filter with start conditions gets a second line
saying when it runs. Exit codes: 0 printed, 1 the configuration or a filter is invalid.`,
  async run(args, io) {
    const { values } = parseOptions(args, { config: { type: 'string', short: 'c' } });
    return printRoutes(values.config ?? (io.env.PORTCULLIS_CONFIG || undefined), io);
  },
};
