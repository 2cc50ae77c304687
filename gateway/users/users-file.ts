/**
 * The local users file read by the `file` authenticator and written by `portcullis users`.
 *
 *   users:
 *     alice:
 *       password: scrypt$N=16384,r=8,p=1$<salt>$<hash>   # only ever a hash
 *       roles: [user]
 *       groups: []
 *       attributes: { firstName: Alice, lastName: Liddell, email: alice@example.org }
 *       disabled: false                                  # optional; true refuses logins
 *
 * YAML or JSON (by extension). Unknown keys are errors, like the main configuration.
 * Edits keep the file's comments and order, and are written atomically (temporary file +
 * rename, so a reader never sees half a file; watchers should watch the path, not the inode)
 * with mode 0600 for a new file.
 */
import { chmod, rename, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { Document, isMap, isSeq, parseDocument } from 'yaml';
import { ConfigError, ConfigParseError } from '@portcullis/config/errors.js';
import { createIssueWording, issuesToProblems } from '@portcullis/config/problems.js';
import { parseConfigText, readConfigText } from '@portcullis/config/source.js';
import { isPasswordHash } from './password-hash.js';
import { UsersFileError } from './errors.js';

/** Letters, digits and `. _ @ + -`, starting with a letter or digit, at most 128: e-mail-style logins fit. */
export const LOGIN_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$/;

export const userEntrySchema = z.strictObject({
  password: z.string().refine(isPasswordHash, 'must be a scrypt hash as written by `portcullis users passwd`'),
  roles: z.array(z.string().min(1)).default([]),
  groups: z.array(z.string().min(1)).default([]),
  /** identity attributes by name: firstName, lastName, email, language, country, ... */
  attributes: z.record(z.string(), z.string()).default({}),
  disabled: z.boolean().default(false),
});

export const usersFileSchema = z.strictObject({
  users: z.record(z.string().regex(LOGIN_PATTERN, 'is not a valid login name'), userEntrySchema).default({}),
});

export type UserEntry = z.infer<typeof userEntrySchema>;
export type UsersFile = z.infer<typeof usersFileSchema>;

export function assertValidLogin(login: string, file: string): void {
  if (!LOGIN_PATTERN.test(login)) {
    throw new UsersFileError('USER_LOGIN_INVALID', `"${login.slice(0, 130)}" is not a valid login: use letters, digits and . _ @ + - (at most 128)`, { file });
  }
}

function fromConfigError(err: unknown, file: string): never {
  if (err instanceof ConfigParseError) {
    throw new UsersFileError('USERS_FILE_PARSE_ERROR', err.message, { file, line: err.line, column: err.column, cause: err });
  }
  if (err instanceof ConfigError) {
    const code = err.code === 'CONFIG_FILE_NOT_FOUND' ? 'USERS_FILE_NOT_FOUND' : 'USERS_FILE_UNREADABLE';
    throw new UsersFileError(code, err.message, { file, cause: err });
  }
  throw err;
}

/** Validate parsed users-file content. */
export function validateUsersFile(document: unknown, file: string): UsersFile {
  const wording = createIssueWording();
  const result = usersFileSchema.safeParse(document ?? {}, { error: wording.error });
  if (!result.success) {
    const problems = issuesToProblems(result.error.issues, wording.knownKeys);
    const lines = problems.map((p) => `  ${p.path}: ${p.message}`).join('\n');
    throw new UsersFileError('USERS_FILE_INVALID', `invalid users file ${file}:\n${lines}`, { file, problems });
  }
  return result.data;
}

/** Parse users-file text (YAML, or JSON when `file` ends in .json). */
export function parseUsersFile(text: string, file: string): UsersFile {
  let document: unknown;
  try {
    document = parseConfigText(text, file);
  } catch (err) {
    fromConfigError(err, file);
  }
  return validateUsersFile(document, file);
}

/** Read and validate a users file. */
export async function readUsersFile(file: string): Promise<UsersFile> {
  let text: string;
  try {
    text = await readConfigText(file);
  } catch (err) {
    fromConfigError(err, file);
  }
  return parseUsersFile(text, file);
}

/** Write text atomically next to the target, keeping the old mode or using 0600. */
async function writeAtomically(file: string, text: string): Promise<void> {
  let mode = 0o600;
  try {
    mode = (await stat(file)).mode & 0o777;
  } catch {
    /* a new file */
  }
  const temp = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(temp, text, { mode, flag: 'wx' });
    await chmod(temp, mode);
    await rename(temp, file);
  } catch (err) {
    throw new UsersFileError('USERS_FILE_WRITE_FAILED', `cannot write ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, {
      file,
      cause: err,
    });
  }
}

/**
 * Change a users file in place: `edit` receives the validated content and the YAML document
 * (so comments survive) and changes the document. A missing file starts empty when
 * `createIfMissing` is set. The result is validated again before it is written.
 */
export async function editUsersFile(
  file: string,
  edit: (current: UsersFile, doc: Document) => void,
  options: { createIfMissing?: boolean } = {},
): Promise<UsersFile> {
  let text: string | undefined;
  try {
    text = await readConfigText(file);
  } catch (err) {
    if (!(options.createIfMissing && err instanceof ConfigError && err.code === 'CONFIG_FILE_NOT_FOUND')) fromConfigError(err, file);
  }
  const current = text === undefined ? { users: {} } : parseUsersFile(text, file);
  const doc = text === undefined || text.trim() === '' ? new Document({ users: {} }) : parseDocument(text);
  if (!doc.has('users') || doc.get('users') === null) doc.set('users', doc.createNode({}));
  edit(current, doc);
  const isJson = extname(file).toLowerCase() === '.json';
  const output = isJson ? `${JSON.stringify(doc.toJS(), null, 2)}\n` : doc.toString({ flowCollectionPadding: false });
  const updated = parseUsersFile(output, file);
  await writeAtomically(file, output);
  return updated;
}

export interface NewUser {
  passwordHash: string;
  roles?: string[];
  groups?: string[];
  attributes?: Record<string, string>;
}

/** Add a user; USER_EXISTS when the login is taken. Creates the file when missing. */
export async function addUser(file: string, login: string, user: NewUser): Promise<void> {
  assertValidLogin(login, file);
  await editUsersFile(
    file,
    (current, doc) => {
      if (Object.hasOwn(current.users, login)) throw new UsersFileError('USER_EXISTS', `user "${login}" already exists in ${file}`, { file });
      const entry = {
        password: user.passwordHash,
        roles: user.roles ?? [],
        groups: user.groups ?? [],
        attributes: user.attributes ?? {},
      };
      const node = doc.createNode(entry);
      // short lists read best inline: roles: [user, admin]
      if (isMap(node)) {
        for (const key of ['roles', 'groups']) {
          const seq = node.get(key, true);
          if (isSeq(seq)) seq.flow = true;
        }
      }
      doc.setIn(['users', login], node);
    },
    { createIfMissing: true },
  );
}

/** Replace a user's password hash; USER_NOT_FOUND when the login is absent. */
export async function setUserPassword(file: string, login: string, passwordHash: string): Promise<void> {
  await editUsersFile(file, (current, doc) => {
    if (!Object.hasOwn(current.users, login)) throw new UsersFileError('USER_NOT_FOUND', `no user "${login}" in ${file}`, { file });
    doc.setIn(['users', login, 'password'], passwordHash);
  });
}

/** Remove a user; USER_NOT_FOUND when the login is absent. */
export async function removeUser(file: string, login: string): Promise<void> {
  await editUsersFile(file, (current, doc) => {
    if (!Object.hasOwn(current.users, login)) throw new UsersFileError('USER_NOT_FOUND', `no user "${login}" in ${file}`, { file });
    doc.deleteIn(['users', login]);
  });
}
