import type { FilterContext, StartConditions } from './types.js';
import { compileExpression, ExpressionError, type ExpressionScope } from './expression.js';
import { compilePathPattern } from './path-pattern.js';
import { FilterError } from './errors.js';

/**
 * Start conditions: which requests a filter runs for. A filter runs only when every condition
 * it names holds; a condition it does not name does not restrict it. Compiled once at start-up
 * (patterns to matchers, expressions to trees); a bad condition is a coded error naming its path.
 */

/** How a header or query parameter must look. A string is shorthand for `{ equals }`. */
export type ValueCondition =
  | string
  | {
      /** true: must be there; false: must be absent */
      present?: boolean;
      equals?: string;
      oneOf?: string[];
      prefix?: string;
    };

export interface StartConditionsConfig extends StartConditions {
  /** HTTP methods, any case */
  methods?: string[];
  /** path prefixes, e.g. `/api/` */
  pathPrefixes?: string[];
  // path patterns: '*' matches within one segment (no '/'), '**' matches anything,
  // e.g. '/api/*/items' or '/admin/**'
  paths?: string[];
  /** media types of the request body: `application/json`, `text/*`; parameters ignored */
  contentTypes?: string[];
  /** the caller: any named user, or a member of any named group, or holder of any named role */
  initiator?: { users?: string[]; groups?: string[]; roles?: string[] };
  /** header name (any case) → condition; all must hold */
  headers?: Record<string, ValueCondition>;
  /** query parameter → condition (first value); all must hold */
  query?: Record<string, ValueCondition>;
  /** an expression over method, path, contentType, header, query, user, groups, roles, level, clientAddress (filters/expression.ts) */
  expression?: string;
}

/** What conditions look at: plain data, so they can be tested without HTTP. */
export interface ConditionInput {
  method: string;
  /** the raw request target; the query string is split off and the path normalised */
  url: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  subject?: { loginId: string; groups: readonly string[]; roles: readonly string[]; level?: string };
  clientAddress?: string;
}

export type ConditionMatcher = (input: ConditionInput) => boolean;

export class ConditionError extends FilterError {
  readonly path: string;
  constructor(path: string, message: string, options: { cause?: unknown } = {}) {
    super('FILTER_CONDITION_INVALID', `${path}: ${message}`, options);
    this.path = path;
  }
}

const KNOWN_KEYS = new Set(['methods', 'pathPrefixes', 'paths', 'contentTypes', 'initiator', 'headers', 'query', 'expression']);

/** Compile conditions into one matcher. @throws ConditionError naming `path.<key>` */
export function compileConditions(config: StartConditionsConfig, path = 'conditions'): ConditionMatcher {
  if (config === null || typeof config !== 'object') throw new ConditionError(path, 'must be an object');
  for (const key of Object.keys(config)) if (!KNOWN_KEYS.has(key)) throw new ConditionError(`${path}.${key}`, 'unknown condition');
  const checks: ((p: Prepared) => boolean)[] = [];

  if (config.methods !== undefined) {
    const methods = new Set(stringList(config.methods, `${path}.methods`).map((m) => m.toUpperCase()));
    checks.push((p) => methods.has(p.method));
  }
  if (config.pathPrefixes !== undefined) {
    const prefixes = stringList(config.pathPrefixes, `${path}.pathPrefixes`).map((pre) => pre.toLowerCase());
    prefixes.forEach((pre, i) => {
      if (!pre.startsWith('/')) throw new ConditionError(`${path}.pathPrefixes[${i}]`, 'must start with "/"');
    });
    checks.push((p) => prefixes.some((pre) => p.path.startsWith(pre)));
  }
  if (config.paths !== undefined) {
    const patterns = stringList(config.paths, `${path}.paths`).map((pat, i) => {
      if (!pat.startsWith('/')) throw new ConditionError(`${path}.paths[${i}]`, 'a path pattern must start with "/"');
      return compilePathPattern(pat);
    });
    checks.push((p) => patterns.some((matches) => matches(p.path)));
  }
  if (config.contentTypes !== undefined) {
    const types = stringList(config.contentTypes, `${path}.contentTypes`).map((t, i) => mediaRange(t, `${path}.contentTypes[${i}]`));
    checks.push((p) => p.contentType !== undefined && types.some((t) => t(p.contentType!)));
  }
  if (config.initiator !== undefined) checks.push(initiatorCheck(config.initiator, `${path}.initiator`));
  if (config.headers !== undefined) {
    for (const [name, cond] of entries(config.headers, `${path}.headers`)) {
      const lower = name.toLowerCase();
      const test = valueCheck(cond, `${path}.headers.${name}`);
      checks.push((p) => test(headerValue(p.input.headers[lower])));
    }
  }
  if (config.query !== undefined) {
    for (const [name, cond] of entries(config.query, `${path}.query`)) {
      const test = valueCheck(cond, `${path}.query.${name}`);
      checks.push((p) => test(p.query.get(name) ?? undefined));
    }
  }
  if (config.expression !== undefined) {
    let compiled;
    try {
      compiled = compileExpression(config.expression);
    } catch (err) {
      if (err instanceof ExpressionError) throw new ConditionError(`${path}.expression`, err.message, { cause: err });
      throw err;
    }
    checks.push((p) => compiled(expressionScope(p)));
  }

  if (checks.length === 0) return () => true;
  return (input) => {
    const p = prepare(input);
    for (const check of checks) if (!check(p)) return false;
    return true;
  };
}

interface Prepared {
  input: ConditionInput;
  method: string;
  /** the canonical path in lower case: the gateway matches paths ignoring case */
  path: string;
  query: URLSearchParams;
  contentType: string | undefined;
}

// one request's input is prepared once, however many filters look at it
const preparedCache = new WeakMap<ConditionInput, Prepared>();

function prepare(input: ConditionInput): Prepared {
  let p = preparedCache.get(input);
  if (!p) preparedCache.set(input, (p = prepareNow(input)));
  return p;
}

function prepareNow(input: ConditionInput): Prepared {
  const q = input.url.indexOf('?');
  const rawPath = q === -1 ? input.url : input.url.slice(0, q);
  const ct = headerValue(input.headers['content-type']);
  return {
    input,
    method: input.method.toUpperCase(),
    path: normalizePath(rawPath).toLowerCase(),
    query: new URLSearchParams(q === -1 ? '' : input.url.slice(q + 1)),
    contentType: ct === undefined ? undefined : ct.split(';')[0]!.trim().toLowerCase(),
  };
}

/**
 * Decode percent-escapes and resolve `.` / `..` and repeated slashes, so `/%61dmin/` and
 * `/public/../admin/` meet the conditions written for `/admin/`. Behind the gateway the
 * request target is already canonical (gateway/http/request-target.ts: decoded once,
 * ambiguous escapes refused, matrix parameters removed), so this only decodes its wire form.
 */
export function normalizePath(raw: string): string {
  // matrix parameters (`/a;jsessionid=1/b`) are not part of the path a condition matches
  const withoutParams = raw.includes(';') ? raw.replace(/;[^/]*/g, '') : raw;
  let decoded = withoutParams;
  try {
    decoded = decodeURIComponent(withoutParams);
  } catch {
    /* malformed escapes: match the raw text */
  }
  const out: string[] = [];
  const segments = decoded.split('/');
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i]!;
    if (s === '..') out.pop();
    else if (s !== '.' && (s !== '' || i === segments.length - 1)) out.push(s);
  }
  return '/' + out.join('/');
}

function mediaRange(range: string, path: string): (type: string) => boolean {
  const m = /^([a-z0-9!#$&^_.+-]+|\*)\/([a-z0-9!#$&^_.+-]+|\*)$/i.exec(range.trim());
  if (!m) throw new ConditionError(path, `'${range}' is not a media type like application/json or text/*`);
  const [type, sub] = [m[1]!.toLowerCase(), m[2]!.toLowerCase()];
  return (actual) => {
    const [t, s] = actual.split('/');
    return (type === '*' || type === t) && (sub === '*' || sub === s);
  };
}

function initiatorCheck(cfg: NonNullable<StartConditionsConfig['initiator']>, path: string): (p: Prepared) => boolean {
  if (cfg === null || typeof cfg !== 'object') throw new ConditionError(path, 'must be an object with users, groups or roles');
  for (const key of Object.keys(cfg)) if (!['users', 'groups', 'roles'].includes(key)) throw new ConditionError(`${path}.${key}`, 'unknown key');
  const users = new Set(cfg.users === undefined ? [] : stringList(cfg.users, `${path}.users`));
  const groups = new Set(cfg.groups === undefined ? [] : stringList(cfg.groups, `${path}.groups`));
  const roles = new Set(cfg.roles === undefined ? [] : stringList(cfg.roles, `${path}.roles`));
  if (users.size + groups.size + roles.size === 0) throw new ConditionError(path, 'names no user, group or role');
  return (p) => {
    const s = p.input.subject;
    if (!s) return false;
    return users.has(s.loginId) || s.groups.some((g) => groups.has(g)) || s.roles.some((r) => roles.has(r));
  };
}

function valueCheck(cond: ValueCondition, path: string): (v: string | undefined) => boolean {
  if (typeof cond === 'string') return (v) => v === cond;
  if (cond === null || typeof cond !== 'object') throw new ConditionError(path, 'must be a string or { present, equals, oneOf, prefix }');
  for (const key of Object.keys(cond)) if (!['present', 'equals', 'oneOf', 'prefix'].includes(key)) throw new ConditionError(`${path}.${key}`, 'unknown key');
  const { present, equals, oneOf, prefix } = cond;
  if (oneOf !== undefined) stringList(oneOf, `${path}.oneOf`);
  return (v) => {
    if (present === false) return v === undefined;
    if (v === undefined) return false;
    if (equals !== undefined && v !== equals) return false;
    if (oneOf !== undefined && !oneOf.includes(v)) return false;
    if (prefix !== undefined && !v.startsWith(prefix)) return false;
    return true;
  };
}

function expressionScope(p: Prepared): ExpressionScope {
  const header: Record<string, string> = Object.create(null);
  for (const [k, v] of Object.entries(p.input.headers)) {
    const value = headerValue(v);
    if (value !== undefined) header[k.toLowerCase()] = value;
  }
  const query: Record<string, string> = Object.create(null);
  for (const [k, v] of p.query) if (!(k in query)) query[k] = v;
  const s = p.input.subject;
  return {
    method: p.method,
    path: p.path,
    contentType: p.contentType ?? null,
    header,
    query,
    user: s?.loginId ?? null,
    groups: s ? [...s.groups] : [],
    roles: s ? [...s.roles] : [],
    level: s?.level ?? null,
    clientAddress: p.input.clientAddress ?? null,
  };
}

function headerValue(v: string | string[] | undefined): string | undefined {
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.join(', ') : v;
}

function stringList(v: unknown, path: string): string[] {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || x.length === 0)) throw new ConditionError(path, 'must be a list of non-empty strings');
  return v as string[];
}

function entries(v: unknown, path: string): [string, ValueCondition][] {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ConditionError(path, 'must be a map of name → condition');
  return Object.entries(v as Record<string, ValueCondition>);
}

const inputCache = new WeakMap<FilterContext, ConditionInput>();

/** The condition input of a filter context (the same object for every filter of one request). */
export function conditionInputOf(ctx: FilterContext): ConditionInput {
  let input = inputCache.get(ctx);
  if (!input) {
    input = { method: ctx.request.method, url: ctx.request.url, headers: ctx.request.headers, subject: ctx.subject, clientAddress: ctx.clientAddress };
    inputCache.set(ctx, input);
  }
  return input;
}

const compiledCache = new WeakMap<object, ConditionMatcher>();

/**
 * A ConditionCheck for filters/chain.ts runPhase: compiles each filter's conditions on first
 * use and keeps the matcher. Call `compileConditions` at start-up to surface errors early.
 */
export function richConditionCheck(conditions: StartConditions, ctx: FilterContext): boolean {
  let matcher = compiledCache.get(conditions);
  if (!matcher) {
    matcher = compileConditions(conditions as StartConditionsConfig);
    compiledCache.set(conditions, matcher);
  }
  return matcher(conditionInputOf(ctx));
}

/** Compile now and remember, so a chain built at start-up fails there on a bad condition. */
export function precompileConditions(conditions: StartConditionsConfig, path: string): void {
  compiledCache.set(conditions, compileConditions(conditions, path));
}
