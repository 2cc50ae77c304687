/**
 * Token vectors (vectors/valid, vectors/invalid): one file per case, named after the attack,
 * minted once by vectors/generate.ts at a fixed time. One table-driven test: every valid
 * token verifies, every invalid one is refused with the code expected for it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTokenVerifier } from '../../../engine-client/token/verify.js';
import { AUDIENCE, ISSUER, NOW } from './vectors/constants.js';
import { rejectionOf } from './fixtures.js';

const dir = join(import.meta.dirname, 'vectors');
const read = (folder: string, file: string) => readFileSync(join(dir, folder, file), 'utf8').trim();
const tokensIn = (folder: string) => readdirSync(join(dir, folder)).filter((f) => f.endsWith('.jwt')).map((f) => f.slice(0, -4)).sort();
const expected: Record<string, string> = JSON.parse(read('invalid', 'expected-codes.json'));

function verifier() {
  return createTokenVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    algorithms: ['EdDSA', 'ES256', 'RS256'],
    keys: JSON.parse(readFileSync(join(dir, 'trusted-jwks.json'), 'utf8')).keys,
    clock: () => (NOW + 10) * 1000,
    cache: false,
  });
}

describe('token vectors', () => {
  it('every invalid vector has an expected code and every expected code a vector', () => {
    expect(Object.keys(expected).sort()).toEqual(tokensIn('invalid'));
  });

  it.each(tokensIn('valid'))('valid/%s verifies', async (name) => {
    const { claims } = await verifier().verify(read('valid', `${name}.jwt`));
    expect(claims.sub).toBe('alice');
  });

  it.each(tokensIn('invalid'))('invalid/%s is refused', async (name) => {
    const err = await rejectionOf(verifier().verify(read('invalid', `${name}.jwt`)));
    expect({ name, code: err.code, status: err.statusCode }).toEqual({ name, code: expected[name], status: 401 });
  });
});
