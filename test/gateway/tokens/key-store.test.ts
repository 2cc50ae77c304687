import { describe, expect, it } from 'vitest';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSigningKey, jwksOf, loadSigningKeys, writeSigningKey } from '../../../gateway/tokens/key-store.js';

const options = (keysDir: string, production = false) => ({ keysDir, algorithm: 'EdDSA' as const, generateIfMissing: true, production });

describe('signing keys', () => {
  it('generates a key on first start outside production and loads the same one afterwards', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'pc-keys-')), 'keys');
    const first = await loadSigningKeys(options(dir));
    const again = await loadSigningKeys(options(dir));
    expect(again.current.kid).toBe(first.current.kid);
    expect(first.current.publicJwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig', kid: first.current.kid });
    expect(first.current.publicJwk.d).toBeUndefined();
  });

  it('refuses to generate a key at start under NODE_ENV=production', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'pc-keys-')), 'keys');
    await expect(loadSigningKeys(options(dir, true))).rejects.toMatchObject({ code: 'GW_DEV_SHORTCUT_IN_PRODUCTION' });
    expect(await readdir(dir).catch(() => [])).toEqual([]);
  });

  it('keeps the previous key published through a rotation', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'pc-keys-')), 'keys');
    const before = await loadSigningKeys(options(dir));
    await writeSigningKey(dir, await generateSigningKey('ES256'));
    const after = await loadSigningKeys(options(dir, true)); // an existing key is fine in production
    expect(after.current.alg).toBe('ES256');
    expect(after.previous?.kid).toBe(before.current.kid);
    expect(jwksOf(after).keys.map((k) => k.kid)).toEqual([after.current.kid, before.current.kid]);
  });

  it('names an unreadable key file in a coded error', async () => {
    await expect(loadSigningKeys({ ...options('/nonexistent'), privateKeyFile: '/nonexistent/key.pem' })).rejects.toMatchObject({ code: 'GW_SIGNING_KEY_UNUSABLE' });
  });
});
