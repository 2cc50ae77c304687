import type { ExpiringStore } from '../sessions/store.js';
import { canonicalLogin } from './canonical-login.js';

export interface ThrottleSettings {
  maxFailuresPerUser: number;
  maxFailuresPerAddress: number;
  windowSeconds: number;
  lockoutSeconds: number;
}

/** A login attempt let through to the password check; its place in the user's count. */
export interface Admission {
  /** seconds until a login may be tried again; 0: the password may be checked now */
  retryAfter: number;
  /** this attempt's number among the user's attempts in the window (1-based) */
  attempt: number;
}

/**
 * Counts failed logins per account and per client address within a window; when either
 * reaches its limit, logins for it are refused for the lockout time. The counters sit on
 * the shared store, so several gateways count together.
 *
 * An attempt is counted *before* its password is checked (`admit`): the count is one atomic
 * increment, so of many attempts sent at once only the first `maxFailuresPerUser` reach
 * the password check, and a right password sent with thirty wrong ones is refused once the
 * limit is reached. A success clears the account's count. Accounts are keyed on their
 * canonical login (canonical-login.ts), so other spellings of a locked account are locked.
 */
export class LoginThrottle {
  readonly #store: ExpiringStore;
  readonly #settings: ThrottleSettings;
  readonly #now: () => number;
  readonly #onLockout: LockoutListener | undefined;

  /** `onLockout` hears of every account lock (the notifications mail the account's owner) */
  constructor(store: ExpiringStore, settings: ThrottleSettings, now: () => number = Date.now, onLockout?: LockoutListener) {
    this.#store = store;
    this.#settings = settings;
    this.#now = now;
    this.#onLockout = onLockout;
  }

  /** Seconds until a login may be tried again, or 0 when it may be tried now (no counting). */
  async retryAfter(login: string, address: string): Promise<number> {
    const until = Math.max((await this.#store.get<number>(lockKey('user', login))) ?? 0, (await this.#store.get<number>(lockKey('addr', address))) ?? 0);
    return this.#left(until);
  }

  /** Seconds the account is still locked for (after the directory named the account). */
  async accountLockedFor(login: string): Promise<number> {
    return this.#left((await this.#store.get<number>(lockKey('user', login))) ?? 0);
  }

  /** Count this attempt, then decide whether its password may be checked at all. */
  async admit(login: string, address: string): Promise<Admission> {
    const wait = await this.retryAfter(login, address);
    if (wait > 0) return { retryAfter: wait, attempt: 0 };
    const { windowSeconds, lockoutSeconds, maxFailuresPerUser } = this.#settings;
    const attempt = await this.#store.increment(countKey('user', login), windowSeconds);
    if (attempt > maxFailuresPerUser) {
      // attempts racing past the limit: lock now, their passwords are never evaluated
      await this.#lock('user', login, lockoutSeconds, address);
      return { retryAfter: lockoutSeconds, attempt };
    }
    return { retryAfter: 0, attempt };
  }

  /** The admitted attempt failed (already counted for the account); answers the lockout in seconds if it started one. */
  async recordFailure(login: string, address: string, admission: Admission): Promise<number> {
    const { windowSeconds, lockoutSeconds, maxFailuresPerUser, maxFailuresPerAddress } = this.#settings;
    const perAddress = await this.#store.increment(countKey('addr', address), windowSeconds);
    let locked = 0;
    if (admission.attempt >= maxFailuresPerUser) {
      await this.#lock('user', login, lockoutSeconds, address);
      locked = lockoutSeconds;
    }
    if (perAddress >= maxFailuresPerAddress) {
      await this.#lock('addr', address, lockoutSeconds, address);
      locked = lockoutSeconds;
    }
    return locked;
  }

  /** A successful login clears the account's count (not the address's: one address, many users). */
  async recordSuccess(...logins: string[]): Promise<void> {
    for (const login of new Set(logins.map(canonicalLogin))) await this.#store.delete(countKey('user', login));
  }

  async #lock(kind: 'user' | 'addr', value: string, seconds: number, address: string): Promise<void> {
    // attempts racing past the limit lock again: the first lock of an account is the one reported
    const already = kind === 'user' && (await this.#store.get<number>(lockKey(kind, value))) !== undefined;
    await this.#store.set(lockKey(kind, value), this.#now() + seconds * 1000, seconds);
    await this.#store.delete(countKey(kind, value));
    if (kind === 'user' && !already) this.#onLockout?.(canonicalLogin(value), seconds, address);
  }

  #left(until: number): number {
    const left = Math.ceil((until - this.#now()) / 1000);
    return left > 0 ? left : 0;
  }
}

/** told the canonical login, the lockout in seconds and the address of the last attempt; must not throw */
export type LockoutListener = (login: string, seconds: number, address: string) => void;

const keyOf = (kind: string, value: string) => (kind === 'user' ? canonicalLogin(value) : value);
const countKey = (kind: string, value: string) => `login-failures:${kind}:${keyOf(kind, value)}`;
const lockKey = (kind: string, value: string) => `login-lock:${kind}:${keyOf(kind, value)}`;
