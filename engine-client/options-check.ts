/**
 * Small checks for options objects, so that engine-client needs no schema library (it may
 * only depend on jose, lru-cache and undici). Every failure is an `OptionsError` naming the
 * option's path.
 */
import { OptionsError } from './errors.js';

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Refuse keys the options object does not know (a typo must not silently become a default). */
export function checkKnownKeys(value: Record<string, unknown>, known: readonly string[], path: string, ignored: readonly string[] = []): void {
  for (const key of Object.keys(value)) {
    if (value[key] === undefined || ignored.includes(key)) continue;
    if (!known.includes(key)) throw new OptionsError(join(path, key), `unknown option (known: ${known.join(', ')})`);
  }
}

export function join(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

export function requireObject(value: unknown, path: string): Record<string, unknown> {
  if (!isPlainObject(value)) throw new OptionsError(path || 'options', 'must be an object');
  return value;
}

export function nonEmptyString(value: unknown, path: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new OptionsError(path, 'must be a non-empty string');
  return value;
}

export function optionalString(value: unknown, path: string, fallback: string): string {
  return value === undefined ? fallback : nonEmptyString(value, path);
}

export function optionalBoolean(value: unknown, path: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new OptionsError(path, 'must be true or false');
  return value;
}

export function optionalNumber(value: unknown, path: string, fallback: number, limits: { min?: number; max?: number; integer?: boolean } = {}): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new OptionsError(path, 'must be a finite number');
  if (limits.integer && !Number.isInteger(value)) throw new OptionsError(path, 'must be an integer');
  if (limits.min !== undefined && value < limits.min) throw new OptionsError(path, `must be at least ${limits.min}`);
  if (limits.max !== undefined && value > limits.max) throw new OptionsError(path, `must be at most ${limits.max}`);
  return value;
}

export function stringList(value: unknown, path: string, options: { nonEmpty?: boolean } = {}): string[] {
  if (!Array.isArray(value)) throw new OptionsError(path, 'must be a list of strings');
  if (options.nonEmpty && value.length === 0) throw new OptionsError(path, 'must not be empty');
  return value.map((item, index) => nonEmptyString(item, join(path, index)));
}

/** A string or a list of strings, as a list. */
export function oneOrMany(value: unknown, path: string): string[] {
  return typeof value === 'string' ? [nonEmptyString(value, path)] : stringList(value, path, { nonEmpty: true });
}
