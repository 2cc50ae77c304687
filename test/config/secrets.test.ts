import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SecretReferenceError, describeSecretRef, isSecretRef, resolveSecret, resolveSecretSync } from '../../config/index.js';
import { tempDir, type TempDir } from './helpers.js';

let tmp: TempDir;
beforeEach(async () => {
  tmp = await tempDir();
});
afterEach(async () => {
  await tmp.cleanup();
});

async function failure(ref: string, env: NodeJS.ProcessEnv = {}): Promise<SecretReferenceError> {
  const err = await resolveSecret(ref, { configDir: tmp.dir, env }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(SecretReferenceError);
  // the synchronous twin agrees
  let syncErr: unknown;
  try {
    resolveSecretSync(ref, { configDir: tmp.dir, env });
  } catch (e) {
    syncErr = e;
  }
  expect((syncErr as SecretReferenceError).code).toBe((err as SecretReferenceError).code);
  return err as SecretReferenceError;
}

describe('resolveSecret', () => {
  it('env://NAME reads the variable', async () => {
    expect(await resolveSecret('env://LDAP_PW', { configDir: tmp.dir, env: { LDAP_PW: 'pw1' } })).toBe('pw1');
  });

  it('file://PATH reads relative to the config folder and drops one trailing newline', async () => {
    await mkdir(join(tmp.dir, 'secrets'));
    await tmp.write('secrets/ldap', 'pw2\n');
    expect(await resolveSecret('file://secrets/ldap', { configDir: tmp.dir })).toBe('pw2');
    expect(resolveSecretSync('file://secrets/ldap', { configDir: tmp.dir })).toBe('pw2');
  });

  it('file:///absolute works too', async () => {
    const file = await tmp.write('abs', 'pw3\r\n');
    expect(await resolveSecret(`file://${file}`, { configDir: '/nonexistent' })).toBe('pw3');
  });

  it('plain://VALUE is the value', async () => {
    expect(await resolveSecret('plain://a:b//c', { configDir: tmp.dir })).toBe('a:b//c');
  });

  it.each([
    ['unknown scheme', 'vault://kv/ldap#hunter2', 'CONFIG_SECRET_SCHEME_UNKNOWN'],
    ['not a reference', 'hunter2', 'CONFIG_SECRET_MALFORMED'],
    ['empty reference', 'env://', 'CONFIG_SECRET_MALFORMED'],
  ])('%s → %s, and the value is never echoed', async (_name, ref, code) => {
    const err = await failure(ref);
    expect(err.code).toBe(code);
    expect(err.message).not.toContain('hunter2');
    expect(err.statusCode).toBe(500);
    expect(err.expose).toBe(false);
  });

  it('a missing variable → CONFIG_SECRET_ENV_MISSING naming the variable', async () => {
    const err = await failure('env://NOT_SET');
    expect(err.code).toBe('CONFIG_SECRET_ENV_MISSING');
    expect(err.message).toContain('NOT_SET');
  });

  it('an empty variable or file → CONFIG_SECRET_EMPTY', async () => {
    expect((await failure('env://EMPTY', { EMPTY: '' })).code).toBe('CONFIG_SECRET_EMPTY');
    await tmp.write('empty', '\n');
    expect((await failure('file://empty')).code).toBe('CONFIG_SECRET_EMPTY');
  });

  it('a missing file or a directory → CONFIG_SECRET_FILE_UNREADABLE', async () => {
    expect((await failure('file://missing')).code).toBe('CONFIG_SECRET_FILE_UNREADABLE');
    expect((await failure(`file://${tmp.dir}`)).code).toBe('CONFIG_SECRET_FILE_UNREADABLE');
  });
});

describe('secret reference helpers', () => {
  it('isSecretRef knows the three schemes only', () => {
    expect(isSecretRef('env://X')).toBe(true);
    expect(isSecretRef('file://x')).toBe(true);
    expect(isSecretRef('plain://x')).toBe(true);
    expect(isSecretRef('http://x')).toBe(false);
    expect(isSecretRef('env://')).toBe(false);
    expect(isSecretRef(42)).toBe(false);
  });

  it('describeSecretRef hides inline values', () => {
    expect(describeSecretRef('plain://hunter2')).toBe('plain://***');
    expect(describeSecretRef('env://LDAP_PW')).toBe('env://LDAP_PW');
  });
});
