import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createFileAuthenticator } from '../../../../gateway/authenticators/file/file-authenticator.js';
import { MemoryStore } from '../../../../gateway/sessions/memory-store.js';
import { writeUsersFile } from '../../../support/gateway.js';
import type { PasswordAuthenticator } from '../../../../gateway/authenticators/types.js';

const ctxFor = (dir: string) => ({ configDir: dir, dataDir: dir, publicUrl: 'http://gw', log: pino({ level: 'silent' }), byName: () => undefined, sharedStore: new MemoryStore({ maxEntries: 10 }) });
const login = { clientAddress: '127.0.0.1', log: pino({ level: 'silent' }) as never };
const mapping = { map: { admin: ['administrator', 'auditor'] }, keepUnmapped: true, defaultRoles: ['everyone'] };

describe('file authenticator', () => {
  let dir: string;
  let auth: PasswordAuthenticator | undefined;
  afterEach(async () => {
    await auth?.close?.();
    await rm(dir, { recursive: true, force: true });
  });

  it('logs in with the right password and maps roles; wrong password and unknown user both answer null', async () => {
    dir = await mkdtemp(join(tmpdir(), 'pc-file-'));
    await writeUsersFile(dir, { bob: { password: 'builder', roles: ['admin', 'user'], attributes: { email: 'bob@x.test' } } });
    auth = await createFileAuthenticator({ type: 'file', name: 'local', usersFile: 'users.yaml', roleMapping: mapping }, ctxFor(dir));
    const user = await auth.verify('bob', 'builder', login);
    expect(user).toMatchObject({ loginId: 'bob', roles: ['administrator', 'auditor', 'everyone', 'user'], level: 'auth.weak', amr: ['pwd'], authenticator: 'local' });
    expect(user!.attributes.email).toBe('bob@x.test');
    expect(await auth.verify('bob', 'Builder', login)).toBeNull();
    expect(await auth.verify('nobody', 'builder', login)).toBeNull();
  });

  it('picks up a changed users file without a restart and keeps the last good one on a broken edit', async () => {
    dir = await mkdtemp(join(tmpdir(), 'pc-file-'));
    await writeUsersFile(dir, { alice: { password: 'wonderland' } });
    auth = await createFileAuthenticator({ type: 'file', name: 'local', usersFile: 'users.yaml', roleMapping: mapping }, ctxFor(dir));
    expect(await auth.verify('carol', 'c-password', login)).toBeNull();

    // replace the file by rename, as editors and `users passwd` do
    await writeUsersFile(dir, { alice: { password: 'wonderland' }, carol: { password: 'c-password' } }, 'users.next.yaml');
    await rename(join(dir, 'users.next.yaml'), join(dir, 'users.yaml'));
    await expect.poll(() => auth!.verify('carol', 'c-password', login), { timeout: 5000, interval: 100 }).not.toBeNull();

    await writeFile(join(dir, 'users.yaml'), 'users: [this is: not valid');
    await new Promise((r) => setTimeout(r, 500));
    expect(await auth.verify('carol', 'c-password', login)).not.toBeNull();
  });

  it('refuses a disabled user like an unknown one', async () => {
    dir = await mkdtemp(join(tmpdir(), 'pc-file-'));
    await writeUsersFile(dir, { dave: { password: 'd-password' } });
    const text = await readFile(join(dir, 'users.yaml'), 'utf8');
    await writeFile(join(dir, 'users.yaml'), text.replace('    attributes: {}', '    attributes: {}\n    disabled: true'));
    auth = await createFileAuthenticator({ type: 'file', name: 'local', usersFile: 'users.yaml', roleMapping: mapping }, ctxFor(dir));
    expect(await auth.verify('dave', 'd-password', login)).toBeNull();
  });
});
