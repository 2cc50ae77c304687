import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DevModeError } from '../../../engine-client/errors.js';
import { DEV_KEY_FILES, loadDevKey, mintDevToken } from '../../../engine-client/token/dev-key.js';
import type { EngineClientWarning } from '../../../engine-client/token/options.js';
import { createTokenVerifier } from '../../../engine-client/token/verify.js';
import { AUDIENCE, ISSUER, rejectionOf } from './fixtures.js';

let dir: string;

beforeEach(() => {
  dir = join(mkdtempSync(join(tmpdir(), 'ec-dev-')), 'keys');
});
afterEach(() => {
  vi.unstubAllEnvs();
  rmSync(join(dir, '..'), { recursive: true, force: true });
});

describe('development mode', () => {
  it('generates an Ed25519 dev key pair on first use (private key 0600) and reuses it after', () => {
    const first = loadDevKey({ dir, env: {} });
    expect(first.created).toBe(true);
    expect(statSync(join(dir, DEV_KEY_FILES.privateKey)).mode & 0o777).toBe(0o600);
    const published = JSON.parse(readFileSync(join(dir, DEV_KEY_FILES.jwks), 'utf8'));
    expect(published.keys).toEqual([first.publicJwk]);
    expect(first.publicJwk).not.toHaveProperty('d');
    const second = loadDevKey({ dir, env: {} });
    expect(second.created).toBe(false);
    expect(second.kid).toBe(first.kid);
  });

  it('accepts tokens of the dev key, and says so loudly at start with a coded warning', async () => {
    const warnings: EngineClientWarning[] = [];
    const v = createTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, devKey: { dir, env: {} }, onWarning: (w) => warnings.push(w) });
    expect(warnings).toHaveLength(1);
    expect(warnings[0].code).toBe('PORTCULLIS_DEV_KEY');
    expect(warnings[0].message).toMatch(/DEVELOPMENT MODE/);
    const token = await mintDevToken(v.devKey!, { issuer: ISSUER, audience: AUDIENCE, claims: { sub: 'dev', roles: ['admin'] }, env: {} });
    const { claims } = await v.verify(token);
    expect(claims.sub).toBe('dev');
    expect(claims.roles).toEqual(['admin']);
  });

  it('refuses to load the dev key under NODE_ENV=production', () => {
    expect(() => loadDevKey({ dir, env: { NODE_ENV: 'production' } })).toThrowError(DevModeError);
    expect(existsSync(dir)).toBe(false); // refused before anything was written
  });

  it('refuses to start a verifier with devKey when the process runs with NODE_ENV=production', () => {
    vi.stubEnv('NODE_ENV', 'production');
    let code: string | undefined;
    try {
      createTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, devKey: { dir }, onWarning: () => {} });
    } catch (err) {
      code = (err as DevModeError).code;
    }
    expect(code).toBe('DEV_MODE_IN_PRODUCTION');
  });

  it('refuses to mint dev tokens under NODE_ENV=production', async () => {
    const devKey = loadDevKey({ dir, env: {} });
    const err = await rejectionOf(mintDevToken(devKey, { issuer: ISSUER, audience: AUDIENCE, claims: { sub: 'x' }, env: { NODE_ENV: 'production' } }));
    expect(err.code).toBe('DEV_MODE_IN_PRODUCTION');
  });

  it('a dev token is refused by a verifier that trusts the real keys only', async () => {
    const devKey = loadDevKey({ dir, env: {} });
    const token = await mintDevToken(devKey, { issuer: ISSUER, audience: AUDIENCE, claims: { sub: 'x' }, env: {} });
    const other = loadDevKey({ dir: join(dir, 'other'), env: {} });
    const v = createTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, keys: [other.publicJwk] });
    expect((await rejectionOf(v.verify(token))).code).toBe('TOKEN_UNKNOWN_KID');
  });
});
