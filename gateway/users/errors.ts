/**
 * Errors of the local users file. Codes (stable, never reused):
 * - USERS_FILE_NOT_FOUND      the users file does not exist
 * - USERS_FILE_UNREADABLE     it cannot be read (permissions, a directory)
 * - USERS_FILE_PARSE_ERROR    not valid YAML/JSON; `line`/`column` say where
 * - USERS_FILE_INVALID        parsed, but entries break the format; see `problems`
 * - USERS_FILE_WRITE_FAILED   saving the file failed
 * - USER_EXISTS               `users add` for a login already present
 * - USER_NOT_FOUND            `users passwd`/`remove` for a login not present
 * - USER_LOGIN_INVALID        a login name outside the allowed characters
 * Messages never contain a password or a hash.
 */
import type { ConfigProblem } from '@portcullis/config/errors.js';
import { GatewayError } from '../errors.js';

export type UsersFileErrorCode =
  | 'USERS_FILE_NOT_FOUND'
  | 'USERS_FILE_UNREADABLE'
  | 'USERS_FILE_PARSE_ERROR'
  | 'USERS_FILE_INVALID'
  | 'USERS_FILE_WRITE_FAILED'
  | 'USER_EXISTS'
  | 'USER_NOT_FOUND'
  | 'USER_LOGIN_INVALID';

export class UsersFileError extends GatewayError {
  declare readonly code: UsersFileErrorCode;
  readonly file: string;
  readonly problems: readonly ConfigProblem[];
  readonly line: number | undefined;
  readonly column: number | undefined;

  constructor(
    code: UsersFileErrorCode,
    message: string,
    options: { file: string; problems?: ConfigProblem[]; line?: number; column?: number; cause?: unknown },
  ) {
    super(code, 500, message, options.cause === undefined ? {} : { cause: options.cause });
    this.name = 'UsersFileError';
    this.file = options.file;
    this.problems = Object.freeze([...(options.problems ?? [])]);
    this.line = options.line;
    this.column = options.column;
  }
}
