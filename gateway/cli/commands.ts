/**
 * The command table. Adding a command is one line here and one file beside it that exports
 * a `CliCommand` (see command.ts); a command with subcommands lists them in `subcommands`.
 */
import type { CliCommand } from './command.js';
import { startCommand } from './start.js';
import { checkConfigCommand } from './check-config.js';
import { usersCommand } from './users.js';
import { keysCommand } from './keys.js';
import { routesCommand } from './routes.js';
import { policyCommand } from './policy.js';
import { certsCommand } from '../certs/certs-command.js';
import { mailCommand } from './mail.js';
import { credentialsCommand } from './credentials.js';
import { vaultCommand } from './vault.js';

export const commands: CliCommand[] = [
  startCommand,
  checkConfigCommand,
  usersCommand,
  keysCommand,
  routesCommand,
  policyCommand,
  certsCommand,
  mailCommand,
  credentialsCommand,
  vaultCommand,
];
