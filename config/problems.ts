/**
 * Turns zod's validation issues into operator-facing problems: one line per problem, the
 * option's path written the way the operator would write it (`routes[1].upstream`), and a
 * short message in the "must be ..." voice. Schema-level messages (e.g. "must be a URL")
 * win; this module only words the issues a schema did not word itself.
 */
import type { z } from 'zod';
import type { ConfigProblem } from './errors.js';

type Issue = z.core.$ZodIssue;
type RawIssue = z.core.$ZodRawIssue;
type PathKey = PropertyKey;

const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** `['routes', 1, 'upstream']` → `routes[1].upstream`; odd keys are quoted: `map["cn=admins"]`. */
export function formatPath(path: readonly PathKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else {
      const text = String(key);
      if (PLAIN_KEY.test(text)) out += out ? `.${text}` : text;
      else out += `[${JSON.stringify(text)}]`;
    }
  }
  return out || '(root)';
}

function describeValue(input: unknown): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'a list';
  if (typeof input === 'object') return 'a mapping';
  if (typeof input === 'string') return 'a string';
  if (typeof input === 'number') return Number.isInteger(input) ? 'an integer' : 'a number';
  return typeof input;
}

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
  bigint: 'an integer',
};

function listValues(values: readonly unknown[]): string {
  return values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ');
}

function sizeWord(origin: string | undefined): string {
  return origin === 'string' ? 'characters' : 'entries';
}

/** Levenshtein distance, small inputs only (option names). */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

/** The known option closest to a mistyped one, if any is close enough to be a typo. */
export function suggestKey(unknown: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  for (const candidate of known) {
    const score = candidate.toLowerCase() === unknown.toLowerCase() ? 0 : distance(unknown, candidate);
    if (score < bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  const tolerance = unknown.length >= 4 ? Math.max(2, Math.floor(unknown.length / 4)) : 1;
  return best !== undefined && bestScore <= tolerance ? best : undefined;
}

/** Wording for the issues a schema left unworded. */
function wordIssue(issue: RawIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      return `must be ${EXPECTED[issue.expected] ?? issue.expected} (got ${describeValue(issue.input)})`;
    case 'too_small': {
      const min = Number(issue.minimum);
      if (issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint') {
        return issue.inclusive ? `must be at least ${min}` : `must be greater than ${min}`;
      }
      if (min === 1 && issue.inclusive !== false) return 'must not be empty';
      return `must have at least ${min} ${sizeWord(issue.origin)}`;
    }
    case 'too_big': {
      const max = Number(issue.maximum);
      if (issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint') {
        return issue.inclusive ? `must be at most ${max}` : `must be less than ${max}`;
      }
      return `must have at most ${max} ${sizeWord(issue.origin)}`;
    }
    case 'invalid_value':
      return issue.values.length === 1 ? `must be ${JSON.stringify(issue.values[0])}` : `must be one of: ${listValues(issue.values)}`;
    case 'invalid_union': {
      const options = (issue as { options?: unknown[] }).options;
      if (Array.isArray(options) && options.length > 0) return `must be one of: ${listValues(options)}`;
      return 'does not match any of the allowed forms';
    }
    case 'invalid_format':
      return issue.format === 'regex' && issue.pattern ? `must match ${issue.pattern}` : `must be a valid ${issue.format}`;
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    case 'unrecognized_keys':
      return 'unknown option';
    case 'invalid_key':
      return 'has an invalid key';
    case 'invalid_element':
      return 'has an invalid entry';
    default:
      return 'is invalid';
  }
}

/**
 * Make a per-parse error function plus a collector of the option names each object knows,
 * so unknown keys can be answered with "did you mean ...?".
 */
export function createIssueWording(): {
  error: (issue: RawIssue) => string;
  knownKeys: Map<string, string[]>;
} {
  const knownKeys = new Map<string, string[]>();
  const error = (issue: RawIssue): string => {
    if (issue.code === 'unrecognized_keys') {
      const inst = issue.inst as { _zod?: { def?: { shape?: Record<string, unknown> } } } | undefined;
      const shape = inst?._zod?.def?.shape;
      if (shape) knownKeys.set(formatPath(issue.path ?? []), Object.keys(shape));
    }
    return wordIssue(issue);
  };
  return { error, knownKeys };
}

/** zod issues → problems; an issue about several unknown keys becomes one problem per key. */
export function issuesToProblems(issues: readonly Issue[], knownKeys: Map<string, string[]> = new Map()): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeys.get(formatPath(issue.path)) ?? [];
      for (const key of issue.keys) {
        const hint = suggestKey(key, known);
        problems.push({ path: formatPath([...issue.path, key]), message: hint ? `unknown option (did you mean "${hint}"?)` : 'unknown option' });
      }
      continue;
    }
    problems.push({ path: formatPath(issue.path), message: issue.message });
  }
  return problems;
}
