import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthenticatedUser } from '../authenticators/types.js';
import type { ExpiringStore, SessionOrigin, SessionRecord } from './store.js';
import { cookieValues, sessionCookieOf } from './session-cookie.js';
import { looksLikeSessionId, newSessionId, sidClaimOf, storeKeyOf } from './session-id.js';

export interface SessionSettings {
  cookieName: string;
  idleTimeoutSeconds: number;
  absoluteTimeoutSeconds: number;
  /** true behind https: the cookie gets `Secure` */
  secureCookies: boolean;
  /** the decided client address of a request, kept with a new session (its user's session list shows it) */
  clientAddress?: (request: FastifyRequest) => string;
}

/** One of a user's sessions as their session list shows it. */
export interface ListedSession {
  /** the session's `sid` (a digest of its id); absent on a session from before sids were kept */
  sid?: string;
  record: SessionRecord;
}

/** the longest User-Agent kept with a session: enough to tell browsers apart, bounded per session */
const MAX_USER_AGENT = 256;

/** A live session as a request sees it. */
export interface ActiveSession {
  id: string;
  /** digest of the id, for the token's `sid` and for logs */
  sid: string;
  record: SessionRecord;
}

/** the most sessions a user's index keeps (the newest): a user rarely has more than a handful */
const MAX_INDEXED = 50;

/** digests of this many session ids are remembered */
const MAX_DIGESTS = 10_000;

/** How often (at most) a request refreshes the idle timer in the store: saves a write per request. */
const TOUCH_INTERVAL_MS = 15_000;

/**
 * Owns the SSO session life cycle: create with a fresh id at every login (no fixation),
 * look up with idle and absolute timeouts, destroy at logout, and find a user's sessions
 * for single logout.
 */
export class SessionManager {
  readonly #store: ExpiringStore;
  readonly #settings: SessionSettings;
  readonly #now: () => number;
  readonly #digests = new Map<string, { key: string; sid: string }>();

  constructor(store: ExpiringStore, settings: SessionSettings, now: () => number = Date.now) {
    this.#store = store;
    this.#settings = settings;
    this.#now = now;
  }

  get cookieName(): string {
    return this.#settings.cookieName;
  }

  /** The session of a request, or undefined: no cookie, malformed cookie, unknown, expired. */
  async load(request: FastifyRequest): Promise<ActiveSession | undefined> {
    const raw = sessionCookieOf(request, this.#settings.cookieName);
    if (raw === undefined) return undefined;
    if (!looksLikeSessionId(raw)) {
      request.log.debug('session cookie is malformed; treated as no session');
      return undefined;
    }
    const { key, sid } = this.#digestsOf(raw);
    const record = await this.#store.get<SessionRecord>(key);
    if (!record) return undefined;
    const now = this.#now();
    const idleEnds = record.lastSeenAt + this.#settings.idleTimeoutSeconds * 1000;
    const absoluteEnds = record.createdAt + this.#settings.absoluteTimeoutSeconds * 1000;
    if (now >= idleEnds || now >= absoluteEnds) {
      await this.#store.delete(key);
      return undefined;
    }
    // a session from before sids were kept learns its own at the next write
    record.sid ??= sid;
    if (now - record.lastSeenAt >= TOUCH_INTERVAL_MS) {
      record.lastSeenAt = now;
      await this.#store.set(key, record, this.#ttlSeconds(record, now));
    }
    return { id: raw, sid, record };
  }

  /** Both digests of an id, remembered for busy sessions: two SHA-256 per request add up. */
  #digestsOf(id: string): { key: string; sid: string } {
    let digests = this.#digests.get(id);
    if (!digests) {
      digests = { key: storeKeyOf(id), sid: sidClaimOf(id) };
      // a plain Map kept under a bound (oldest out first): a lookup is cheaper than an LRU's, and
      // a flood of made-up ids only pushes out digests that are recomputed on the next request
      if (this.#digests.size >= MAX_DIGESTS) this.#digests.delete(this.#digests.keys().next().value!);
      this.#digests.set(id, digests);
    }
    return digests;
  }

  /**
   * Start a session for a user who just authenticated. Any session the request carried is
   * destroyed first, so an id planted before login is worthless after it.
   */
  async create(request: FastifyRequest, reply: FastifyReply, user: AuthenticatedUser): Promise<ActiveSession> {
    // every session cookie the request carried, a tossed one too, is worthless from here on
    for (const previous of cookieValues(request.headers.cookie, this.#settings.cookieName)) {
      if (looksLikeSessionId(previous)) await this.#store.delete(storeKeyOf(previous));
    }

    const id = newSessionId();
    const now = this.#now();
    const sid = sidClaimOf(id);
    const record: SessionRecord = { user, createdAt: now, lastSeenAt: now, csrf: randomBytes(24).toString('base64url'), sid, origin: this.#originOf(request) };
    await this.#store.set(storeKeyOf(id), record, this.#ttlSeconds(record, now));
    await this.#index(user.loginId, storeKeyOf(id));
    reply.setCookie(this.#settings.cookieName, id, {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: this.#settings.secureCookies,
    });
    return { id, sid, record };
  }

  #originOf(request: FastifyRequest): SessionOrigin {
    const address = this.#settings.clientAddress?.(request) ?? request.socket?.remoteAddress ?? 'unknown';
    const agent = request.headers['user-agent'];
    return typeof agent === 'string' && agent !== '' ? { address, userAgent: agent.slice(0, MAX_USER_AGENT) } : { address };
  }

  /**
   * The live sessions of a user, oldest first. Only sessions of the same login id *and* the
   * same authenticator: another identity store's account that shares the login id is not
   * the same person (the same rule as single logout).
   */
  async listOf(user: Pick<AuthenticatedUser, 'loginId' | 'authenticator'>): Promise<ListedSession[]> {
    const keys = (await this.#store.get<string[]>(userIndexKey(user.loginId))) ?? [];
    // read side by side: on Redis one round trip's wait instead of one per session
    const records = await Promise.all(keys.map((key) => this.#store.get<SessionRecord>(key)));
    const out: ListedSession[] = [];
    for (const record of records) {
      if (!record || !this.#alive(record) || !sameOwner(record, user)) continue;
      out.push(record.sid === undefined ? { record } : { sid: record.sid, record });
    }
    return out.sort((a, b) => a.record.createdAt - b.record.createdAt);
  }

  /**
   * End one session of a user, named by its `sid`. Only that user's own sessions are looked
   * at (their index, then owner and authenticator checked on the record), so a sid of
   * anybody else's session ends nothing. Answers the ended record, or undefined.
   */
  async endOneOf(user: Pick<AuthenticatedUser, 'loginId' | 'authenticator'>, sid: string): Promise<SessionRecord | undefined> {
    const indexKey = userIndexKey(user.loginId);
    const keys = (await this.#store.get<string[]>(indexKey)) ?? [];
    for (const key of keys) {
      const record = await this.#store.get<SessionRecord>(key);
      if (!record || record.sid !== sid || !sameOwner(record, user)) continue;
      await this.#store.delete(key);
      await this.#store.updateList(indexKey, { remove: [key] }, MAX_INDEXED, this.#settings.absoluteTimeoutSeconds);
      return record;
    }
    return undefined;
  }

  #alive(record: SessionRecord): boolean {
    const now = this.#now();
    return now < record.lastSeenAt + this.#settings.idleTimeoutSeconds * 1000 && now < record.createdAt + this.#settings.absoluteTimeoutSeconds * 1000;
  }

  /** End the request's session (if any) and clear the cookie. Answers the ended session. */
  async destroy(request: FastifyRequest, reply: FastifyReply): Promise<ActiveSession | undefined> {
    const session = await this.load(request);
    const raw = request.cookies[this.#settings.cookieName];
    if (looksLikeSessionId(raw)) {
      await this.#store.delete(storeKeyOf(raw));
      this.#digests.delete(raw);
    }
    reply.clearCookie(this.#settings.cookieName, { path: '/', httpOnly: true, sameSite: 'lax', secure: this.#settings.secureCookies });
    return session;
  }

  /**
   * End every session of a user (IdP-initiated single logout). With `authenticator`, only
   * the sessions that authenticator vouched for: an IdP ends its own logins, not a local
   * account that happens to share the login id; with `match`, only the sessions whose user
   * it accepts (one provider session). Answers how many ended.
   */
  async endSessionsOf(loginId: string, authenticator?: string, match?: (user: AuthenticatedUser) => boolean): Promise<number> {
    const indexKey = userIndexKey(loginId);
    const keys = (await this.#store.get<string[]>(indexKey)) ?? [];
    const gone: string[] = [];
    let ended = 0;
    for (const key of keys) {
      const record = await this.#store.get<SessionRecord>(key);
      if (!record) {
        gone.push(key);
        continue;
      }
      if ((authenticator !== undefined && record.user.authenticator !== authenticator) || (match && !match(record.user))) continue;
      await this.#store.delete(key);
      gone.push(key);
      ended++;
    }
    // only what ended leaves the index: a login indexed meanwhile stays in it
    if (gone.length) await this.#store.updateList(indexKey, { remove: gone }, MAX_INDEXED, this.#settings.absoluteTimeoutSeconds);
    return ended;
  }

  /** Write a session's re-read user (OIDC refresh) back to the store; the timeouts are unchanged. */
  async replaceUser(session: ActiveSession, user: AuthenticatedUser): Promise<void> {
    session.record.user = user;
    await this.#store.set(storeKeyOf(session.id), session.record, this.#ttlSeconds(session.record, this.#now()));
  }

  async #index(loginId: string, key: string): Promise<void> {
    const indexKey = userIndexKey(loginId);
    const keys = (await this.#store.get<string[]>(indexKey)) ?? [];
    // ended and expired sessions leave the index as new ones come; the change itself is atomic
    const gone: string[] = [];
    for (const k of keys) if (!(await this.#store.get(k))) gone.push(k);
    await this.#store.updateList(indexKey, { add: key, remove: gone }, MAX_INDEXED, this.#settings.absoluteTimeoutSeconds);
  }

  /** Write a session's changed record back (its user after a re-check), keeping its timeouts. */
  async save(session: ActiveSession): Promise<void> {
    await this.#store.set(this.#digestsOf(session.id).key, session.record, this.#ttlSeconds(session.record, this.#now()));
  }

  /** End one session by id (its user was deleted or disabled); the cookie dies with it. */
  async end(session: ActiveSession): Promise<void> {
    await this.#store.delete(this.#digestsOf(session.id).key);
    this.#digests.delete(session.id);
  }

  #ttlSeconds(record: SessionRecord, now: number): number {
    const absoluteLeft = record.createdAt + this.#settings.absoluteTimeoutSeconds * 1000 - now;
    return Math.max(1, Math.ceil(Math.min(this.#settings.idleTimeoutSeconds * 1000, absoluteLeft) / 1000));
  }
}

function sameOwner(record: SessionRecord, user: Pick<AuthenticatedUser, 'loginId' | 'authenticator'>): boolean {
  return record.user.loginId === user.loginId && record.user.authenticator === user.authenticator;
}

function userIndexKey(loginId: string): string {
  return 'user-sessions:' + loginId;
}
