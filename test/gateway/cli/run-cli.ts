import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * `node --conditions=portcullis-source --import tsx gateway/cli/main.ts`: the CLI from source,
 * with tsx found from the repository so any cwd works.
 */
export const MAIN = fileURLToPath(new URL('../../../gateway/cli/main.ts', import.meta.url));
export const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
/** node flags that run the packages' TypeScript source in a child process */
export const SOURCE_FLAGS = ['--conditions=portcullis-source', '--import', TSX_LOADER];

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the CLI as a child process in `cwd`, feeding `input` on stdin; killed after `timeoutMs`. */
export function runPortcullis(args: string[], options: { cwd: string; input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...SOURCE_FLAGS, MAIN, ...args], {
      cwd: options.cwd,
      // a clean environment: no PORTCULLIS_* of the developer's shell leaks in
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}
