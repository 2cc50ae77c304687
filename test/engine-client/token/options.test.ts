import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OptionsError } from '../../../engine-client/errors.js';
import { resolveVerifyOptions, VERIFY_DEFAULTS, type VerifyOptions } from '../../../engine-client/token/options.js';
import { createTokenVerifier } from '../../../engine-client/token/verify.js';
import { AUDIENCE, ISSUER, makeKey, mint, type TestKey } from './fixtures.js';

let dir: string;
let ed: TestKey;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ec-options-'));
  ed = makeKey('EdDSA', 'ed-1');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function optionsError(options: unknown): OptionsError {
  try {
    resolveVerifyOptions(options as VerifyOptions);
  } catch (err) {
    expect(err).toBeInstanceOf(OptionsError);
    return err as OptionsError;
  }
  throw new Error('expected OPTIONS_INVALID');
}

const base = () => ({ issuer: ISSUER, audience: AUDIENCE, keys: [ed.publicJwk] });

describe('verify options: defaults', () => {
  it('fills in every default and freezes the result', () => {
    const resolved = resolveVerifyOptions(base());
    expect(resolved.algorithms).toEqual(['EdDSA']);
    expect(resolved.clockToleranceSeconds).toBe(30);
    expect(resolved.maxTokenAgeSeconds).toBeUndefined();
    expect(resolved.maxTokenLength).toBe(8192);
    expect(resolved.cache).toEqual({ max: 10_000 });
    expect(resolved.audience).toEqual([AUDIENCE]);
    expect(Object.isFrozen(resolved)).toBe(true);
    expect(Object.isFrozen(VERIFY_DEFAULTS.jwks)).toBe(true);
  });

  it('fills in the JWKS fetch defaults (timeout, cooldown, max age)', () => {
    const { trust } = resolveVerifyOptions({ issuer: ISSUER, audience: AUDIENCE, jwksUrl: 'https://gw.example/.well-known/jwks.json' });
    expect(trust).toMatchObject({ kind: 'jwks', timeoutMs: 5000, cooldownMs: 30_000, cacheMaxAgeMs: 600_000 });
  });
});

describe('verify options: bad input fails at start-up naming the option', () => {
  it.each([
    ['no options', undefined, 'options'],
    ['issuer missing', { audience: AUDIENCE, keys: [] }, 'issuer'],
    ['issuer empty', { issuer: ' ', audience: AUDIENCE }, 'issuer'],
    ['audience missing', { issuer: ISSUER }, 'audience'],
    ['audience empty list', { issuer: ISSUER, audience: [] }, 'audience'],
    ['audience list with a number', { issuer: ISSUER, audience: ['a', 1] }, 'audience[1]'],
    ['unknown option (typo)', { ...{ issuer: ISSUER, audience: AUDIENCE }, isuer: 'x' }, 'isuer'],
    ['HS256 in algorithms', { issuer: ISSUER, audience: AUDIENCE, algorithms: ['EdDSA', 'HS256'] }, 'algorithms[1]'],
    ['none in algorithms', { issuer: ISSUER, audience: AUDIENCE, algorithms: ['none'] }, 'algorithms[0]'],
    ['PS256 (not in the contract)', { issuer: ISSUER, audience: AUDIENCE, algorithms: ['PS256'] }, 'algorithms[0]'],
    ['empty algorithms', { issuer: ISSUER, audience: AUDIENCE, algorithms: [] }, 'algorithms'],
    ['negative tolerance', { issuer: ISSUER, audience: AUDIENCE, clockToleranceSeconds: -1 }, 'clockToleranceSeconds'],
    ['tolerance as string', { issuer: ISSUER, audience: AUDIENCE, clockToleranceSeconds: '30' }, 'clockToleranceSeconds'],
    ['max age zero', { issuer: ISSUER, audience: AUDIENCE, maxTokenAgeSeconds: 0 }, 'maxTokenAgeSeconds'],
    ['cache.max zero', { issuer: ISSUER, audience: AUDIENCE, cache: { max: 0 } }, 'cache.max'],
    ['cache unknown key', { issuer: ISSUER, audience: AUDIENCE, cache: { ttl: 5 } }, 'cache.ttl'],
    ['no trust source', { issuer: ISSUER, audience: AUDIENCE }, 'jwksUrl'],
    ['two trust sources', { issuer: ISSUER, audience: AUDIENCE, jwksUrl: 'https://gw/jwks', keys: [] }, 'keys'],
    ['jwksUrl not a URL', { issuer: ISSUER, audience: AUDIENCE, jwksUrl: 'gateway/jwks' }, 'jwksUrl'],
    ['http jwksUrl off loopback', { issuer: ISSUER, audience: AUDIENCE, jwksUrl: 'http://gw.example/jwks' }, 'jwksUrl'],
    ['ftp jwksUrl', { issuer: ISSUER, audience: AUDIENCE, jwksUrl: 'ftp://gw.example/jwks' }, 'jwksUrl'],
    ['jwks.timeoutMs zero', { issuer: ISSUER, audience: AUDIENCE, jwksUrl: 'https://gw/jwks', jwks: { timeoutMs: 0 } }, 'jwks.timeoutMs'],
    ['jwks unknown key', { issuer: ISSUER, audience: AUDIENCE, jwksUrl: 'https://gw/jwks', jwks: { retries: 3 } }, 'jwks.retries'],
    ['jwks without jwksUrl', { ...{ issuer: ISSUER, audience: AUDIENCE }, keys: [{}], jwks: {} }, 'jwks'],
    ['keys not a list', { issuer: ISSUER, audience: AUDIENCE, keys: 'pem' }, 'keys'],
    ['keys empty', { issuer: ISSUER, audience: AUDIENCE, keys: [] }, 'keys'],
    ['key not a key', { issuer: ISSUER, audience: AUDIENCE, keys: [42] }, 'keys[0]'],
    ['key is PEM junk', { issuer: ISSUER, audience: AUDIENCE, keys: ['-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----'] }, 'keys[0]'],
    ['key file missing', { issuer: ISSUER, audience: AUDIENCE, keyFiles: ['/nonexistent/key.pem'] }, 'keyFiles[0]'],
    ['devKey of a wrong type', { issuer: ISSUER, audience: AUDIENCE, devKey: 'yes' }, 'devKey'],
    ['clock not a function', { ...{ issuer: ISSUER, audience: AUDIENCE }, keys: [{}], clock: 5 }, 'clock'],
  ])('%s → OPTIONS_INVALID at %s', (_name, options, path) => {
    const err = optionsError(options);
    expect(err.code).toBe('OPTIONS_INVALID');
    expect(err.path).toBe(path);
    expect(err.message.startsWith(`${path}: `)).toBe(true);
  });

  it('refuses a private key where a public key belongs (PEM and JWK)', () => {
    const pem = ed.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    expect(optionsError({ ...base(), keys: [pem] }).path).toBe('keys[0]');
    const jwk = ed.privateKey.export({ format: 'jwk' });
    expect(optionsError({ ...base(), keys: [{ ...jwk, kid: 'x' }] }).path).toBe('keys[0]');
  });

  it('refuses a symmetric JWK', () => {
    expect(optionsError({ ...base(), keys: [{ kty: 'oct', k: 'c2VjcmV0', kid: 'hs' }] }).path).toBe('keys[0]');
  });

  it('refuses a key whose algorithm is not allowed, and a JWK whose alg contradicts its type', () => {
    const rs = makeKey('RS256', 'rs');
    expect(optionsError({ ...base(), keys: [rs.publicJwk] }).path).toBe('keys[0]');
    expect(optionsError({ ...base(), keys: [{ ...ed.publicJwk, alg: 'ES256' }], algorithms: ['EdDSA', 'ES256'] }).path).toBe('keys[0].alg');
  });

  it('refuses an RSA key shorter than 2048 bits', () => {
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'pem', type: 'spki' }) as string;
    expect(optionsError({ ...base(), algorithms: ['RS256'], keys: [weak] }).path).toBe('keys[0]');
  });

  it('refuses the same kid twice', () => {
    expect(optionsError({ ...base(), keys: [ed.publicJwk, ed.publicJwk] }).path).toBe('keys');
  });

  it('allows http:// JWKS off loopback only when asked, with a coded warning', () => {
    const warnings: string[] = [];
    resolveVerifyOptions({
      issuer: ISSUER,
      audience: AUDIENCE,
      jwksUrl: 'http://gateway.internal/jwks',
      jwks: { allowInsecureHttp: true },
      onWarning: (w) => warnings.push(w.code),
    });
    expect(warnings).toEqual(['PORTCULLIS_INSECURE_JWKS']);
  });
});

describe('key files', () => {
  it('loads a PEM public key file (kid = RFC 7638 thumbprint, as the gateway names it) and a JWKS file', async () => {
    const rs = makeKey('RS256');
    writeFileSync(join(dir, 'rs.pem'), rs.publicPem);
    const es = makeKey('ES256', 'es-named');
    writeFileSync(join(dir, 'jwks.json'), JSON.stringify({ keys: [es.publicJwk] }));
    const v = createTokenVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ['RS256', 'ES256'],
      keyFiles: [join(dir, 'rs.pem'), join(dir, 'jwks.json')],
    });
    const kids = (v.options.trust as { jwks: { keys: { kid?: string }[] } }).jwks.keys.map((k) => k.kid);
    expect(kids).toEqual([rs.kid, 'es-named']);
    await expect(v.verify(await mint({ key: rs }))).resolves.toMatchObject({ header: { alg: 'RS256', kid: rs.kid }, claims: { sub: 'alice' } });
    await expect(v.verify(await mint({ key: es }))).resolves.toMatchObject({ header: { alg: 'ES256', kid: 'es-named' }, claims: { sub: 'alice' } });
  });

  it('gives a PEM key file the kid it is told', async () => {
    writeFileSync(join(dir, 'ed.pem'), ed.publicPem);
    const v = createTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, keyFiles: [{ path: join(dir, 'ed.pem'), kid: 'ed-1' }] });
    await expect(v.verify(await mint({ key: ed }))).resolves.toMatchObject({ header: { alg: 'EdDSA', kid: 'ed-1' }, claims: { sub: 'alice' } });
  });
});
