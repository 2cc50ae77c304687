/**
 * The one request-rate limiter of the gateway: the anonymous entry points (POST /login,
 * /saml/*) and every `rate-limit` filter count with it. A fixed window per key that starts
 * with the key's first request; the count and the window's end come from one atomic store
 * call, so several gateways on one Redis share every limit and two requests can never both
 * take the last slot.
 */
export interface WindowCount {
  count: number;
  /** seconds until the window ends, at least 1 */
  resetInSeconds: number;
}

/** What the limiter counts in: the gateway's shared store, or `LocalWindowCounters`. */
export interface WindowCounters {
  incrementWindow(key: string, windowSeconds: number): Promise<WindowCount>;
}

export interface RateDecision {
  allowed: boolean;
  count: number;
  /** seconds until the caller may try again (the window's end) */
  retryAfterSeconds: number;
}

export class RateLimiter {
  readonly max: number;
  readonly windowSeconds: number;
  readonly #counters: WindowCounters;

  constructor(options: { max: number; windowSeconds: number; counters: WindowCounters }) {
    this.max = options.max;
    this.windowSeconds = options.windowSeconds;
    this.#counters = options.counters;
  }

  /** Count one request for `key` and decide it. */
  async hit(key: string): Promise<RateDecision> {
    const { count, resetInSeconds } = await this.#counters.incrementWindow(key, this.windowSeconds);
    return { allowed: count <= this.max, count, retryAfterSeconds: Math.min(this.windowSeconds, Math.max(1, resetInSeconds)) };
  }
}

/**
 * Counters for one process, when no store is lent (a filter used outside the gateway).
 * Bounded to `maxKeys` windows: a flood of new addresses forgets the oldest windows rather
 * than growing memory without limit.
 */
export class LocalWindowCounters implements WindowCounters {
  readonly #windows = new Map<string, { count: number; resetAt: number }>();
  readonly #maxKeys: number;
  readonly #now: () => number;

  constructor(maxKeys: number, now: () => number = Date.now) {
    this.#maxKeys = maxKeys;
    this.#now = now;
  }

  async incrementWindow(key: string, windowSeconds: number): Promise<WindowCount> {
    const t = this.#now();
    let entry = this.#windows.get(key);
    if (!entry || entry.resetAt <= t) {
      if (entry) this.#windows.delete(key);
      if (this.#windows.size >= this.#maxKeys) {
        for (const [k, e] of this.#windows) if (e.resetAt <= t) this.#windows.delete(k);
        // still full: forget the oldest window
        if (this.#windows.size >= this.#maxKeys) this.#windows.delete(this.#windows.keys().next().value!);
      }
      entry = { count: 0, resetAt: t + windowSeconds * 1000 };
      this.#windows.set(key, entry);
    }
    entry.count++;
    return { count: entry.count, resetInSeconds: Math.max(1, Math.ceil((entry.resetAt - t) / 1000)) };
  }
}
