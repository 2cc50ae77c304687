import { FilterError } from '../errors.js';
/** A built-in filter's options are wrong; the message starts with the option's path under `options`. */
export class FilterOptionsError extends FilterError {
  readonly path: string;
  constructor(path: string, message: string, options: { cause?: unknown } = {}) {
    super('FILTER_OPTIONS_INVALID', `${path}: ${message}`, options);
    this.path = path;
  }
}
