/**
 * Reading a new password for `users add` / `users passwd`:
 * - on a terminal: a prompt on stderr, keystrokes not echoed (raw mode), asked twice;
 * - otherwise: the first line of stdin (`printf '%s\n' "$PW" | portcullis users passwd bob`).
 * The password is never printed, logged or put in an error message.
 */
import { CliError } from './command.js';
import type { CliIO } from './command.js';

/** Longer input is almost certainly a mistake (a file piped in by accident). */
export const MAX_PASSWORD_LENGTH = 1024;
const MAX_STDIN_BYTES = 64 * 1024;

const CTRL_C = '\u0003';
const CTRL_D = '\u0004';
const BACKSPACE = ['\u007f', '\b'];

/** Read one line from a terminal in raw mode without echoing it. */
function promptHidden(io: CliIO, prompt: string): Promise<string> {
  const stdin = io.stdin;
  return new Promise((resolve, reject) => {
    let value = '';
    // raw mode (no echo) before the prompt appears, so nothing typed after it is echoed
    stdin.setRawMode?.(true);
    io.stderr.write(prompt);
    stdin.setEncoding?.('utf8');
    stdin.resume();
    const finish = (err?: CliError) => {
      stdin.off('data', onData);
      stdin.setRawMode?.(false);
      stdin.pause();
      io.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: string | Buffer) => {
      for (const ch of String(chunk)) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === CTRL_C) return finish(new CliError('CLI_ABORTED', 'interrupted', 130));
        if (ch === CTRL_D) {
          if (value.length === 0) return finish(new CliError('CLI_ABORTED', 'no password entered', 1));
          return finish();
        }
        if (BACKSPACE.includes(ch)) value = value.slice(0, -1);
        else if (ch >= ' ') value += ch;
        if (value.length > MAX_PASSWORD_LENGTH) return finish(new CliError('CLI_PASSWORD_TOO_LONG', `password longer than ${MAX_PASSWORD_LENGTH} characters`));
      }
    };
    stdin.on('data', onData);
  });
}

/** The first line of a non-terminal stdin, read to its end (bounded). */
async function firstLineOfStdin(io: CliIO): Promise<string> {
  let text = '';
  for await (const chunk of io.stdin) {
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
    if (text.includes('\n') || text.length > MAX_STDIN_BYTES) break;
  }
  return text.split(/\r?\n/, 1)[0] ?? '';
}

function check(password: string): string {
  if (password.length === 0) throw new CliError('CLI_PASSWORD_EMPTY', 'the password is empty');
  if (password.length > MAX_PASSWORD_LENGTH) throw new CliError('CLI_PASSWORD_TOO_LONG', `password longer than ${MAX_PASSWORD_LENGTH} characters`);
  return password;
}

/** Ask for a new password for `login`. */
export async function readNewPassword(io: CliIO, login: string): Promise<string> {
  if (io.stdin.isTTY && typeof io.stdin.setRawMode === 'function') {
    const first = check(await promptHidden(io, `New password for ${login}: `));
    const second = await promptHidden(io, 'Repeat the password: ');
    if (first !== second) throw new CliError('CLI_PASSWORD_MISMATCH', 'the two passwords differ; nothing was changed');
    return first;
  }
  return check(await firstLineOfStdin(io));
}

/**
 * Read one secret value (a vault credential): a hidden prompt on a terminal, asked once, or
 * the first line of stdin. Never echoed, printed or put in an error message.
 */
export async function readSecretLine(io: CliIO, prompt: string): Promise<string> {
  const value = io.stdin.isTTY && typeof io.stdin.setRawMode === 'function' ? await promptHidden(io, prompt) : await firstLineOfStdin(io);
  if (value.length === 0) throw new CliError('CLI_VALUE_EMPTY', 'the value is empty; nothing was stored');
  return value;
}
