import { GatewayError } from '../errors.js';

/** Longest record key in UTF-8 bytes: every backend stores it as is, the file store as a file name. */
export const MAX_RECORD_KEY_BYTES = 400;

/**
 * Record keys are chosen by our own code (`vault/<user>/<key>`, `approvals/<id>`), never by a
 * client as such; a key that is empty, too long or holds a control character is a bug, so it
 * fails loudly instead of being stored under a surprising name.
 */
export function checkRecordKey(key: string): void {
  // eslint-disable-next-line no-control-regex
  if (typeof key !== 'string' || key.length === 0 || Buffer.byteLength(key) > MAX_RECORD_KEY_BYTES || /[\u0000-\u001f\u007f]/.test(key)) {
    throw new GatewayError('GW_INTERNAL', 500, `durable store: unusable record key (empty, over ${MAX_RECORD_KEY_BYTES} bytes, or with a control character)`);
  }
}

/** Whether a write that expects `expected` may replace a record now at `current` (undefined: none). */
export function versionMatches(expected: number | 'absent' | 'any', current: number | undefined): boolean {
  if (expected === 'any') return true;
  if (expected === 'absent') return current === undefined;
  return current === expected;
}

/** Values are JSON documents on every backend: a Date, a Map or undefined would not survive the trip. */
export function toJson(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) throw new GatewayError('GW_INTERNAL', 500, 'durable store: the value is not JSON');
  return text;
}
