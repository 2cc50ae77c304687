/**
 * Property tests: no single-character change to a valid token makes it verify with other
 * content. (base64url's last character of a segment has unused bits, so a change there can
 * decode to the very same bytes: such a token verifies, and must carry identical content.)
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createTokenVerifier } from '../../../engine-client/token/verify.js';
import { AUDIENCE, ISSUER, makeKey, mint } from './fixtures.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';

const decodeParts = (token: string) => token.split('.').map((part) => Buffer.from(part, 'base64url').toString('hex'));

describe('token mutation', () => {
  it('a token with any one character changed is refused unless it decodes to the same bytes', async () => {
    const key = makeKey('EdDSA', 'k');
    const v = createTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, keys: [key.publicJwk], cache: false });
    const token = await mint({ key });
    const original = decodeParts(token);
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: token.length - 1 }), fc.constantFrom(...ALPHABET), async (index, char) => {
        fc.pre(token[index] !== char);
        const mutated = token.slice(0, index) + char + token.slice(index + 1);
        const outcome = await v.verify(mutated).then(
          () => 'accepted',
          (err: { code?: string }) => err.code,
        );
        if (outcome === 'accepted') expect(decodeParts(mutated)).toEqual(original);
        else expect(outcome).toMatch(/^TOKEN_/);
      }),
      { numRuns: 300 },
    );
  });
});
