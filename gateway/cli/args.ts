/**
 * Option parsing for the commands: node:util parseArgs in strict mode, with its errors
 * turned into `UsageError`s (exit code 2) and a couple of shared value helpers.
 */
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { UsageError } from './command.js';

type Options = NonNullable<ParseArgsConfig['options']>;

export interface ParsedArgs<V> {
  values: V;
  positionals: string[];
}

/** Parse `args` against `options`; unknown options and missing values are usage errors. */
export function parseOptions<const O extends Options>(
  args: string[],
  options: O,
  positionals: { min?: number; max?: number; names?: string[] } = {},
): ParsedArgs<ReturnType<typeof parseArgs<{ options: O; allowPositionals: true; strict: true }>>['values']> {
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    // parseArgs messages are precise ("Unknown option '--prot'"); drop its hint about '--' which confuses
    throw new UsageError((err as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
  const min = positionals.min ?? 0;
  const max = positionals.max ?? 0;
  if (parsed.positionals.length < min) {
    const missing = positionals.names?.[parsed.positionals.length] ?? 'argument';
    throw new UsageError(`missing ${missing}`);
  }
  if (parsed.positionals.length > max) {
    throw new UsageError(`unexpected argument "${parsed.positionals[max]}"`);
  }
  return parsed as never;
}

/** `a,b, c` → ['a', 'b', 'c']; empty entries dropped. */
export function commaList(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** `--port 9090` as a number when it is one; otherwise the text, for the schema to reject by path. */
export function numberOrText(value: string): number | string {
  return /^\d+$/.test(value) ? Number(value) : value;
}
