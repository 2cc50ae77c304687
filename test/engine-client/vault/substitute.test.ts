import { describe, expect, it } from 'vitest';
import { credentialKeysIn, substitute } from '../../../engine-client/vault/index.js';

describe('substitute', () => {
  it('replaces both placeholder forms, each name running to the first character outside A-Za-z0-9_', () => {
    expect(substitute('a=${credentials:gh} b=$credentials_gh/c $credentials_aws_key.', { gh: 'G', aws_key: 'A' })).toBe('a=G b=G/c A.');
  });

  it('lists the names a text uses, once each, in order', () => {
    expect(credentialKeysIn('$credentials_b ${credentials:a} $credentials_b')).toEqual(['b', 'a']);
    expect(credentialKeysIn('no placeholders, $other, ${credentials:}')).toEqual([]);
  });

  it('keeps $$ as a literal dollar, so a text can say $credentials_x without substitution', () => {
    expect(substitute('$$credentials_x costs $$5', {})).toBe('$credentials_x costs $5');
  });

  it('throws VAULT_CREDENTIAL_MISSING naming the key, never a value', () => {
    expect(() => substitute('${credentials:missing} $credentials_here', { here: 'secret-value' })).toThrow(expect.objectContaining({ code: 'VAULT_CREDENTIAL_MISSING', message: expect.stringContaining("'missing'") }));
  });

  it('does not look names up on the prototype', () => {
    expect(() => substitute('$credentials_toString', {})).toThrow(expect.objectContaining({ code: 'VAULT_CREDENTIAL_MISSING' }));
  });

  it('does not substitute inside a substituted value (no second pass)', () => {
    expect(substitute('${credentials:a}', { a: '$credentials_b', b: 'leak' })).toBe('$credentials_b');
  });
});
