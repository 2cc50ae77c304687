import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsersFileError } from '../../../gateway/users/errors.js';
import { hashPassword, verifyPassword } from '../../../gateway/users/password-hash.js';
import { addUser, parseUsersFile, readUsersFile, removeUser, setUserPassword } from '../../../gateway/users/users-file.js';
import { DEMO_CONFIG_PATH } from '../../../config/index.js';

let dir: string;
let cheapHash: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'portcullis-users-'));
  cheapHash = await hashPassword('secret-1', { N: 1024 });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UsersFileError);
  return (err as UsersFileError).code;
}

describe('users file format', () => {
  it('parses entries and applies defaults', () => {
    const parsed = parseUsersFile(`users:\n  alice:\n    password: "${cheapHash}"\n    roles: [user]\n`, 'u.yaml');
    expect(parsed.users.alice).toEqual({ password: cheapHash, roles: ['user'], groups: [], attributes: {}, disabled: false });
  });

  it('refuses a plain-text password, an unknown key and a bad login, with paths', () => {
    const text = `users:\n  alice:\n    password: wonderland\n    role: [user]\n  "bad login":\n    password: "${cheapHash}"\n`;
    let err: UsersFileError | undefined;
    try {
      parseUsersFile(text, 'u.yaml');
    } catch (e) {
      err = e as UsersFileError;
    }
    expect(err?.code).toBe('USERS_FILE_INVALID');
    const lines = err!.problems.map((p) => `${p.path}: ${p.message}`);
    expect(lines).toContain('users.alice.password: must be a scrypt hash as written by `portcullis users passwd`');
    expect(lines).toContain('users.alice.role: unknown option (did you mean "roles"?)');
    expect(lines.some((l) => l.startsWith('users["bad login"]'))).toBe(true);
    expect(err!.message).not.toContain('wonderland');
  });

  it('a YAML error carries the line', () => {
    try {
      parseUsersFile('users:\n  alice: [\n', 'u.yaml');
      expect.unreachable();
    } catch (e) {
      expect((e as UsersFileError).code).toBe('USERS_FILE_PARSE_ERROR');
      expect((e as UsersFileError).line).toBeGreaterThan(0);
    }
  });

  it('a missing file', async () => {
    expect(await codeOf(readUsersFile(join(dir, 'none.yaml')))).toBe('USERS_FILE_NOT_FOUND');
  });

  it('the demo users file holds alice/wonderland and bob/builder', async () => {
    const users = await readUsersFile(join(DEMO_CONFIG_PATH, '..', 'demo-users.yaml'));
    expect(users.users.alice!.roles).toEqual(['user']);
    expect(users.users.bob!.roles).toEqual(['user', 'admin']);
    expect(users.users.alice!.attributes).toMatchObject({ firstName: 'Alice', email: expect.stringContaining('@') });
    expect(await verifyPassword('wonderland', users.users.alice!.password)).toBe(true);
    expect(await verifyPassword('builder', users.users.bob!.password)).toBe(true);
  });
});

describe('editing a users file', () => {
  it('add creates the file with mode 0600; passwd replaces the hash; remove deletes', async () => {
    const file = join(dir, 'users.yaml');
    await addUser(file, 'carol', { passwordHash: cheapHash, roles: ['user'], attributes: { email: 'carol@example.test' } });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await codeOf(addUser(file, 'carol', { passwordHash: cheapHash }))).toBe('USER_EXISTS');

    const newHash = await hashPassword('secret-2', { N: 1024 });
    await setUserPassword(file, 'carol', newHash);
    const users = await readUsersFile(file);
    expect(await verifyPassword('secret-2', users.users.carol!.password)).toBe(true);
    expect(users.users.carol!.attributes.email).toBe('carol@example.test');

    await removeUser(file, 'carol');
    expect((await readUsersFile(file)).users).toEqual({});
    expect(await codeOf(setUserPassword(file, 'carol', newHash))).toBe('USER_NOT_FOUND');
  });

  it('keeps comments and other users when editing', async () => {
    const file = join(dir, 'users.yaml');
    await writeFile(file, `# operators, keep this comment\nusers:\n  dave:\n    password: "${cheapHash}"\n    roles: [ops] # on call\n`);
    await addUser(file, 'erin', { passwordHash: cheapHash, roles: ['user', 'admin'] });
    const text = await readFile(file, 'utf8');
    expect(text).toContain('# operators, keep this comment');
    expect(text).toContain('# on call');
    expect(text).toContain('roles: [user, admin]');
    expect(Object.keys((await readUsersFile(file)).users)).toEqual(['dave', 'erin']);
  });

  it('refuses an invalid login and does not touch an invalid file', async () => {
    const file = join(dir, 'users.yaml');
    expect(await codeOf(addUser(file, 'no spaces', { passwordHash: cheapHash }))).toBe('USER_LOGIN_INVALID');
    await writeFile(file, 'users:\n  x:\n    password: plain\n');
    expect(await codeOf(addUser(file, 'y', { passwordHash: cheapHash }))).toBe('USERS_FILE_INVALID');
    expect(await readFile(file, 'utf8')).toBe('users:\n  x:\n    password: plain\n');
  });

  it('JSON users files stay JSON', async () => {
    const file = join(dir, 'users.json');
    await addUser(file, 'frank', { passwordHash: cheapHash, roles: ['user'] });
    const parsed = JSON.parse(await readFile(file, 'utf8'));
    expect(parsed.users.frank.roles).toEqual(['user']);
  });
});
