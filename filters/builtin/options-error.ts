/** A built-in filter's options are wrong; the message starts with the option's path under `options`. */
export class FilterOptionsError extends Error {
  readonly code = 'FILTER_OPTIONS_INVALID';
  readonly path: string;
  constructor(path: string, message: string, options: { cause?: unknown } = {}) {
    super(`${path}: ${message}`, options);
    this.name = 'FilterOptionsError';
    this.path = path;
  }
}
