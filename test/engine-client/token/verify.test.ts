import { createHmac } from 'node:crypto';
import { errors as jose, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { EngineClientError, TokenError } from '../../../engine-client/errors.js';
import { createTokenVerifier, verifyToken, VERIFIER_PER_CALL_THRESHOLD, type TokenVerifier } from '../../../engine-client/token/verify.js';
import type { VerifyOptions } from '../../../engine-client/token/options.js';
import { AUDIENCE, b64url, ISSUER, makeKey, mint, rejectionOf, type TestKey } from './fixtures.js';

let ed: TestKey;
let other: TestKey;
let es: TestKey;
let rs: TestKey;

beforeAll(() => {
  ed = makeKey('EdDSA', 'ed-1');
  other = makeKey('EdDSA', 'ed-1'); // same kid, different key: an impostor
  es = makeKey('ES256', 'es-1');
  rs = makeKey('RS256', 'rs-1');
});

function verifier(extra: Partial<VerifyOptions> = {}): TokenVerifier {
  return createTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, keys: [ed.publicJwk], ...extra } as VerifyOptions);
}

async function refusal(v: TokenVerifier, token: unknown) {
  const err = await rejectionOf(v.verify(token));
  expect(err).toBeInstanceOf(EngineClientError);
  return err as unknown as TokenError;
}

describe('verifyToken: accepted', () => {
  it('accepts a valid EdDSA contract token and returns its checked, frozen claims', async () => {
    const token = await mint({ key: ed, omit: ['groups', 'amr', 'acr'] });
    const { claims, header } = await verifyToken(token, verifier());
    expect(claims.sub).toBe('alice');
    expect(claims.roles).toEqual(['user']);
    // contract defaults for optional claims
    expect(claims.groups).toEqual([]);
    expect(claims.amr).toEqual([]);
    expect(claims.acr).toBe('auth.weak');
    expect(header).toEqual({ alg: 'EdDSA', kid: 'ed-1', typ: 'JWT' });
    expect(Object.isFrozen(claims)).toBe(true);
    expect(Object.isFrozen(claims.roles)).toBe(true);
  });

  it('accepts ES256 and RS256 when they are allowed', async () => {
    const v = verifier({ keys: [es.publicJwk, { pem: rs.publicPem, kid: 'rs-1' }], algorithms: ['ES256', 'RS256'] });
    await expect(v.verify(await mint({ key: es }))).resolves.toMatchObject({ header: { alg: 'ES256', kid: es.kid }, claims: { sub: 'alice' } });
    await expect(v.verify(await mint({ key: rs }))).resolves.toMatchObject({ header: { alg: 'RS256', kid: 'rs-1' }, claims: { sub: 'alice' } });
  });

  it('accepts a token naming any one of several configured audiences', async () => {
    const v = verifier({ audience: ['portal-a', AUDIENCE] });
    await expect(v.verify(await mint({ key: ed }))).resolves.toMatchObject({ claims: { aud: AUDIENCE, sub: 'alice' } });
  });

  it('accepts a token expired by less than the clock tolerance', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await mint({ key: ed, now: now - 400, lifetime: 390 }); // expired 10 s ago
    await expect(verifier().verify(token)).resolves.toMatchObject({ claims: { exp: now - 10, sub: 'alice' } });
  });
});

describe('verifyToken: refused (each attack tried, the refusal asserted)', () => {
  it('refuses alg "none" (unsigned token) before any key lookup', async () => {
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${b64url({ alg: 'none', kid: 'ed-1', typ: 'JWT' })}.${b64url({ iss: ISSUER, aud: AUDIENCE, sub: 'mallory', iat: now, nbf: now, exp: now + 60, jti: 'x', roles: ['admin'] })}.`;
    const err = await refusal(verifier(), unsigned);
    expect(err.code).toBe('TOKEN_ALG_NOT_ALLOWED');
    expect(err.statusCode).toBe(401);
    expect(err.wwwAuthenticate).toBe('Bearer error="invalid_token", error_description="algorithm not allowed"');
  });

  it('refuses HS256 signed with the public key as the HMAC secret (algorithm confusion)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const v = verifier({ keys: [{ pem: rs.publicPem, kid: 'rs-1' }], algorithms: ['RS256'] });
    const claims = { iss: ISSUER, aud: AUDIENCE, sub: 'mallory', iat: now, nbf: now, exp: now + 60, jti: 'x', roles: ['admin'] };
    for (const secret of [Buffer.from(rs.publicPem), Buffer.from(JSON.stringify(rs.publicJwk))]) {
      const signingInput = `${b64url({ alg: 'HS256', kid: 'rs-1', typ: 'JWT' })}.${b64url(claims)}`;
      const forged = `${signingInput}.${createHmac('sha256', secret).update(signingInput).digest('base64url')}`;
      const err = await refusal(v, forged);
      expect(err.code).toBe('TOKEN_ALG_NOT_ALLOWED');
    }
    // and jose itself signs HS256 with such a secret: still refused
    const viaJose = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: 'rs-1' }).sign(new Uint8Array(Buffer.from(rs.publicPem)));
    expect((await refusal(v, viaJose)).code).toBe('TOKEN_ALG_NOT_ALLOWED');
  });

  it('refuses an allowed-by-type but not allowed-by-config algorithm (RS256 when only EdDSA)', async () => {
    const err = await refusal(verifier({ keys: [ed.publicJwk] }), await mint({ key: rs }));
    expect(err.code).toBe('TOKEN_ALG_NOT_ALLOWED');
  });

  it('refuses a token signed by another key under a trusted kid (wrong key)', async () => {
    const err = await refusal(verifier(), await mint({ key: other }));
    expect(err.code).toBe('TOKEN_BAD_SIGNATURE');
    expect(err.cause).toBeInstanceOf(jose.JWSSignatureVerificationFailed);
    expect(err.wwwAuthenticate).toContain('error_description="bad signature"');
  });

  it('refuses a token whose payload was changed after signing', async () => {
    const [h, , s] = (await mint({ key: ed })).split('.');
    const now = Math.floor(Date.now() / 1000);
    const tampered = `${h}.${b64url({ iss: ISSUER, aud: AUDIENCE, sub: 'alice', iat: now, nbf: now, exp: now + 60, jti: 'x', roles: ['admin'] })}.${s}`;
    expect((await refusal(verifier(), tampered)).code).toBe('TOKEN_BAD_SIGNATURE');
  });

  it('refuses a wrong issuer', async () => {
    const err = await refusal(verifier(), await mint({ key: ed, claims: { iss: 'https://evil.test' } }));
    expect(err.code).toBe('TOKEN_WRONG_ISSUER');
    expect(err.wwwAuthenticate).toContain('wrong issuer');
  });

  it('refuses a wrong audience (a token minted for another engine)', async () => {
    const err = await refusal(verifier(), await mint({ key: ed, claims: { aud: 'billing-engine' } }));
    expect(err.code).toBe('TOKEN_WRONG_AUDIENCE');
  });

  it('refuses an expired token, naming why in WWW-Authenticate', async () => {
    const now = Math.floor(Date.now() / 1000);
    const err = await refusal(verifier(), await mint({ key: ed, now: now - 600, lifetime: 300 }));
    expect(err.code).toBe('TOKEN_EXPIRED');
    expect(err.statusCode).toBe(401);
    expect(err.expose).toBe(true);
    expect(err.wwwAuthenticate).toBe('Bearer error="invalid_token", error_description="token expired"');
    expect(err.cause).toBeInstanceOf(jose.JWTExpired);
  });

  it('refuses a token that is not yet valid (nbf in the future)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const err = await refusal(verifier(), await mint({ key: ed, claims: { nbf: now + 120 } }));
    expect(err.code).toBe('TOKEN_NOT_YET_VALID');
  });

  it('refuses a token issued in the future (iat beyond the tolerance)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const err = await refusal(verifier(), await mint({ key: ed, claims: { iat: now + 120 } }));
    expect(err.code).toBe('TOKEN_NOT_YET_VALID');
  });

  it('refuses a token older than maxTokenAgeSeconds whatever its exp', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await mint({ key: ed, now: now - 200, lifetime: 3600 });
    expect((await refusal(verifier({ maxTokenAgeSeconds: 60 }), token)).code).toBe('TOKEN_EXPIRED');
    // the same token without the age limit is fine: the refusal above is the age check's doing
    await expect(verifier().verify(token)).resolves.toMatchObject({ claims: { iat: now - 200, sub: 'alice' } });
  });

  it('refuses an unknown kid with local keys', async () => {
    const stranger = makeKey('EdDSA', 'ghost');
    const err = await refusal(verifier(), await mint({ key: stranger }));
    expect(err.code).toBe('TOKEN_UNKNOWN_KID');
  });

  it('refuses a token without kid', async () => {
    const token = await new SignJWT({ roles: [] }).setProtectedHeader({ alg: 'EdDSA' }).sign(ed.privateKey);
    expect((await refusal(verifier(), token)).code).toBe('TOKEN_MALFORMED');
  });

  it.each([
    ['roles missing', { omit: ['roles'] }],
    ['roles not a list', { claims: { roles: 'admin' } }],
    ['roles with a non-string', { claims: { roles: ['user', 7] } }],
    ['jti missing', { omit: ['jti'] }],
    ['sub missing', { omit: ['sub'] }],
    ['exp missing', { omit: ['exp'] }],
    ['nbf missing', { omit: ['nbf'] }],
    ['iat missing', { omit: ['iat'] }],
    ['acr not a level', { claims: { acr: 'auth.godlike' } }],
    ['groups not a list', { claims: { groups: 'staff' } }],
    ['act without sub', { claims: { act: { client: 'x' } } }],
  ])('refuses a contract violation: %s', async (_name, spec) => {
    const err = await refusal(verifier(), await mint({ key: ed, ...(spec as object) }));
    expect(err.code).toBe('TOKEN_CLAIM_INVALID');
  });

  it.each([
    ['garbage', 'not-a-token'],
    ['two parts', 'abc.def'],
    ['JWE-like five parts', 'a.b.c.d.e'],
    ['bad header JSON', `${b64url('{nope')}.${b64url({})}.sig`],
  ])('refuses a malformed token: %s', async (_name, token) => {
    expect((await refusal(verifier(), token)).code).toBe('TOKEN_MALFORMED');
  });

  it('refuses a token longer than maxTokenLength before parsing it', async () => {
    const err = await refusal(verifier({ maxTokenLength: 1024 }), 'a'.repeat(1025));
    expect(err.code).toBe('TOKEN_MALFORMED');
  });

  it('answers TOKEN_MISSING (no error= in the challenge) for no token', async () => {
    for (const token of [undefined, '', null]) {
      const err = await refusal(verifier(), token);
      expect(err.code).toBe('TOKEN_MISSING');
      expect(err.wwwAuthenticate).toBe('Bearer');
    }
  });

  it('never puts the token into the error message or challenge', async () => {
    const token = await mint({ key: other });
    const err = await refusal(verifier(), token);
    expect(err.message).not.toContain(token.split('.')[2]);
    expect(JSON.stringify(err.headers)).not.toContain(token.split('.')[2]);
  });
});

describe('cache of verified tokens', () => {
  it('answers a repeated token from the cache without verifying again', async () => {
    const v = verifier();
    const token = await mint({ key: ed });
    const first = await v.verify(token);
    const second = await v.verify(token);
    expect(second).toBe(first);
    expect(v.stats).toEqual({ verified: 1, cacheHits: 1, coalesced: 0, refused: 0 });
  });

  it('stops using a cached token at its exp and verifies (and refuses) it again', async () => {
    let now = Date.now();
    const v = verifier({ clock: () => now, clockToleranceSeconds: 0 });
    const token = await mint({ key: ed, now: Math.floor(now / 1000), lifetime: 60 });
    await v.verify(token);
    now += 30_000;
    await v.verify(token);
    expect(v.stats.cacheHits).toBe(1);
    now += 31_000;
    expect((await refusal(v, token)).code).toBe('TOKEN_EXPIRED');
    expect(v.stats).toEqual({ verified: 1, cacheHits: 1, coalesced: 0, refused: 1 });
  });

  it('verifies a burst of concurrent requests with one new token once', async () => {
    const v = verifier();
    const token = await mint({ key: ed });
    const results = await Promise.all(Array.from({ length: 10 }, () => v.verify(token)));
    expect(new Set(results).size).toBe(1);
    expect(v.stats).toEqual({ verified: 1, cacheHits: 0, coalesced: 9, refused: 0 });
    const forged = await mint({ key: other });
    const refusals = await Promise.all(Array.from({ length: 3 }, () => rejectionOf(v.verify(forged))));
    expect(refusals.map((e) => e.code)).toEqual(Array(3).fill('TOKEN_BAD_SIGNATURE'));
    expect(v.stats.refused).toBe(1);
  });

  it('verifies every time with cache: false', async () => {
    const v = verifier({ cache: false });
    const token = await mint({ key: ed });
    await v.verify(token);
    await v.verify(token);
    expect(v.stats).toEqual({ verified: 2, cacheHits: 0, coalesced: 0, refused: 0 });
  });

  it('keeps at most cache.max tokens', async () => {
    const v = verifier({ cache: { max: 1 } });
    const a = await mint({ key: ed });
    const b = await mint({ key: ed });
    await v.verify(a);
    await v.verify(b);
    await v.verify(a);
    expect(v.stats).toEqual({ verified: 3, cacheHits: 0, coalesced: 0, refused: 0 });
  });

  it('never caches a refused token', async () => {
    const v = verifier();
    const token = await mint({ key: other });
    await refusal(v, token);
    await refusal(v, token);
    expect(v.stats).toEqual({ verified: 0, cacheHits: 0, coalesced: 0, refused: 2 });
  });

  it('verifyToken(token, options) keeps one verifier per options object', async () => {
    const options: VerifyOptions = { issuer: ISSUER, audience: AUDIENCE, keys: [ed.publicJwk] };
    const token = await mint({ key: ed });
    const a = await verifyToken(token, options);
    const b = await verifyToken(token, options);
    expect(b).toBe(a); // the second call was a cache hit of the same verifier
  });

  it('warns once (coded) when verifyToken gets a new options object on every call', async () => {
    const codes: string[] = [];
    const token = await mint({ key: ed });
    for (let i = 0; i < VERIFIER_PER_CALL_THRESHOLD + 5; i++) {
      await verifyToken(token, { issuer: ISSUER, audience: AUDIENCE, keys: [ed.publicJwk], onWarning: (w) => codes.push(w.code) });
    }
    expect(codes).toEqual(['PORTCULLIS_VERIFIER_PER_CALL']);
  });

  it('verifyToken rejects (does not throw synchronously) on bad options', async () => {
    const err = await rejectionOf(verifyToken('x', { issuer: ISSUER } as VerifyOptions));
    expect((err as unknown as EngineClientError).code).toBe('OPTIONS_INVALID');
  });
});
