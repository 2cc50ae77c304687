/**
 * Loading the gateway configuration: file (or the embedded demo) → environment overrides →
 * command-line overrides → schema validation with defaults → secret references checked →
 * frozen result. Every failure is a coded `ConfigError`; validation failures list every
 * problem at once, each with its option path.
 */
import { dirname, resolve } from 'node:path';
import { portcullisConfigSchema } from './schema/index.js';
import type { PortcullisConfig } from './schema/index.js';
import { ConfigError, ConfigInvalidError } from './errors.js';
import type { ConfigProblem } from './errors.js';
import { createIssueWording, formatPath, issuesToProblems } from './problems.js';
import { applyOverride, pathStartsWith, scanEnvOverrides } from './env-overrides.js';
import type { Override } from './env-overrides.js';
import { describeSecretRef, isSecretRef, resolveSecret, resolveSecretSync } from './secrets.js';
import { readConfigFile } from './source.js';
import { DEMO_CONFIG_PATH } from './demo.js';

export interface ConfigWarning {
  /** CONFIG_ENV_IGNORED: a PORTCULLIS_*__* variable named no option; CONFIG_SECRET_PLAIN: an inline secret */
  code: 'CONFIG_ENV_IGNORED' | 'CONFIG_SECRET_PLAIN';
  message: string;
}

export interface LoadConfigOptions {
  /** environment for overrides and `env://` secrets; defaults to process.env */
  env?: NodeJS.ProcessEnv;
  /** resolves a relative config path; defaults to process.cwd() */
  cwd?: string;
  /** last word, after the environment: `{ path: 'server.port', value: 9090, source: '--port' }` */
  overrides?: Array<{ path: string; value: unknown; source?: string }>;
  /** check that every secret reference resolves (default true) */
  checkSecrets?: boolean;
}

export interface LoadedConfig {
  /** validated, defaults applied, deeply frozen */
  readonly config: PortcullisConfig;
  /** folder of the configuration file: relative file paths and `file://` secrets start here */
  readonly configDir: string;
  /** absolute path of the file that was read */
  readonly file: string;
  /** true when no file was given and the embedded demo configuration was loaded */
  readonly isDemo: boolean;
  readonly warnings: readonly ConfigWarning[];
  /** `resolveSecret` bound to this configuration's folder and environment */
  resolveSecret(ref: string): Promise<string>;
}

const TOP_LEVEL_KEYS = Object.keys(portcullisConfigSchema.shape);

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `null` means "not set": a section whose options are all commented out (`server:` alone)
 * parses as null, and PORTCULLIS_TOKENS__ISSUER=null unsets an option. Only mapping values
 * are dropped; a null inside a list stays and is reported.
 */
function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropNulls);
  if (!isMapping(value)) return value;
  const out: Record<string, unknown> = {};
  // the key stays (as undefined): an unknown option is an error even when its value is empty
  for (const [k, v] of Object.entries(value)) out[k] = v === null ? undefined : dropNulls(v);
  return out;
}

function cliOverride(o: { path: string; value: unknown; source?: string }): Override {
  const path = o.path.split('.').map((k) => (/^\d+$/.test(k) ? Number(k) : k));
  return { source: o.source ?? o.path, path, value: o.value };
}

/** Credit each problem to the override that supplied the value, when one did (last one wins). */
function attributeSources(problems: ConfigProblem[], overrides: readonly Override[]): ConfigProblem[] {
  const applied = overrides.map((o) => ({ path: formatPath(o.path), source: o.source }));
  return problems.map((problem) => {
    const hit = applied.filter((o) => pathStartsWith(problem.path, o.path)).pop();
    return hit ? { ...problem, source: hit.source } : problem;
  });
}

/** Walk the validated config; every string that is a secret reference must resolve. */
function checkSecretRefs(
  value: unknown,
  path: Array<string | number>,
  options: { configDir: string; env: NodeJS.ProcessEnv },
  problems: ConfigProblem[],
  warnings: ConfigWarning[],
): void {
  if (typeof value === 'string') {
    if (!isSecretRef(value)) return;
    try {
      resolveSecretSync(value, options);
      if (value.toLowerCase().startsWith('plain://')) {
        warnings.push({ code: 'CONFIG_SECRET_PLAIN', message: `${formatPath(path)} holds an inline secret (${describeSecretRef(value)}): use env:// or file:// outside demos and tests` });
      }
    } catch (err) {
      const e = err as ConfigError;
      problems.push({ path: formatPath(path), message: e.message, code: e.code });
    }
    return;
  }
  if (Array.isArray(value)) value.forEach((v, i) => checkSecretRefs(v, [...path, i], options, problems, warnings));
  else if (isMapping(value)) for (const [k, v] of Object.entries(value)) checkSecretRefs(v, [...path, k], options, problems, warnings);
}

/**
 * Validate an already-parsed document (an object from a file, or built by a test). Applies
 * overrides from `options.env` and `options.overrides`, defaults, the secret check, and
 * freezes. `configDir` anchors relative paths and `file://` secrets. `label` names the
 * source in error messages.
 */
export function validateConfig(
  document: unknown,
  options: LoadConfigOptions & { configDir: string; label?: string },
): { config: PortcullisConfig; warnings: ConfigWarning[] } {
  const env = options.env ?? process.env;
  const warnings: ConfigWarning[] = [];
  if (document !== undefined && document !== null && !isMapping(document)) {
    throw new ConfigInvalidError([{ path: '(root)', message: 'must be a mapping of options' }], options.label);
  }
  // structuredClone: overrides must never write into the caller's object
  const working: Record<string, unknown> = structuredClone(document ?? {}) as Record<string, unknown>;

  const scan = scanEnvOverrides(env, TOP_LEVEL_KEYS);
  for (const { name, reason } of scan.ignored) warnings.push({ code: 'CONFIG_ENV_IGNORED', message: `${name} ignored: ${reason}` });
  const overrides = [...scan.overrides, ...(options.overrides ?? []).map(cliOverride)];
  for (const override of overrides) applyOverride(working, override);

  const wording = createIssueWording();
  const result = portcullisConfigSchema.safeParse(dropNulls(working), { error: wording.error });
  if (!result.success) {
    const problems = issuesToProblems(result.error.issues, wording.knownKeys);
    throw new ConfigInvalidError(attributeSources(problems, overrides), options.label);
  }

  if (options.checkSecrets !== false) {
    const problems: ConfigProblem[] = [];
    checkSecretRefs(result.data, [], { configDir: options.configDir, env }, problems, warnings);
    if (problems.length > 0) throw new ConfigInvalidError(attributeSources(problems, overrides), options.label);
  }
  return { config: deepFreeze(result.data), warnings };
}

/**
 * Load the configuration at `path` (YAML, or JSON for `.json`), or the embedded demo
 * configuration when `path` is undefined. Throws a `ConfigError`.
 */
export async function loadConfig(path: string | undefined, options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const env = options.env ?? process.env;
  const isDemo = path === undefined;
  if (isDemo && env.NODE_ENV === 'production') {
    throw new ConfigError(
      'CONFIG_DEMO_REFUSED',
      'no configuration file given and NODE_ENV=production: the demo configuration (with published demo passwords) refuses to run in production; pass --config FILE',
    );
  }
  const file = isDemo ? DEMO_CONFIG_PATH : resolve(options.cwd ?? process.cwd(), path);
  const configDir = dirname(file);
  const document = await readConfigFile(file);
  const { config, warnings } = validateConfig(document, { ...options, env, configDir, label: file });
  return Object.freeze({
    config,
    configDir,
    file,
    isDemo,
    warnings: Object.freeze(warnings),
    resolveSecret: (ref: string) => resolveSecret(ref, { configDir, env }),
  });
}
