/**
 * The configuration area's errors. Every failure has a stable `code` callers can switch on;
 * `problems` lists what is wrong, each with the option's path (`routes[1].upstream`).
 *
 * Codes (documented here, never reused):
 * - CONFIG_INVALID                 the file parsed but does not satisfy the schema; see `problems`
 * - CONFIG_FILE_NOT_FOUND          the configuration (or users) file does not exist
 * - CONFIG_FILE_UNREADABLE         it exists but cannot be read (permissions, a directory, ...)
 * - CONFIG_PARSE_ERROR             not valid YAML/JSON; `line` and `column` say where
 * - CONFIG_SECRET_MALFORMED        a value given as a secret is not `scheme://rest`
 * - CONFIG_SECRET_SCHEME_UNKNOWN   a secret reference uses a scheme other than env, file, plain
 * - CONFIG_SECRET_ENV_MISSING      `env://NAME` names a variable that is not set
 * - CONFIG_SECRET_FILE_UNREADABLE  `file://PATH` names a file that cannot be read
 * - CONFIG_SECRET_EMPTY            the referenced variable or file is empty
 * - CONFIG_DEMO_REFUSED            no configuration file given while NODE_ENV=production: the
 *                                  demo configuration (published passwords) refuses to run there
 *
 * These are start-up errors, not client errors: statusCode 500, expose false. Messages never
 * contain a secret value.
 */

export const CONFIG_ERROR_CODES = [
  'CONFIG_INVALID',
  'CONFIG_FILE_NOT_FOUND',
  'CONFIG_FILE_UNREADABLE',
  'CONFIG_PARSE_ERROR',
  'CONFIG_SECRET_MALFORMED',
  'CONFIG_SECRET_SCHEME_UNKNOWN',
  'CONFIG_SECRET_ENV_MISSING',
  'CONFIG_SECRET_FILE_UNREADABLE',
  'CONFIG_SECRET_EMPTY',
  'CONFIG_DEMO_REFUSED',
] as const;
export type ConfigErrorCode = (typeof CONFIG_ERROR_CODES)[number];

/** One thing wrong with a configuration, at one option path. */
export interface ConfigProblem {
  /** `routes[1].upstream`; `(root)` for the document itself */
  path: string;
  message: string;
  /** set when a more specific code applies (a secret reference problem, for instance) */
  code?: ConfigErrorCode;
  /** where an overriding value came from (`PORTCULLIS_SERVER__PORT`, `--port`), if not the file */
  source?: string;
}

/** `routes[1].upstream: must be a URL` — the one way problems are printed. */
export function formatProblem(problem: ConfigProblem): string {
  const from = problem.source ? ` (from ${problem.source})` : '';
  return `${problem.path}: ${problem.message}${from}`;
}

export class ConfigError extends Error {
  readonly code: ConfigErrorCode;
  readonly statusCode = 500;
  readonly expose = false;
  readonly problems: readonly ConfigProblem[];
  /** the file concerned, when there is one */
  readonly file: string | undefined;

  constructor(code: ConfigErrorCode, message: string, options: { problems?: ConfigProblem[]; file?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.problems = Object.freeze([...(options.problems ?? [])]);
    this.file = options.file;
  }
}

export class ConfigInvalidError extends ConfigError {
  constructor(problems: ConfigProblem[], file?: string) {
    const where = file ? ` in ${file}` : '';
    const lines = problems.map((p) => `  ${formatProblem(p)}`).join('\n');
    super('CONFIG_INVALID', `invalid configuration${where} (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${lines}`, {
      problems,
      file,
    });
  }
}

export class ConfigFileNotFoundError extends ConfigError {
  constructor(file: string, cause?: unknown) {
    super('CONFIG_FILE_NOT_FOUND', `file not found: ${file}`, { file, cause });
  }
}

export class ConfigFileUnreadableError extends ConfigError {
  constructor(file: string, reason: string, cause?: unknown) {
    super('CONFIG_FILE_UNREADABLE', `cannot read ${file}: ${reason}`, { file, cause });
  }
}

export class ConfigParseError extends ConfigError {
  readonly line: number | undefined;
  readonly column: number | undefined;
  constructor(file: string, detail: string, line?: number, column?: number, cause?: unknown) {
    const at = line === undefined ? '' : `:${line}${column === undefined ? '' : `:${column}`}`;
    super('CONFIG_PARSE_ERROR', `${file}${at}: ${detail}`, { file, cause });
    this.line = line;
    this.column = column;
  }
}

/** A secret reference that cannot be resolved. The message names the reference, never the value. */
export class SecretReferenceError extends ConfigError {
  constructor(
    code: Extract<ConfigErrorCode, `CONFIG_SECRET_${string}`>,
    message: string,
    cause?: unknown,
  ) {
    super(code, message, { cause });
  }
}
