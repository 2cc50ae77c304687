/** Help text for a command (or the whole tool), built from the command table. */
import type { CliCommand } from './command.js';

export const PROGRAM = 'portcullis';

function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(1, width - text.length));
}

/** `portcullis users add LOGIN ...` help: usage, summary, help body, and subcommands if any. */
export function formatHelp(command: CliCommand, trail: readonly string[]): string {
  const prefix = [PROGRAM, ...trail].join(' ');
  const out: string[] = [];
  const usage = command.usage ?? (command.subcommands ? `${trail.join(' ')} <command> [options]` : trail.join(' '));
  out.push(`Usage: ${PROGRAM} ${usage}`.trimEnd(), '', command.summary);
  if (command.help) out.push('', command.help.trimEnd());
  if (command.subcommands?.length) {
    const width = Math.max(...command.subcommands.map((c) => c.name.length)) + 3;
    out.push('', 'Commands:');
    for (const sub of command.subcommands) out.push(`  ${pad(sub.name, width)}${sub.summary}`);
    out.push('', `Run "${prefix} <command> --help" for a command's options.`);
  }
  return `${out.join('\n')}\n`;
}
