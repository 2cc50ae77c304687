import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { FileAuthenticatorConfig } from '@portcullis/config/schema/authenticators.js';
import { readUsersFile, type UserEntry } from '../../users/users-file.js';
import { burnPasswordCheck, verifyPassword } from '../../users/password-hash.js';
import { applyRoleMapping } from '../role-mapping.js';
import type { AuthenticatedUser, AuthenticatorContext, PasswordAuthenticator } from '../types.js';

/** How long file changes settle before a reload: editors write in several steps. */
const RELOAD_DEBOUNCE_MS = 150;

/**
 * Local users from a YAML/JSON users file with scrypt hashes. The file is reloaded when it
 * changes; a broken edit keeps the last good users and says so in the log. Unknown users
 * cost the same scrypt work as a wrong password, and both answer null.
 */
export async function createFileAuthenticator(config: FileAuthenticatorConfig, ctx: AuthenticatorContext): Promise<PasswordAuthenticator> {
  const file = resolve(ctx.configDir, config.usersFile);
  let users: Map<string, UserEntry> = toMap(await readUsersFile(file));
  const log = ctx.log.child({ authenticator: config.name });
  log.info({ file, users: users.size }, 'users file loaded');

  let timer: NodeJS.Timeout | undefined;
  const reload = () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      try {
        users = toMap(await readUsersFile(file));
        log.info({ file, users: users.size }, 'users file reloaded');
      } catch (err) {
        log.error({ file, code: (err as { code?: string }).code, problem: (err as Error).message }, 'users file change ignored: the file is invalid; the previous users stay active');
      }
    }, RELOAD_DEBOUNCE_MS);
    timer.unref();
  };
  // Watch the folder, not the file: editors and `users passwd` replace the file by rename.
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(file), { persistent: false }, (_event, name) => {
      if (name === null || name === basename(file)) reload();
    });
  } catch (err) {
    log.warn({ file, err: (err as Error).message }, 'cannot watch the users file; changes need a restart');
  }

  const userOf = (login: string, entry: UserEntry): AuthenticatedUser => ({
    loginId: login,
    roles: applyRoleMapping(entry.roles, config.roleMapping),
    groups: [...entry.groups],
    attributes: { ...entry.attributes },
    level: 'auth.weak',
    amr: ['pwd'],
    authenticator: config.name,
  });

  return {
    kind: 'password',
    type: 'file',
    name: config.name,
    async verify(login, password): Promise<AuthenticatedUser | null> {
      const entry = users.get(login);
      // Unknown and disabled users spend the same scrypt work as a wrong password.
      if (!entry || entry.disabled) return burnPasswordCheck(password).then(() => null);
      if (!(await verifyPassword(password, entry.password))) return null;
      return userOf(login, entry);
    },
    async lookup(loginId): Promise<AuthenticatedUser | null> {
      const entry = users.get(loginId);
      return entry && !entry.disabled ? userOf(loginId, entry) : null;
    },
    knowsUser: (login) => users.has(login),
    async close() {
      clearTimeout(timer);
      watcher?.close();
    },
  };
}

function toMap(document: { users: Record<string, UserEntry> }): Map<string, UserEntry> {
  return new Map(Object.entries(document.users));
}
