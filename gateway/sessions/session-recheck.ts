import type { FastifyBaseLogger } from 'fastify';
import type { AuthenticatedUser, PasswordAuthenticator } from '../authenticators/types.js';
import type { ActiveSession, SessionManager } from './session-manager.js';

export interface SessionRecheckOptions {
  sessions: SessionManager;
  /** authenticators that can look a user up without a password (file, ldap), by name */
  authenticators: readonly PasswordAuthenticator[];
  /** the longest a session goes without re-checking its user */
  intervalSeconds: number;
  /** called when a session's user changed: cached engine tokens of that session must go */
  onChange(session: ActiveSession): void;
  now?: () => number;
}

/**
 * Sessions learn about account changes: at most every `intervalSeconds` (and whenever the
 * caller asks, e.g. before a new engine token is minted) the session's user is looked up in
 * the identity store that logged them in. A deleted or disabled user's session ends; changed
 * roles, groups and attributes replace the session's. When the store cannot be asked, the
 * session keeps its user and the next request tries again (logged as a warning).
 * Authenticators without a lookup (SAML, header, mTLS) are not re-checked: their sessions
 * end at the idle or absolute timeout, or by single logout.
 */
export class SessionRecheck {
  readonly #options: SessionRecheckOptions;
  readonly #byName: Map<string, PasswordAuthenticator>;
  readonly #now: () => number;

  constructor(options: SessionRecheckOptions) {
    this.#options = options;
    this.#byName = new Map(options.authenticators.filter((a) => a.lookup).map((a) => [a.name, a]));
    this.#now = options.now ?? Date.now;
  }

  /** The session, refreshed when due (or `force`), or undefined when it just ended. */
  async check(session: ActiveSession, log: FastifyBaseLogger, force = false): Promise<ActiveSession | undefined> {
    const { record } = session;
    const authenticator = this.#byName.get(record.user.authenticator);
    if (!authenticator?.lookup) return session;
    const now = this.#now();
    const checkedAt = record.checkedAt ?? record.createdAt;
    if (!force && now - checkedAt < this.#options.intervalSeconds * 1000) return session;
    let current: AuthenticatedUser | null;
    try {
      current = await authenticator.lookup(record.user.loginId, { previous: record.user, log });
    } catch (err) {
      log.warn({ sid: session.sid, authenticator: authenticator.name, code: (err as { code?: string }).code }, 'session re-check impossible: the identity store did not answer; trying again at the next request');
      return session;
    }
    if (!current) {
      await this.#options.sessions.end(session);
      this.#options.onChange(session);
      log.info({ sid: session.sid, user: record.user.loginId, authenticator: authenticator.name }, 'session ended: the user was deleted or disabled, or the user mapping refuses them now');
      return undefined;
    }
    const changed = !sameIdentity(record.user, current);
    // level, amr and the login data stay what the login established; who the user is now is the store's
    record.user = { ...record.user, roles: current.roles, groups: current.groups, attributes: current.attributes };
    record.checkedAt = now;
    await this.#options.sessions.save(session);
    if (changed) {
      this.#options.onChange(session);
      log.info({ sid: session.sid, user: record.user.loginId, roles: current.roles, groups: current.groups }, 'session updated: roles, groups or attributes changed in the identity store');
    }
    return session;
  }
}

function sameIdentity(a: AuthenticatedUser, b: AuthenticatedUser): boolean {
  return JSON.stringify([a.roles, a.groups, a.attributes]) === JSON.stringify([b.roles, b.groups, b.attributes]);
}
