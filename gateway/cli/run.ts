/**
 * The dispatcher: walks the command table (`users` → `add`), answers `--help` at any level,
 * runs the command and turns errors into a message and an exit code. Never prints a stack
 * for an expected (coded) error, and never prints secrets: the errors it reports are built
 * not to contain them.
 */
import type { CliCommand, CliIO } from './command.js';
import { CliError } from './command.js';
import { commands } from './commands.js';
import { PROGRAM, formatHelp } from './help.js';
import { formatProblem } from '@portcullis/config/errors.js';

export const rootCommand: CliCommand = {
  name: PROGRAM,
  summary: 'Portcullis, the reverse-proxy identity gateway.',
  usage: '<command> [options]',
  help: [
    'With no configuration file, `portcullis start` runs the embedded demo configuration.',
    'Environment overrides: PORTCULLIS_<SECTION>__<OPTION>=value (e.g. PORTCULLIS_SERVER__PORT=9090).',
    '',
    'Global options:',
    '  -h, --help      show help for any command',
    '  -v, --version   print the version',
  ].join('\n'),
  subcommands: commands,
};

function wantsHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

async function version(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const pkg = JSON.parse(await readFile(new URL(`${import.meta.url.includes('/dist/') ? '../../' : '../'}package.json`, import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Print an error the way operators read it: `portcullis users add: message [CODE]`. */
export function reportError(err: unknown, trail: readonly string[], io: CliIO): number {
  const who = [PROGRAM, ...trail].join(' ');
  const e = err as { code?: unknown; message?: string; problems?: Array<{ path: string; message: string }>; exitCode?: number };
  if (err instanceof CliError) {
    if (err.code === 'CLI_USAGE') io.stderr.write(`${who}: ${err.message}\nRun "${who} --help" for usage.\n`);
    else io.stderr.write(`${who}: ${err.message} [${err.code}]\n`);
    return err.exitCode;
  }
  if (typeof e?.code === 'string' && typeof e.message === 'string') {
    // coded errors from config/ and users/ say what is wrong and carry no secrets
    const firstLine = e.message.split('\n')[0];
    io.stderr.write(`${who}: ${firstLine} [${e.code}]\n`);
    for (const problem of e.problems ?? []) io.stderr.write(`  ${formatProblem(problem)}\n`);
    return 1;
  }
  io.stderr.write(`${who}: unexpected failure: ${e?.message ?? String(err)}\n`);
  if (io.env.PORTCULLIS_DEBUG) io.stderr.write(`${(err as Error)?.stack ?? ''}\n`);
  return 1;
}

/** Run `portcullis <args...>`; answers the exit code. */
export async function runCli(args: string[], io: CliIO): Promise<number> {
  let command = rootCommand;
  const trail: string[] = [];
  let rest = args;
  try {
    if (rest[0] === '--version' || rest[0] === '-v') {
      io.stdout.write(`${PROGRAM} ${await version()}\n`);
      return 0;
    }
    // descend through subcommands: `users add alice` → users → add, rest = [alice]
    while (command.subcommands && rest.length > 0 && !rest[0]!.startsWith('-')) {
      const name = rest[0]!;
      // `portcullis help users add` is `portcullis users add --help`
      if (name === 'help' && command === rootCommand) return runCli([...rest.slice(1), '--help'], io);
      const next = command.subcommands.find((c) => c.name === name);
      if (!next) {
        io.stderr.write(`${[PROGRAM, ...trail].join(' ')}: unknown command "${name}"\n\n${formatHelp(command, trail)}`);
        return 2;
      }
      command = next;
      trail.push(name);
      rest = rest.slice(1);
    }
    if (wantsHelp(rest)) {
      io.stdout.write(formatHelp(command, trail));
      return 0;
    }
    if (!command.run) {
      // a group without a subcommand, or no command at all
      io.stderr.write(formatHelp(command, trail));
      return 2;
    }
    return await command.run(rest, io);
  } catch (err) {
    return reportError(err, trail, io);
  }
}
