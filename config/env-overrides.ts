/**
 * Environment overrides: any option can be set from the environment, which wins over the file.
 *
 *   PORTCULLIS_<SECTION>__<OPTION>[__<OPTION>...]=<value>
 *
 * - `__` (two underscores) separates path segments; one `_` inside a segment is a word break,
 *   so UPPER_SNAKE segments become camelCase: PORTCULLIS_SESSION__IDLE_TIMEOUT_SECONDS=600
 *   sets session.idleTimeoutSeconds. A segment with lower-case letters is taken as written
 *   (PORTCULLIS_server__dataDir works too).
 * - A numeric segment indexes a list: PORTCULLIS_ROUTES__1__UPSTREAM=http://10.0.0.5:8080/
 *   sets routes[1].upstream.
 * - The value is parsed as JSON when it parses (9090 → number, true → boolean,
 *   ["a","b"] → list, {"k":1} → mapping, "quoted" → string); otherwise it is the raw string.
 * - Only variables whose first segment is a top-level option are overrides; others are left
 *   alone (PORTCULLIS_CONFIG, for example, names the config file for `portcullis start`).
 *   A variable that looks like an override (has `__`) but names no top-level option is
 *   reported as a warning so typos do not go unnoticed.
 */

export const ENV_PREFIX = 'PORTCULLIS_';

export interface Override {
  /** where the value came from, for messages: the variable name or the CLI flag */
  source: string;
  path: Array<string | number>;
  value: unknown;
}

export interface EnvOverrideScan {
  overrides: Override[];
  /** variables that looked like overrides but were not applied, with the reason */
  ignored: Array<{ name: string; reason: string }>;
}

const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'prototype', 'constructor']);

/** `IDLE_TIMEOUT_SECONDS` → `idleTimeoutSeconds`; `dataDir` stays; `0` → 0. */
function segmentToKey(segment: string): string | number | undefined {
  if (segment === '') return undefined;
  if (/^\d+$/.test(segment)) return Number(segment);
  if (/[a-z]/.test(segment)) return segment;
  if (!/^[A-Z0-9]+(_[A-Z0-9]+)*$/.test(segment)) return undefined;
  return segment
    .toLowerCase()
    .split('_')
    .map((word, i) => (i === 0 ? word : word.charAt(0).toUpperCase() + word.slice(1)))
    .join('');
}

/** JSON when it parses, the raw string otherwise. */
export function parseOverrideValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** Find the override variables in `env`, given the names of the top-level options. */
export function scanEnvOverrides(env: NodeJS.ProcessEnv, topLevelKeys: readonly string[]): EnvOverrideScan {
  const overrides: Override[] = [];
  const ignored: EnvOverrideScan['ignored'] = [];
  const known = new Set(topLevelKeys);
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith(ENV_PREFIX)) continue;
    const raw = env[name];
    if (raw === undefined) continue;
    const segments = name.slice(ENV_PREFIX.length).split('__');
    const looksLikeOverride = segments.length > 1;
    const path = segments.map(segmentToKey);
    const first = path[0];
    if (typeof first !== 'string' || !known.has(first)) {
      if (looksLikeOverride) ignored.push({ name, reason: `"${String(first ?? segments[0])}" is not a top-level option` });
      continue;
    }
    if (path.some((key) => key === undefined || FORBIDDEN_SEGMENTS.has(String(key)))) {
      ignored.push({ name, reason: 'malformed option path' });
      continue;
    }
    overrides.push({ source: name, path: path as Array<string | number>, value: parseOverrideValue(raw) });
  }
  return { overrides, ignored };
}

function isContainer(value: unknown): value is Record<string | number, unknown> {
  return typeof value === 'object' && value !== null;
}

/**
 * Set `value` at `path` inside `target` (a plain, already-cloned document), creating
 * mappings or lists on the way. A scalar in the way is replaced; validation judges the result.
 */
export function applyOverride(target: Record<string, unknown>, override: Override): void {
  let node: Record<string | number, unknown> = target;
  const { path } = override;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i]!;
    const nextIsIndex = typeof path[i + 1] === 'number';
    let child = node[key];
    if (!isContainer(child) || (nextIsIndex && !Array.isArray(child))) {
      child = nextIsIndex ? [] : {};
      node[key] = child;
    }
    node = child as Record<string | number, unknown>;
  }
  node[path[path.length - 1]!] = override.value;
}

/** `['routes', 1, 'upstream']` prefix test used to credit a problem to its override. */
export function pathStartsWith(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);
}
