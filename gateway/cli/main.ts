#!/usr/bin/env node
/**
 * Entry point of the `portcullis` command: `node --import tsx gateway/cli/main.ts <command>`,
 * `npm start`, or `bin/portcullis.mjs`. Everything lives in run.ts; this file only binds
 * the process.
 */
import { runCli } from './run.js';

const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  cwd: process.cwd(),
});
process.exitCode = code;
