import { CREDENTIAL_KEY_PATTERN, type VaultSettings } from '@portcullis/config/schema/vault.js';
import { GatewayError } from '../errors.js';

export type VaultLimits = VaultSettings['limits'];

/** A 400 whose message starts with the field it is about (`key: …`, `value: …`), never with the value. */
export function invalidCredential(field: string, problem: string): GatewayError {
  return new GatewayError('GW_CREDENTIAL_INVALID', 400, `${field}: ${problem}`);
}

export function checkKeyName(key: unknown, limits: VaultLimits): string {
  if (typeof key !== 'string' || key.length === 0) throw invalidCredential('key', 'is missing');
  if (key.length > limits.keyMaxLength) throw invalidCredential('key', `is longer than ${limits.keyMaxLength} characters`);
  if (!CREDENTIAL_KEY_PATTERN.test(key)) throw invalidCredential('key', 'must be letters, digits and _, starting with a letter');
  return key;
}

export function checkValue(value: unknown, limits: VaultLimits): string {
  if (typeof value !== 'string') throw invalidCredential('value', 'must be a string');
  if (value.length === 0) throw invalidCredential('value', 'is empty');
  if (Buffer.byteLength(value) > limits.valueMaxBytes) throw invalidCredential('value', `is larger than ${limits.valueMaxBytes} bytes`);
  // NUL and the other C0 controls but tab and line breaks (a PEM key has line breaks) are never meant
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(value)) throw invalidCredential('value', 'holds a control character');
  return value;
}
