import type { ExpiringStore } from '../sessions/store.js';

export interface ThrottleSettings {
  maxFailuresPerUser: number;
  maxFailuresPerAddress: number;
  windowSeconds: number;
  lockoutSeconds: number;
}

/**
 * Counts failed logins per user and per client address within a window; when either
 * reaches its limit, logins for it are refused for the lockout time. The counters sit on
 * the shared store, so several gateways count together.
 */
export class LoginThrottle {
  readonly #store: ExpiringStore;
  readonly #settings: ThrottleSettings;
  readonly #now: () => number;

  constructor(store: ExpiringStore, settings: ThrottleSettings, now: () => number = Date.now) {
    this.#store = store;
    this.#settings = settings;
    this.#now = now;
  }

  /** Seconds until a login may be tried again, or 0 when it may be tried now. */
  async retryAfter(login: string, address: string): Promise<number> {
    const until = Math.max((await this.#store.get<number>(lockKey('user', login))) ?? 0, (await this.#store.get<number>(lockKey('addr', address))) ?? 0);
    const left = Math.ceil((until - this.#now()) / 1000);
    return left > 0 ? left : 0;
  }

  /** Count a failure; answers the lockout in seconds if this failure started one. */
  async recordFailure(login: string, address: string): Promise<number> {
    const { windowSeconds, lockoutSeconds, maxFailuresPerUser, maxFailuresPerAddress } = this.#settings;
    const perUser = await this.#store.increment(countKey('user', login), windowSeconds);
    const perAddress = await this.#store.increment(countKey('addr', address), windowSeconds);
    const until = this.#now() + lockoutSeconds * 1000;
    let locked = 0;
    if (perUser >= maxFailuresPerUser) {
      await this.#store.set(lockKey('user', login), until, lockoutSeconds);
      await this.#store.delete(countKey('user', login));
      locked = lockoutSeconds;
    }
    if (perAddress >= maxFailuresPerAddress) {
      await this.#store.set(lockKey('addr', address), until, lockoutSeconds);
      await this.#store.delete(countKey('addr', address));
      locked = lockoutSeconds;
    }
    return locked;
  }

  /** A successful login clears the user's failures (not the address's: one address, many users). */
  async recordSuccess(login: string): Promise<void> {
    await this.#store.delete(countKey('user', login));
  }
}

// Logins are compared case-insensitively so `Alice` and `alice` share one counter.
const countKey = (kind: string, value: string) => `login-failures:${kind}:${value.toLowerCase()}`;
const lockKey = (kind: string, value: string) => `login-lock:${kind}:${value.toLowerCase()}`;
