import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { CliCommand, CliIO } from '../../../gateway/cli/command.js';
import { commands } from '../../../gateway/cli/commands.js';
import { readNewPassword } from '../../../gateway/cli/password-prompt.js';
import { runCli } from '../../../gateway/cli/run.js';

function fakeIO(stdin: CliIO['stdin'] = new PassThrough()): CliIO & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (t: string) => (out += t) },
    stderr: { write: (t: string) => (err += t) },
    stdin,
    env: {},
    cwd: process.cwd(),
    out: () => out,
    err: () => err,
  };
}

/** A terminal stand-in: raw mode recorded, keystrokes pushed by the test. */
function fakeTty(keys: string[]): PassThrough & { isTTY: boolean; setRawMode(mode: boolean): void; rawModes: boolean[] } {
  const stream = new PassThrough() as PassThrough & { isTTY: boolean; setRawMode(mode: boolean): void; rawModes: boolean[] };
  stream.isTTY = true;
  stream.rawModes = [];
  stream.setRawMode = (mode) => stream.rawModes.push(mode);
  // deliver each answer when the prompt starts listening
  let next = 0;
  stream.on('resume', () => {
    const key = keys[next++];
    if (key !== undefined) setImmediate(() => stream.write(key));
  });
  return stream;
}

describe('command table', () => {
  it('every command and subcommand has a summary and help answers 0', async () => {
    const walk = async (list: readonly CliCommand[], trail: string[]): Promise<void> => {
      for (const command of list) {
        expect(command.summary.length).toBeGreaterThan(0);
        const io = fakeIO();
        expect(await runCli([...trail, command.name, '--help'], io)).toBe(0);
        expect(io.out()).toContain(`Usage: portcullis ${[...trail, command.name].join(' ')}`);
        if (command.subcommands) await walk(command.subcommands, [...trail, command.name]);
      }
    };
    await walk(commands, []);
  });

  it('help COMMAND is COMMAND --help; a group without subcommand prints its help with exit 2', async () => {
    const io = fakeIO();
    expect(await runCli(['help', 'users', 'passwd'], io)).toBe(0);
    expect(io.out()).toContain('Usage: portcullis users passwd LOGIN');
    const io2 = fakeIO();
    expect(await runCli(['users'], io2)).toBe(2);
    expect(io2.err()).toContain('Commands:');
  });
});

describe('password prompt', () => {
  it('on a terminal: raw mode, no echo, asked twice, backspace honoured', async () => {
    const tty = fakeTty(['s3cretX\u007f\r', 's3cret\r']);
    const io = fakeIO(tty);
    expect(await readNewPassword(io, 'alice')).toBe('s3cret');
    expect(io.err()).not.toContain('s3cret');
    expect(io.err()).toContain('New password for alice');
    expect(tty.rawModes).toEqual([true, false, true, false]);
  });

  it('on a terminal: two different entries are refused', async () => {
    const io = fakeIO(fakeTty(['one\r', 'two\r']));
    await expect(readNewPassword(io, 'alice')).rejects.toMatchObject({ code: 'CLI_PASSWORD_MISMATCH' });
  });

  it('on a terminal: Ctrl-C aborts with exit code 130', async () => {
    const io = fakeIO(fakeTty(['ab\u0003']));
    await expect(readNewPassword(io, 'alice')).rejects.toMatchObject({ code: 'CLI_ABORTED', exitCode: 130 });
  });

  it('from a pipe: the first line; an empty pipe is refused', async () => {
    const pipe = new PassThrough();
    pipe.end('from-pipe\nignored second line\n');
    expect(await readNewPassword(fakeIO(pipe), 'bob')).toBe('from-pipe');
    const empty = new PassThrough();
    empty.end('');
    await expect(readNewPassword(fakeIO(empty), 'bob')).rejects.toMatchObject({ code: 'CLI_PASSWORD_EMPTY' });
  });
});

describe('check-config (in process)', () => {
  it('the demo configuration is valid', async () => {
    const { DEMO_CONFIG_PATH } = await import('../../../config/index.js');
    const io = fakeIO();
    expect(await runCli(['check-config', DEMO_CONFIG_PATH], io)).toBe(0);
    expect(io.out()).toContain('authenticator   local (file, 2 user(s))');
  });

  it('an unresolvable secret is a problem at its path; --skip-secrets checks the rest', async () => {
    const { mkdtemp, rm, writeFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(join(tmpdir(), 'portcullis-check-'));
    try {
      await writeFile(join(dir, 'users.yaml'), 'users: {}\n');
      const file = join(dir, 'c.yaml');
      await writeFile(
        file,
        'tokens:\n  privateKeyPassphrase: env://KEY_PASS\nauthenticators:\n  - type: file\n    usersFile: users.yaml\n',
      );
      const io = fakeIO();
      expect(await runCli(['check-config', file], io)).toBe(1);
      expect(io.out()).toContain('tokens.privateKeyPassphrase: environment variable KEY_PASS is not set');
      expect(await runCli(['check-config', file, '--skip-secrets'], fakeIO())).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a broken users file is found before start', async () => {
    const { mkdtemp, rm, writeFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(join(tmpdir(), 'portcullis-check-'));
    try {
      await writeFile(join(dir, 'users.yaml'), 'users:\n  alice:\n    password: wonderland\n');
      const file = join(dir, 'c.yaml');
      await writeFile(file, 'authenticators:\n  - type: file\n    usersFile: users.yaml\n');
      const io = fakeIO();
      expect(await runCli(['check-config', file], io)).toBe(1);
      expect(io.out()).toContain('authenticators[0].usersFile:');
      expect(io.out()).toContain('users.alice.password: must be a scrypt hash');
      expect(io.out()).not.toContain('wonderland\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
