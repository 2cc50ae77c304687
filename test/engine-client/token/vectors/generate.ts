/**
 * Writes the token vectors used by vectors.test.ts: `valid/*.jwt` must verify, and
 * `invalid/<attack>.jwt` must be refused with the code in `invalid/expected-codes.json`.
 * Tokens are minted at a fixed time (NOW) with fresh keys; only the public keys are kept
 * (`trusted-jwks.json`), the private keys are thrown away. Run again only to add vectors:
 *
 *   npx tsx test/engine-client/token/vectors/generate.ts
 */
import { createHmac, generateKeyPairSync, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CompactSign, type JWK } from 'jose';

import { AUDIENCE, ISSUER, NOW } from './constants.js';

const here = dirname(fileURLToPath(import.meta.url));
const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

function keyPair(type: 'ed25519' | 'ec' | 'rsa') {
  return type === 'ed25519'
    ? generateKeyPairSync('ed25519')
    : type === 'ec'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : generateKeyPairSync('rsa', { modulusLength: 2048 });
}

const ed = keyPair('ed25519');
const es = keyPair('ec');
const rs = keyPair('rsa');
const attacker = keyPair('ed25519');
const attackerEs = keyPair('ec');
const jwk = (key: KeyObject, kid: string, alg: string): JWK => ({ ...(key.export({ format: 'jwk' }) as JWK), kid, alg, use: 'sig' });
const trusted = { keys: [jwk(ed.publicKey, 'ed-1', 'EdDSA'), jwk(es.publicKey, 'es-1', 'ES256'), jwk(rs.publicKey, 'rs-1', 'RS256')] };

const claims = (extra: Record<string, unknown> = {}) => ({
  iss: ISSUER,
  aud: AUDIENCE,
  sub: 'alice',
  iat: NOW,
  nbf: NOW,
  exp: NOW + 300,
  jti: 'vector-jti',
  roles: ['user'],
  groups: ['staff'],
  acr: 'auth.weak',
  amr: ['pwd'],
  loginId: 'alice',
  ...extra,
});

function sign(payload: object, key: KeyObject, header: Record<string, unknown>): Promise<string> {
  return new CompactSign(Buffer.from(JSON.stringify(payload))).setProtectedHeader(header as never).sign(key);
}

/** Ed25519 signing without jose's header checks (jose refuses to sign some of the attacks). */
function rawEd25519(payload: object, header: object, key: KeyObject): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${cryptoSign(null, Buffer.from(input), key).toString('base64url')}`;
}

function hmac(payload: object, header: object, secret: Buffer): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** The same signature bytes with the unused low bits of the last base64url character set (a decoder ignores them). */
function withUnusedBitsSet(token: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const signature = token.slice(token.lastIndexOf('.') + 1);
  const unused = (signature.length * 6) % 8; // bits of the last character that carry nothing
  const last = alphabet.indexOf(signature.at(-1)!);
  const changed = alphabet[last | ((1 << unused) - 1)] === signature.at(-1) ? alphabet[last & ~((1 << unused) - 1)]! : alphabet[last | ((1 << unused) - 1)]!;
  return token.slice(0, -1) + changed;
}

async function main(): Promise<void> {
  const edHeader = { alg: 'EdDSA', kid: 'ed-1', typ: 'JWT' };
  const good = await sign(claims(), ed.privateKey, edHeader);
  const [goodHeader, , goodSignature] = good.split('.');
  const publicPem = rs.publicKey.export({ format: 'pem', type: 'spki' }) as string;

  const valid: Record<string, string> = {
    'eddsa': good,
    'es256': await sign(claims(), es.privateKey, { alg: 'ES256', kid: 'es-1', typ: 'JWT' }),
    'rs256': await sign(claims(), rs.privateKey, { alg: 'RS256', kid: 'rs-1', typ: 'portcullis+jwt' }),
    'typ-portcullis-jwt': await sign(claims(), ed.privateKey, { ...edHeader, typ: 'portcullis+jwt' }),
    'typ-with-media-type-prefix': await sign(claims(), ed.privateKey, { ...edHeader, typ: 'application/portcullis+jwt' }),
    'delegated-with-act': await sign(claims({ act: { sub: 'svc-batch', act: { sub: 'svc-scheduler' } } }), ed.privateKey, edHeader),
    'audience-list-naming-us': await sign(claims({ aud: ['other-engine', AUDIENCE] }), ed.privateKey, edHeader),
    'expired-within-clock-tolerance': await sign(claims({ exp: NOW - 5 }), ed.privateKey, edHeader),
  };

  const invalid: Record<string, [string, string]> = {
    'alg-none': [`${b64({ alg: 'none', kid: 'ed-1' })}.${b64(claims({ roles: ['admin'] }))}.`, 'TOKEN_ALG_NOT_ALLOWED'],
    'alg-none-capitalised': [`${b64({ alg: 'None', kid: 'ed-1' })}.${b64(claims({ roles: ['admin'] }))}.`, 'TOKEN_ALG_NOT_ALLOWED'],
    'alg-none-with-original-signature': [`${b64({ alg: 'none', kid: 'ed-1' })}.${b64(claims())}.${goodSignature}`, 'TOKEN_ALG_NOT_ALLOWED'],
    'hs256-rsa-public-pem-as-secret': [hmac(claims(), { alg: 'HS256', kid: 'rs-1' }, Buffer.from(publicPem)), 'TOKEN_ALG_NOT_ALLOWED'],
    'hs256-ed25519-public-jwk-as-secret': [hmac(claims(), { alg: 'HS256', kid: 'ed-1' }, Buffer.from(JSON.stringify(trusted.keys[0]))), 'TOKEN_ALG_NOT_ALLOWED'],
    'hs512-raw-public-key-bytes-as-secret': [hmac(claims(), { alg: 'HS512', kid: 'ed-1' }, Buffer.from(trusted.keys[0].x!, 'base64url')), 'TOKEN_ALG_NOT_ALLOWED'],
    'ps256-not-in-allow-list': [await sign(claims(), rs.privateKey, { alg: 'PS256', kid: 'rs-1' }), 'TOKEN_ALG_NOT_ALLOWED'],
    'es256-signature-under-ed25519-kid': [await sign(claims(), attackerEs.privateKey, { alg: 'ES256', kid: 'ed-1', typ: 'JWT' }), 'TOKEN_UNKNOWN_KID'],
    'attacker-key-under-trusted-kid': [await sign(claims(), attacker.privateKey, edHeader), 'TOKEN_BAD_SIGNATURE'],
    'payload-swapped-roles-admin': [`${goodHeader}.${b64(claims({ roles: ['admin'] }))}.${goodSignature}`, 'TOKEN_BAD_SIGNATURE'],
    'signature-stripped': [`${goodHeader}.${good.split('.')[1]}.`, 'TOKEN_BAD_SIGNATURE'],
    'embedded-jwk-header-attacker-key': [
      await sign(claims(), attacker.privateKey, { alg: 'EdDSA', kid: 'attacker', typ: 'JWT', jwk: attacker.publicKey.export({ format: 'jwk' }) }),
      'TOKEN_UNKNOWN_KID',
    ],
    'jku-header-to-attacker-jwks': [await sign(claims(), attacker.privateKey, { alg: 'EdDSA', kid: 'attacker', typ: 'JWT', jku: 'https://attacker.test/jwks.json' }), 'TOKEN_UNKNOWN_KID'],
    'kid-path-traversal': [await sign(claims(), attacker.privateKey, { alg: 'EdDSA', kid: '../../../../dev/null', typ: 'JWT' }), 'TOKEN_UNKNOWN_KID'],
    'kid-missing': [await sign(claims(), ed.privateKey, { alg: 'EdDSA' }), 'TOKEN_MALFORMED'],
    'kid-not-a-string': [rawEd25519(claims(), { alg: 'EdDSA', kid: 1 }, ed.privateKey), 'TOKEN_MALFORMED'],
    'crit-unknown-extension': [rawEd25519(claims(), { ...edHeader, crit: ['exp-ext'], 'exp-ext': true }, ed.privateKey), 'TOKEN_MALFORMED'],
    'expired': [await sign(claims({ iat: NOW - 900, nbf: NOW - 900, exp: NOW - 600 }), ed.privateKey, edHeader), 'TOKEN_EXPIRED'],
    'not-yet-valid': [await sign(claims({ nbf: NOW + 600 }), ed.privateKey, edHeader), 'TOKEN_NOT_YET_VALID'],
    'issued-in-the-future': [await sign(claims({ iat: NOW + 600 }), ed.privateKey, edHeader), 'TOKEN_NOT_YET_VALID'],
    'wrong-issuer': [await sign(claims({ iss: 'https://evil.test' }), ed.privateKey, edHeader), 'TOKEN_WRONG_ISSUER'],
    'issuer-with-trailing-slash': [await sign(claims({ iss: ISSUER + '/' }), ed.privateKey, edHeader), 'TOKEN_WRONG_ISSUER'],
    'wrong-audience': [await sign(claims({ aud: 'billing-engine' }), ed.privateKey, edHeader), 'TOKEN_WRONG_AUDIENCE'],
    'audience-missing': [await sign(claims({ aud: undefined }), ed.privateKey, edHeader), 'TOKEN_CLAIM_INVALID'],
    'roles-a-string-not-a-list': [await sign(claims({ roles: 'admin' }), ed.privateKey, edHeader), 'TOKEN_CLAIM_INVALID'],
    'roles-missing': [await sign(claims({ roles: undefined }), ed.privateKey, edHeader), 'TOKEN_CLAIM_INVALID'],
    'sub-empty': [await sign(claims({ sub: '' }), ed.privateKey, edHeader), 'TOKEN_CLAIM_INVALID'],
    'exp-a-string': [await sign(claims({ exp: String(NOW + 300) }), ed.privateKey, edHeader), 'TOKEN_CLAIM_INVALID'],
    'acr-unknown-level': [await sign(claims({ acr: 'auth.root' }), ed.privateKey, edHeader), 'TOKEN_CLAIM_INVALID'],
    'payload-not-json': [`${goodHeader}.${b64('not json')}.${goodSignature}`, 'TOKEN_BAD_SIGNATURE'],
    'jwe-shaped-five-parts': [`${b64({ alg: 'RSA-OAEP', enc: 'A256GCM' })}.a.b.c.d`, 'TOKEN_MALFORMED'],
    'typ-secevent-jwt': [await sign(claims(), ed.privateKey, { ...edHeader, typ: 'secevent+jwt' }), 'TOKEN_TYPE_NOT_ALLOWED'],
    'typ-access-token-at-jwt': [await sign(claims(), ed.privateKey, { ...edHeader, typ: 'at+jwt' }), 'TOKEN_TYPE_NOT_ALLOWED'],
    'typ-missing': [await sign(claims(), ed.privateKey, { alg: 'EdDSA', kid: 'ed-1' }), 'TOKEN_TYPE_NOT_ALLOWED'],
    'signature-last-char-differs-in-unused-bits': [withUnusedBitsSet(good), 'TOKEN_MALFORMED'],
    'payload-padded-with-equals': [`${goodHeader}.${good.split('.')[1]}==.${goodSignature}`, 'TOKEN_MALFORMED'],
    'header-not-json': [`${b64('{"alg":')}.${b64(claims())}.${goodSignature}`, 'TOKEN_MALFORMED'],
  };

  for (const folder of ['valid', 'invalid']) {
    rmSync(join(here, folder), { recursive: true, force: true });
    mkdirSync(join(here, folder));
  }
  writeFileSync(join(here, 'trusted-jwks.json'), JSON.stringify(trusted, null, 2) + '\n');
  for (const [name, token] of Object.entries(valid)) writeFileSync(join(here, 'valid', `${name}.jwt`), token + '\n');
  for (const [name, [token]] of Object.entries(invalid)) writeFileSync(join(here, 'invalid', `${name}.jwt`), token + '\n');
  const expected = Object.fromEntries(Object.entries(invalid).map(([name, [, code]]) => [name, code]));
  writeFileSync(join(here, 'invalid', 'expected-codes.json'), JSON.stringify(expected, null, 2) + '\n');
}

await main();
