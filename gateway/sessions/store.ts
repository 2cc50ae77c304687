import type { AuthenticatedUser } from '../authenticators/types.js';

/** One SSO session as a store keeps it. */
export interface SessionRecord {
  user: AuthenticatedUser;
  /** epoch milliseconds */
  createdAt: number;
  lastSeenAt: number;
  /** CSRF token bound to this session (forms after login, logout) */
  csrf: string;
  /** epoch milliseconds of the last re-check of the user against their identity store */
  checkedAt?: number;
  /** the token's `sid` claim of this session (a digest of the id): names it on the account page and in the token cache */
  sid?: string;
  /** where the login came from, for the user's list of their sessions */
  origin?: SessionOrigin;
}

export interface SessionOrigin {
  /** the client address the gateway decided (socket, or X-Forwarded-For from trusted proxies) */
  address: string;
  /** the browser's User-Agent, cut to a bounded length */
  userAgent?: string;
}

/**
 * A key/value store with per-entry expiry. Sessions, login counters and replay caches all
 * sit on it, so a Redis implementation gives every one of them to several gateways at once.
 */
export interface ExpiringStore {
  get<T>(key: string): Promise<T | undefined>;
  set<T>(key: string, value: T, ttlSeconds: number): Promise<void>;
  /** set only if absent; true when this call set it (replay caches) */
  setIfAbsent<T>(key: string, value: T, ttlSeconds: number): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** add 1 and return the new count; the window starts with the first increment */
  increment(key: string, windowSeconds: number): Promise<number>;
  /** like `increment`, atomically, and also the seconds left in the counter's window (Retry-After) */
  incrementWindow(key: string, windowSeconds: number): Promise<WindowCount>;
  /**
   * Change the list of strings at `key` (a JSON array, as `get` reads it) in one atomic step:
   * drop the `remove` entries, append `add` (once), keep the newest `max`; the list expires
   * after `ttlSeconds`, and an emptied list is deleted. Two gateways indexing two logins of one
   * user at the same moment both end up in the list. Answers the new list.
   */
  updateList(key: string, change: ListChange, max: number, ttlSeconds: number): Promise<string[]>;
  /** resolves when the store answers; throws `GW_STORE_UNAVAILABLE` (503) when it is unusable (readiness) */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface ListChange {
  add?: string;
  remove?: readonly string[];
}

export interface WindowCount {
  count: number;
  /** seconds until the window ends and the count starts again, at least 1 */
  resetInSeconds: number;
}
