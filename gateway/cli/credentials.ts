/**
 * `portcullis credentials list|set|remove --user LOGIN [KEY]`: an operator manages a user's
 * vault credentials from the command line. A value is read from a hidden prompt on a terminal,
 * or from the first line of stdin — never from an argument, where `ps` and shell history see it.
 */
import type { CliCommand, CliIO } from './command.js';
import { CliError, UsageError } from './command.js';
import { parseOptions } from './args.js';
import { withVault } from './vault-context.js';
import { readSecretLine } from './password-prompt.js';

const common = {
  user: { type: 'string', short: 'u' },
  config: { type: 'string', short: 'c' },
} as const;

function userOf(values: { user?: string }): string {
  if (!values.user) throw new UsageError('missing --user LOGIN');
  return values.user;
}

const actor = (io: CliIO) => ({ actor: io.env.USER ?? io.env.LOGNAME ?? 'operator', via: 'cli' as const });

const listCommand: CliCommand = {
  name: 'list',
  summary: "List a user's credential names (never the values).",
  usage: 'credentials list --user LOGIN [--config FILE]',
  async run(args, io) {
    const { values } = parseOptions(args, common);
    const user = userOf(values);
    const credentials = await withVault(values.config, io, (vault) => vault.list(user, actor(io)));
    if (credentials.length === 0) io.stdout.write(`${user} has no credentials\n`);
    for (const c of credentials) io.stdout.write(`${c.key}\t${c.updatedAt}\n`);
    return 0;
  },
};

const setCommand: CliCommand = {
  name: 'set',
  summary: 'Store or replace a credential of a user; the value comes from a prompt or stdin.',
  usage: 'credentials set --user LOGIN KEY [--config FILE]',
  help: `The value is asked for without echo on a terminal, or read as the first line of stdin:
  printf '%s\\n' "$TOKEN" | portcullis credentials set --user alice github_token`,
  async run(args, io) {
    const { values, positionals } = parseOptions(args, common, { min: 1, max: 1, names: ['KEY'] });
    const user = userOf(values);
    const key = positionals[0]!;
    const { replaced } = await withVault(values.config, io, async (vault) => {
      const value = await readSecretLine(io, `Value of ${key} for ${user}: `);
      return vault.set(user, key, value, actor(io));
    });
    io.stdout.write(`${replaced ? 'replaced' : 'stored'} ${key} for ${user}\n`);
    return 0;
  },
};

const removeCommand: CliCommand = {
  name: 'remove',
  summary: 'Remove a credential of a user.',
  usage: 'credentials remove --user LOGIN KEY [--config FILE]',
  async run(args, io) {
    const { values, positionals } = parseOptions(args, common, { min: 1, max: 1, names: ['KEY'] });
    const user = userOf(values);
    const key = positionals[0]!;
    const removed = await withVault(values.config, io, (vault) => vault.remove(user, key, actor(io)));
    if (!removed) throw new CliError('CLI_NOT_FOUND', `${user} has no credential named ${key}`);
    io.stdout.write(`removed ${key} for ${user}\n`);
    return 0;
  },
};

export const credentialsCommand: CliCommand = {
  name: 'credentials',
  summary: "Manage users' third-party credentials in the vault.",
  subcommands: [listCommand, setCommand, removeCommand],
};
