import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { vaultSchema } from '../../../config/schema/vault.js';
import { MemoryDurableStore } from '../../../gateway/durable/memory-store.js';
import { credentialAad, open, seal } from '../../../gateway/vault/envelope.js';
import { credentialRecord, dataKeyRecord, type CredentialRecord, type DataKeyRecord } from '../../../gateway/vault/layout.js';
import { loadMasterKeys } from '../../../gateway/vault/master-keys.js';
import { Vault, type VaultActor } from '../../../gateway/vault/vault.js';

const silent = pino({ level: 'silent' });
const me: VaultActor = { actor: 'test', via: 'cli' };
const k1 = randomBytes(32).toString('base64');
const k2 = randomBytes(32).toString('hex');
const ctx = (env: Record<string, string>) => ({ configDir: '/', dataDir: '/nonexistent', env });

async function vaultWith(store: MemoryDurableStore, keys: Array<{ id: string; key: string }>, activeKey?: string) {
  const env: Record<string, string> = {};
  const masterKeys = keys.map((k) => {
    env[`KEY_${k.id}`] = k.key;
    return { id: k.id, key: `env://KEY_${k.id}` };
  });
  const settings = vaultSchema.parse({ masterKeys, activeKey });
  const ring = (await loadMasterKeys(settings, store, ctx(env)))!;
  return new Vault(store, ring, settings.limits, silent);
}

describe('the envelope (AES-256-GCM)', () => {
  const key = randomBytes(32);
  const sealed = seal(key, Buffer.from('s3cret-value'), credentialAad('alice', 'github_token'));

  it('opens only for its own user and credential name', () => {
    expect(open(key, sealed, credentialAad('alice', 'github_token')).toString()).toBe('s3cret-value');
    expect(() => open(key, sealed, credentialAad('bob', 'github_token'))).toThrow();
    expect(() => open(key, sealed, credentialAad('alice', 'gitlab_token'))).toThrow();
    expect(() => open(randomBytes(32), sealed, credentialAad('alice', 'github_token'))).toThrow();
  });

  it('refuses a change of any single character of the sealed text', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    for (let i = 0; i < sealed.length; i++) {
      const c = sealed[i]!;
      const other = c === '.' ? 'x' : alphabet[(alphabet.indexOf(c) + 1) % alphabet.length]!;
      const tampered = sealed.slice(0, i) + other + sealed.slice(i + 1);
      expect(() => open(key, tampered, credentialAad('alice', 'github_token')), `character ${i}`).toThrow();
    }
    expect(() => open(key, sealed.slice(0, -1), credentialAad('alice', 'github_token'))).toThrow();
    expect(() => open(key, `${sealed}A`, credentialAad('alice', 'github_token'))).toThrow();
  });

  it('uses a fresh nonce every time: the same value seals differently', () => {
    expect(seal(key, Buffer.from('x'), 'a')).not.toBe(seal(key, Buffer.from('x'), 'a'));
  });
});

describe('the vault', () => {
  it('stores, lists names only, replaces and removes', async () => {
    const store = new MemoryDurableStore();
    const vault = await vaultWith(store, [{ id: 'k1', key: k1 }]);
    expect(await vault.set('alice', 'github_token', 'ghp_one', me)).toEqual({ replaced: false });
    expect(await vault.set('alice', 'github_token', 'ghp_two', me)).toEqual({ replaced: true });
    await vault.set('alice', 'aws_key', 'AKIA', me);
    expect((await vault.list('alice', me)).map((c) => c.key)).toEqual(['aws_key', 'github_token']);
    expect(JSON.stringify(await vault.list('alice', me))).not.toContain('ghp_two');
    expect((await vault.read('alice', ['github_token', 'nothing'], me))).toEqual(new Map([['github_token', 'ghp_two'], ['nothing', undefined]]));
    expect(await vault.remove('alice', 'aws_key', me)).toBe(true);
    expect(await vault.remove('alice', 'aws_key', me)).toBe(false);
    // nothing in the store is the value in clear
    expect(JSON.stringify(await store.list(''))).not.toContain('ghp_two');
  });

  it('keeps users apart: a ciphertext copied to another user or name does not decrypt', async () => {
    const store = new MemoryDurableStore();
    const vault = await vaultWith(store, [{ id: 'k1', key: k1 }]);
    await vault.set('alice', 'github_token', 'alice-secret', me);
    await vault.set('bob', 'github_token', 'bob-secret', me);
    expect((await vault.read('bob', ['github_token'], me)).get('github_token')).toBe('bob-secret');
    const alices = (await store.get<CredentialRecord>(credentialRecord('alice', 'github_token')))!.value;
    // moved to bob (claiming to be bob's), and renamed within alice
    await store.put(credentialRecord('bob', 'github_token'), { ...alices, userId: 'bob' }, 'any');
    await expect(vault.read('bob', ['github_token'], me)).rejects.toMatchObject({ code: 'GW_VAULT_DECRYPT_FAILED' });
    await store.put(credentialRecord('alice', 'other_name'), alices, 'any');
    await expect(vault.read('alice', ['other_name'], me)).rejects.toMatchObject({ code: 'GW_VAULT_DECRYPT_FAILED' });
    // a record left under bob's name but still saying alice is not bob's: it reads as absent
    await store.put(credentialRecord('bob', 'github_token'), alices, 'any');
    expect((await vault.read('bob', ['github_token'], me)).get('github_token')).toBeUndefined();
  });

  it('refuses a tampered data key, and a data key moved to another user', async () => {
    const store = new MemoryDurableStore();
    const vault = await vaultWith(store, [{ id: 'k1', key: k1 }]);
    await vault.set('alice', 'a', 'x', me);
    await vault.set('bob', 'a', 'y', me);
    const alicesKey = (await store.get<DataKeyRecord>(dataKeyRecord('alice')))!.value;
    await store.put(dataKeyRecord('bob'), { ...alicesKey, userId: 'bob' }, 'any');
    const fresh = await vaultWith(store, [{ id: 'k1', key: k1 }]); // no cached data keys
    await expect(fresh.read('bob', ['a'], me)).rejects.toMatchObject({ code: 'GW_VAULT_DECRYPT_FAILED' });
  });

  it.each([
    ['an empty name', '', 'v', /^key: /],
    ['a name with a dash', 'git-hub', 'v', /^key: .*letters, digits and _/],
    ['a name starting with a digit', '1token', 'v', /^key: /],
    ['a name over 64 characters', 'k'.repeat(65), 'v', /^key: is longer than 64/],
    ['an empty value', 'ok', '', /^value: is empty/],
    ['a value over 8192 bytes', 'ok', 'é'.repeat(4097), /^value: is larger than 8192 bytes/],
    ['a value with NUL', 'ok', 'a\u0000b', /^value: holds a control character/],
  ])('refuses %s with a 400 naming the field', async (_what, key, value, message) => {
    const vault = await vaultWith(new MemoryDurableStore(), [{ id: 'k1', key: k1 }]);
    const err = await vault.set('alice', key, value, me).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'GW_CREDENTIAL_INVALID', statusCode: 400, message: expect.stringMatching(message) });
  });

  it('accepts a multi-line value (a PEM key) and stops at the per-user limit', async () => {
    const store = new MemoryDurableStore();
    const settings = vaultSchema.parse({ masterKeys: [{ id: 'k1', key: 'env://K' }], limits: { perUser: 2 } });
    const vault = new Vault(store, (await loadMasterKeys(settings, store, ctx({ K: k1 })))!, settings.limits, silent);
    await vault.set('alice', 'pem', '-----BEGIN KEY-----\nabc\n-----END KEY-----\n', me);
    await vault.set('alice', 'two', 'v', me);
    await vault.set('alice', 'two', 'replacing is fine', me);
    await expect(vault.set('alice', 'three', 'v', me)).rejects.toMatchObject({ code: 'GW_CREDENTIAL_INVALID', message: expect.stringMatching(/^key: a user may store at most 2/) });
  });
});

describe('master keys', () => {
  it('refuses a wrong master key at start with an error naming its id, and writes nothing under it', async () => {
    const store = new MemoryDurableStore();
    const vault = await vaultWith(store, [{ id: 'k1', key: k1 }]);
    await vault.set('alice', 'a', 'x', me);
    const before = JSON.stringify(await store.list(''));
    const err = await vaultWith(store, [{ id: 'k1', key: randomBytes(32).toString('base64') }]).catch((e: unknown) => e as Error & { code: string });
    expect(err).toMatchObject({ code: 'GW_VAULT_KEY_UNUSABLE', message: expect.stringContaining("'k1'") });
    expect(JSON.stringify(await store.list(''))).toBe(before);
  });

  it('refuses a missing master key secret naming the key id and the reference, never a value', async () => {
    const settings = vaultSchema.parse({ masterKeys: [{ id: 'prod-2026', key: 'env://NOT_SET' }] });
    await expect(loadMasterKeys(settings, new MemoryDurableStore(), ctx({}))).rejects.toMatchObject({ code: 'GW_VAULT_KEY_UNUSABLE', message: expect.stringMatching(/prod-2026.*NOT_SET/) });
  });

  it('refuses a key that is not 32 bytes', async () => {
    const settings = vaultSchema.parse({ masterKeys: [{ id: 'short', key: 'env://K' }] });
    await expect(loadMasterKeys(settings, new MemoryDurableStore(), ctx({ K: 'c2hvcnQ=' }))).rejects.toMatchObject({ code: 'GW_VAULT_KEY_UNUSABLE', message: expect.stringContaining("'short'") });
  });

  it('refuses the demo key under NODE_ENV=production', async () => {
    const settings = vaultSchema.parse({ demoKey: true });
    await expect(loadMasterKeys(settings, new MemoryDurableStore(), ctx({ NODE_ENV: 'production' }))).rejects.toMatchObject({ code: 'GW_DEV_SHORTCUT_IN_PRODUCTION' });
  });

  it('rotates: every data key moves to the active key, then the old key can be removed and every value still reads', async () => {
    const store = new MemoryDurableStore();
    const old = await vaultWith(store, [{ id: 'k1', key: k1 }]);
    for (const user of ['alice', 'bob', 'carol']) await old.set(user, 'token', `${user}-value`, me);
    const both = await vaultWith(store, [{ id: 'k2', key: k2 }, { id: 'k1', key: k1 }]);
    await both.set('dave', 'token', 'dave-value', me); // new data keys go under the active one at once
    expect(await both.keysInUse()).toEqual({ k1: 3, k2: 1 });
    const run = await both.rotate();
    expect(run).toMatchObject({ rewrapped: 3, current: 1, byKey: { k2: 4 } });
    expect((await both.rotate()).rewrapped).toBe(0); // resumable: a second run has nothing to do
    const newOnly = await vaultWith(store, [{ id: 'k2', key: k2 }]);
    for (const user of ['alice', 'bob', 'carol', 'dave']) expect((await newOnly.read(user, ['token'], me)).get('token')).toBe(`${user}-value`);
  });

  it('names the missing master key when a data key is still wrapped by a key removed too early', async () => {
    const store = new MemoryDurableStore();
    await (await vaultWith(store, [{ id: 'k1', key: k1 }])).set('alice', 'token', 'v', me);
    const early = await vaultWith(store, [{ id: 'k2', key: k2 }]);
    await expect(early.read('alice', ['token'], me)).rejects.toMatchObject({ code: 'GW_VAULT_KEY_UNUSABLE', message: expect.stringContaining("'k1'") });
  });
});
