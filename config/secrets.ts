/**
 * Secret references: wherever a secret goes in the configuration, the operator writes where
 * to find it rather than the secret itself.
 *
 *   env://NAME      the value of environment variable NAME
 *   file://PATH     the contents of PATH (relative to the configuration file's folder, or
 *                   absolute: file:///run/secrets/ldap); one trailing newline is dropped
 *   plain://VALUE   VALUE itself — for demos and tests only
 *
 * References stay references in the loaded configuration (so the config can be logged or
 * printed); the component that needs the secret resolves it when it needs it, and the loader
 * checks up front that every reference can be resolved. Errors name the reference, never
 * the value.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { SecretReferenceError } from './errors.js';

export const SECRET_SCHEMES = ['env', 'file', 'plain'] as const;
export type SecretScheme = (typeof SECRET_SCHEMES)[number];

export interface SecretOptions {
  /** folder of the configuration file; `file://` paths are relative to it */
  configDir: string;
  /** environment to read `env://` from; defaults to process.env */
  env?: NodeJS.ProcessEnv;
}

interface ParsedRef {
  scheme: SecretScheme;
  rest: string;
}

const REF = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/is;

/** True when `value` looks like one of our secret references. */
export function isSecretRef(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = REF.exec(value);
  return m !== null && (SECRET_SCHEMES as readonly string[]).includes(m[1]!.toLowerCase()) && m[2]!.length > 0;
}

/** A description safe for logs: the scheme and name or path, `plain://***` for inline values. */
export function describeSecretRef(ref: string): string {
  const m = REF.exec(ref);
  if (!m) return '(not a secret reference)';
  const scheme = m[1]!.toLowerCase();
  if (scheme === 'env' || scheme === 'file') return `${scheme}://${m[2]}`;
  return `${scheme}://***`;
}

function parseRef(ref: string): ParsedRef {
  const m = typeof ref === 'string' ? REF.exec(ref) : null;
  if (!m) {
    throw new SecretReferenceError('CONFIG_SECRET_MALFORMED', 'not a secret reference: expected env://NAME, file://PATH or plain://VALUE');
  }
  const scheme = m[1]!.toLowerCase();
  if (!(SECRET_SCHEMES as readonly string[]).includes(scheme)) {
    // only the scheme is echoed: the rest may well be the secret written in the wrong place
    throw new SecretReferenceError('CONFIG_SECRET_SCHEME_UNKNOWN', `unknown secret scheme "${scheme}://": use env://, file:// or plain://`);
  }
  if (m[2]!.length === 0) {
    throw new SecretReferenceError('CONFIG_SECRET_MALFORMED', `empty secret reference "${scheme}://"`);
  }
  return { scheme: scheme as SecretScheme, rest: m[2]! };
}

function secretFilePath(rest: string, configDir: string): string {
  return isAbsolute(rest) ? rest : resolve(configDir, rest);
}

function fromEnv(name: string, env: NodeJS.ProcessEnv): string {
  const value = env[name];
  if (value === undefined) {
    throw new SecretReferenceError('CONFIG_SECRET_ENV_MISSING', `environment variable ${name} is not set (secret env://${name})`);
  }
  if (value.length === 0) {
    throw new SecretReferenceError('CONFIG_SECRET_EMPTY', `environment variable ${name} is empty (secret env://${name})`);
  }
  return value;
}

function fromFileContents(contents: string, rest: string): string {
  const value = contents.replace(/\r?\n$/, '');
  if (value.length === 0) {
    throw new SecretReferenceError('CONFIG_SECRET_EMPTY', `secret file is empty (secret file://${rest})`);
  }
  return value;
}

function unreadable(rest: string, err: unknown): SecretReferenceError {
  const code = (err as NodeJS.ErrnoException)?.code;
  const reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (code ?? 'unreadable');
  return new SecretReferenceError('CONFIG_SECRET_FILE_UNREADABLE', `cannot read secret file://${rest}: ${reason}`, err);
}

/** Resolve a secret reference to its value. Throws a `SecretReferenceError` with a stable code. */
export async function resolveSecret(ref: string, options: SecretOptions): Promise<string> {
  const { scheme, rest } = parseRef(ref);
  if (scheme === 'env') return fromEnv(rest, options.env ?? process.env);
  if (scheme === 'plain') return rest;
  let contents: string;
  try {
    contents = await readFile(secretFilePath(rest, options.configDir), 'utf8');
  } catch (err) {
    throw unreadable(rest, err);
  }
  return fromFileContents(contents, rest);
}

/** The synchronous twin of `resolveSecret`, for start-up code that cannot await. */
export function resolveSecretSync(ref: string, options: SecretOptions): string {
  const { scheme, rest } = parseRef(ref);
  if (scheme === 'env') return fromEnv(rest, options.env ?? process.env);
  if (scheme === 'plain') return rest;
  let contents: string;
  try {
    contents = readFileSync(secretFilePath(rest, options.configDir), 'utf8');
  } catch (err) {
    throw unreadable(rest, err);
  }
  return fromFileContents(contents, rest);
}
