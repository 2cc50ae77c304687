import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bearerChallenge, ERROR_CODES, JwksError, OptionsError, RoleRequiredError, TokenError } from '../../engine-client/errors.js';

describe('engine-client errors', () => {
  it('documents every error code where it is defined', () => {
    const source = readFileSync(join(import.meta.dirname, '../../engine-client/errors.ts'), 'utf8');
    for (const code of Object.keys(ERROR_CODES)) {
      expect(source, code).toMatch(new RegExp(`/\\*\\*(?:(?!\\*/)[^\\n])*\\*/\\s*\\n\\s*${code}:`));
    }
  });

  it('exposes 4xx messages and hides 5xx ones', () => {
    expect(new TokenError('TOKEN_EXPIRED', 'token expired')).toMatchObject({ statusCode: 401, expose: true, error: 'Unauthorized' });
    expect(new RoleRequiredError(['admin'])).toMatchObject({ statusCode: 403, expose: true, code: 'ROLE_REQUIRED', error: 'Forbidden' });
    expect(new JwksError('JWKS_UNAVAILABLE', 'x')).toMatchObject({ statusCode: 503, expose: false });
    expect(new JwksError('JWKS_INVALID', 'x')).toMatchObject({ statusCode: 502, expose: false });
    expect(new OptionsError('a.b', 'bad')).toMatchObject({ code: 'OPTIONS_INVALID', path: 'a.b', message: 'a.b: bad' });
  });

  it('builds RFC 6750 challenges, never letting a value break out of its quotes', () => {
    expect(new TokenError('TOKEN_EXPIRED', 'token expired').wwwAuthenticate).toBe('Bearer error="invalid_token", error_description="token expired"');
    expect(new TokenError('TOKEN_MISSING', 'token missing', { realm: 'wf' }).wwwAuthenticate).toBe('Bearer realm="wf"');
    expect(bearerChallenge({ realm: 'a", error="x\\\n' })).toBe('Bearer realm="a, error=x"');
  });

  it('keeps the cause', () => {
    const cause = new Error('jose said no');
    expect(new TokenError('TOKEN_BAD_SIGNATURE', 'bad signature', { cause }).cause).toBe(cause);
    expect(new TokenError('TOKEN_BAD_SIGNATURE', 'bad signature', { cause }).withRealm('r').cause).toBe(cause);
  });
});
