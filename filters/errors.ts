/**
 * The one error base of @portcullis/filters, and its code table. Every filter error is a
 * configuration problem found at start-up (500, message not exposed to clients): the
 * message names the configuration path. docs/filters.md lists the codes.
 */
export const FILTER_ERROR_CODES = {
  /** a filter's `options` are not what it accepts */
  FILTER_OPTIONS_INVALID: 500,
  /** `use:` names no built-in filter and no loaded module */
  FILTER_UNKNOWN: 500,
  /** an operator's filter module does not export a usable filter factory */
  FILTER_MODULE_INVALID: 500,
  /** a filter entry is malformed (phase, priority, name) */
  FILTER_CONFIG_INVALID: 500,
  /** a start condition (`when`) is malformed */
  FILTER_CONDITION_INVALID: 500,
  /** a `when.expression` does not parse */
  FILTER_EXPRESSION_INVALID: 500,
  /** the chain cannot be built (duplicate names, ...) */
  FILTER_CHAIN_INVALID: 500,
} as const;

export type FilterErrorCode = keyof typeof FILTER_ERROR_CODES;

export class FilterError extends Error {
  readonly code: FilterErrorCode;
  readonly statusCode: number;
  readonly expose: boolean;

  constructor(code: FilterErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.statusCode = FILTER_ERROR_CODES[code];
    this.expose = this.statusCode < 500;
  }
}
