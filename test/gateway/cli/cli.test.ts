import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPrivateKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { verifyPassword } from '../../../gateway/users/password-hash.js';
import { readUsersFile } from '../../../gateway/users/users-file.js';
import { MAIN, SOURCE_FLAGS, runPortcullis } from './run-cli.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'portcullis-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function configWith(upstream: string): Record<string, unknown> {
  return {
    server: { port: 0 },
    authenticators: [{ type: 'file', usersFile: 'users.yaml' }],
    routes: [
      { name: 'app', prefix: '/app/', upstream: 'http://127.0.0.1:9/' },
      { name: 'admin', prefix: '/admin/', upstream, policy: { allowRoles: ['admin'] } },
    ],
  };
}

describe('portcullis (child process)', () => {
  it('--help lists every command; each command has its own --help', async () => {
    const top = await runPortcullis(['--help'], { cwd: dir });
    expect(top.code).toBe(0);
    for (const name of ['start', 'check-config', 'users', 'keys']) expect(top.stdout).toContain(name);
    const add = await runPortcullis(['users', 'add', '--help'], { cwd: dir });
    expect(add.code).toBe(0);
    expect(add.stdout).toContain('Usage: portcullis users add LOGIN');
    expect(add.stdout).toContain('--roles');
  });

  it('an unknown command or option is a usage error (exit 2)', async () => {
    const result = await runPortcullis(['check-config', '--strict', 'x.yaml'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("Unknown option '--strict'");
  });

  it('check-config prints every problem with its path and exits 1', async () => {
    const doc = configWith('not a url');
    (doc.server as Record<string, unknown>).prot = 1;
    await writeFile(join(dir, 'bad.yaml'), stringify(doc));
    const result = await runPortcullis(['check-config', 'bad.yaml'], { cwd: dir });
    expect(result.code).toBe(1);
    const lines = result.stdout.split('\n');
    expect(lines).toContain('routes[1].upstream: must be a URL');
    expect(lines).toContain('server.prot: unknown option (did you mean "port"?)');
  });

  it('users add and users passwd read the password from stdin and store a verifiable scrypt hash', async () => {
    const add = await runPortcullis(['users', 'add', 'carol', '--roles', 'user,admin', '--email', 'carol@example.test', '--file', 'users.yaml'], {
      cwd: dir,
      input: 'first-Pa55word\n',
    });
    expect(add.code).toBe(0);
    expect(add.stdout + add.stderr).not.toContain('first-Pa55word');
    const file = join(dir, 'users.yaml');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    let users = await readUsersFile(file);
    expect(users.users.carol).toMatchObject({ roles: ['user', 'admin'], attributes: { email: 'carol@example.test' } });
    expect(users.users.carol!.password).toMatch(/^scrypt\$N=16384,r=8,p=1\$/);
    expect(await verifyPassword('first-Pa55word', users.users.carol!.password)).toBe(true);

    const again = await runPortcullis(['users', 'add', 'carol', '--file', 'users.yaml'], { cwd: dir, input: 'x\n' });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('USER_EXISTS');

    const passwd = await runPortcullis(['users', 'passwd', 'carol', '--file', 'users.yaml'], { cwd: dir, input: 'second-Pa55word\n' });
    expect(passwd.code).toBe(0);
    expect(passwd.stdout + passwd.stderr).not.toContain('second-Pa55word');
    users = await readUsersFile(file);
    expect(await verifyPassword('second-Pa55word', users.users.carol!.password)).toBe(true);
    expect(await verifyPassword('first-Pa55word', users.users.carol!.password)).toBe(false);
    expect(users.users.carol!.roles).toEqual(['user', 'admin']);
  });

  it('check-config exits 0 with a summary for a good file (users file included)', async () => {
    await writeFile(join(dir, 'good.yaml'), stringify(configWith('http://127.0.0.1:9/')));
    const result = await runPortcullis(['check-config', 'good.yaml'], { cwd: dir });
    expect(result.stdout).toContain('configuration is valid');
    expect(result.code).toBe(0);
  });

  it('keys generate writes a PEM private key (0600) and the public JWK with its kid', async () => {
    const result = await runPortcullis(['keys', 'generate', '--alg', 'ES256', '--out', 'keys'], { cwd: dir });
    expect(result.code).toBe(0);
    const pem = await readFile(join(dir, 'keys', 'signing-key.pem'), 'utf8');
    expect((await stat(join(dir, 'keys', 'signing-key.pem'))).mode & 0o777).toBe(0o600);
    expect(createPrivateKey(pem).asymmetricKeyType).toBe('ec');
    const jwk = JSON.parse(await readFile(join(dir, 'keys', 'signing-key.public.jwk.json'), 'utf8'));
    expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid: expect.any(String) });
    expect(jwk.d).toBeUndefined();
    expect(result.stdout).toContain(jwk.kid);
    expect(result.stdout).not.toContain('PRIVATE KEY');
  });

  it('start serves the configuration and stops cleanly on SIGTERM', async () => {
    await writeFile(join(dir, 'start.yaml'), stringify({ ...configWith('http://127.0.0.1:9/'), logLevel: 'warn' }));
    const child = spawn(process.execPath, [...SOURCE_FLAGS, MAIN, 'start', '--config', 'start.yaml', '--host', '127.0.0.1', '--port', '0', '--data-dir', 'data'], {
      cwd: dir,
      env: { PATH: process.env.PATH },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      const deadline = Date.now() + 20_000;
      while (!/listening on (http:\/\/\S+)/.test(out) && Date.now() < deadline && child.exitCode === null) {
        await new Promise((r) => setTimeout(r, 100));
      }
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      expect(url, out).toBeDefined();
      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(200);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
