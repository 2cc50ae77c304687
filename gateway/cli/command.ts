/**
 * What every `portcullis` command is: a name, a one-line summary, help text, and either a
 * `run` function or subcommands. Commands get their I/O passed in (`CliIO`) so tests can
 * run them in-process as well as in a child process.
 *
 * Exit codes: 0 success, 1 the operation failed (bad config, user exists, ...),
 * 2 usage error (unknown command or option, missing argument), 130 interrupted.
 */

import { GatewayError } from '../errors.js';

export interface CliIO {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?(mode: boolean): unknown };
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export interface CliCommand {
  name: string;
  /** one line, shown in the parent's command list */
  summary: string;
  /** the synopsis, e.g. `start [--config FILE] [--port P]` (without the `portcullis` prefix) */
  usage?: string;
  /** the rest of `--help`: options, examples, notes */
  help?: string;
  /** a command with subcommands (`users add`, `users passwd`) dispatches to them */
  subcommands?: readonly CliCommand[];
  /** `args` are the arguments after the command's name; answers the exit code */
  run?(args: string[], io: CliIO): Promise<number>;
}

export type CliErrorCode =
  | 'CLI_USAGE'
  | 'CLI_ABORTED'
  | 'CLI_PASSWORD_EMPTY'
  | 'CLI_PASSWORD_MISMATCH'
  | 'CLI_PASSWORD_TOO_LONG'
  | 'CLI_USERS_FILE_AMBIGUOUS'
  | 'CLI_NOT_FOUND'
  | 'CLI_VALUE_EMPTY';

/** A command-line failure with a stable code and the exit code to leave with. */
export class CliError extends GatewayError {
  declare readonly code: CliErrorCode;
  readonly exitCode: number;
  constructor(code: CliErrorCode, message: string, exitCode = 1) {
    // a command's failure is the operator's input, safe to show them: a 4xx in the shared base
    super(code, 400, message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** Wrong use of the command line: exit code 2 and a pointer to `--help`. */
export class UsageError extends CliError {
  constructor(message: string) {
    super('CLI_USAGE', message, 2);
    this.name = 'UsageError';
  }
}
