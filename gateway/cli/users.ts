/**
 * `portcullis users add|passwd|remove|list`: manage the local users file of the `file`
 * authenticator. Passwords come from a hidden prompt or stdin and are stored only as salted
 * scrypt hashes; neither the password nor the hash is ever printed. A running gateway picks
 * the change up by itself (the file authenticator reloads the file).
 */
import { resolve } from 'node:path';
import { loadConfig } from './gateway-config.js';
import { UsersFileError } from '../users/errors.js';
import { hashPassword } from '../users/password-hash.js';
import { addUser, assertValidLogin, readUsersFile, removeUser, setUserPassword } from '../users/users-file.js';
import { CliError } from './command.js';
import type { CliCommand, CliIO } from './command.js';
import { commaList, parseOptions } from './args.js';
import { readNewPassword } from './password-prompt.js';

/** The default users file when neither --file nor --config is given. */
export const DEFAULT_USERS_FILE = 'users.yaml';

const FILE_OPTIONS = {
  file: { type: 'string', short: 'f' },
  config: { type: 'string', short: 'c' },
} as const;

const FILE_HELP = `  -f, --file FILE         the users file (YAML or JSON)
  -c, --config FILE       use the users file of that configuration's file authenticator
                          (without either: $PORTCULLIS_USERS_FILE, else ./${DEFAULT_USERS_FILE})`;

/** Which users file a command works on: --file, the config's file authenticator, env, default. */
async function usersFileOf(values: { file?: string; config?: string }, io: CliIO): Promise<string> {
  if (values.file) return resolve(io.cwd, values.file);
  if (values.config) {
    const loaded = await loadConfig(values.config, { env: io.env, cwd: io.cwd, checkSecrets: false });
    const files = loaded.config.authenticators.filter((a) => a.type === 'file');
    if (files.length === 0) throw new CliError('CLI_USERS_FILE_AMBIGUOUS', `${loaded.file} has no file authenticator; use --file`);
    if (files.length > 1) {
      throw new CliError('CLI_USERS_FILE_AMBIGUOUS', `${loaded.file} has ${files.length} file authenticators (${files.map((f) => f.name).join(', ')}); use --file`);
    }
    return resolve(loaded.configDir, files[0]!.usersFile);
  }
  return resolve(io.cwd, io.env.PORTCULLIS_USERS_FILE || DEFAULT_USERS_FILE);
}

const addCommand: CliCommand = {
  name: 'add',
  summary: 'Add a user; the password is read from a hidden prompt or the first line of stdin.',
  usage: 'users add LOGIN [--roles a,b] [--groups g,h] [--first-name F] [--last-name L] [--email E] [--file FILE]',
  help: `Options:
  -r, --roles a,b         roles (comma-separated)
  -g, --groups g,h        groups (comma-separated)
      --first-name NAME   attribute firstName
      --last-name NAME    attribute lastName
      --email ADDRESS     attribute email
${FILE_HELP}
The file is created (mode 0600) when missing. Fails with USER_EXISTS if LOGIN is taken.

Example: printf '%s\\n' "$PASSWORD" | portcullis users add carol --roles user,admin --file users.yaml`,
  async run(args, io) {
    const { values, positionals } = parseOptions(
      args,
      {
        ...FILE_OPTIONS,
        roles: { type: 'string', short: 'r' },
        groups: { type: 'string', short: 'g' },
        'first-name': { type: 'string' },
        'last-name': { type: 'string' },
        email: { type: 'string' },
      },
      { min: 1, max: 1, names: ['LOGIN'] },
    );
    const login = positionals[0]!;
    const file = await usersFileOf(values, io);
    assertValidLogin(login, file);
    // fail before asking for a password when the login is taken
    const existing = await readUsersFile(file).catch((err: { code?: string }) => {
      if (err.code === 'USERS_FILE_NOT_FOUND') return { users: {} };
      throw err;
    });
    if (Object.hasOwn(existing.users, login)) {
      throw new UsersFileError('USER_EXISTS', `user "${login}" already exists in ${file}`, { file });
    }
    const attributes: Record<string, string> = {};
    if (values['first-name']) attributes.firstName = values['first-name'];
    if (values['last-name']) attributes.lastName = values['last-name'];
    if (values.email) attributes.email = values.email;
    const passwordHash = await hashPassword(await readNewPassword(io, login));
    await addUser(file, login, { passwordHash, roles: commaList(values.roles), groups: commaList(values.groups), attributes });
    io.stdout.write(`added user ${login} to ${file}\n`);
    return 0;
  },
};

const passwdCommand: CliCommand = {
  name: 'passwd',
  summary: "Set a user's password (hidden prompt, or the first line of stdin).",
  usage: 'users passwd LOGIN [--file FILE]',
  help: `Options:
${FILE_HELP}
Fails with USER_NOT_FOUND if LOGIN is not in the file.`,
  async run(args, io) {
    const { values, positionals } = parseOptions(args, FILE_OPTIONS, { min: 1, max: 1, names: ['LOGIN'] });
    const login = positionals[0]!;
    const file = await usersFileOf(values, io);
    const current = await readUsersFile(file);
    if (!Object.hasOwn(current.users, login)) {
      throw new UsersFileError('USER_NOT_FOUND', `no user "${login}" in ${file}`, { file });
    }
    const passwordHash = await hashPassword(await readNewPassword(io, login));
    await setUserPassword(file, login, passwordHash);
    io.stdout.write(`password of ${login} changed in ${file}\n`);
    return 0;
  },
};

const removeCommand: CliCommand = {
  name: 'remove',
  summary: 'Remove a user.',
  usage: 'users remove LOGIN [--file FILE]',
  help: `Options:\n${FILE_HELP}`,
  async run(args, io) {
    const { values, positionals } = parseOptions(args, FILE_OPTIONS, { min: 1, max: 1, names: ['LOGIN'] });
    const file = await usersFileOf(values, io);
    await removeUser(file, positionals[0]!);
    io.stdout.write(`removed user ${positionals[0]} from ${file}\n`);
    return 0;
  },
};

const listCommand: CliCommand = {
  name: 'list',
  summary: 'List users with their roles and groups (never their password hashes).',
  usage: 'users list [--file FILE]',
  help: `Options:\n${FILE_HELP}`,
  async run(args, io) {
    const { values } = parseOptions(args, FILE_OPTIONS);
    const file = await usersFileOf(values, io);
    const { users } = await readUsersFile(file);
    for (const [login, user] of Object.entries(users)) {
      const flags = user.disabled ? ' (disabled)' : '';
      io.stdout.write(`${login}${flags}\troles: ${user.roles.join(',') || '-'}\tgroups: ${user.groups.join(',') || '-'}\n`);
    }
    if (Object.keys(users).length === 0) io.stderr.write(`no users in ${file}\n`);
    return 0;
  },
};

export const usersCommand: CliCommand = {
  name: 'users',
  summary: 'Manage the local users file (add, passwd, remove, list).',
  subcommands: [addCommand, passwdCommand, removeCommand, listCommand],
};
