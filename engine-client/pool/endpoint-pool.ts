import { LRUCache } from 'lru-cache';
import { AllEndpointsDownError, PoolOptionsError, type DownEndpoint } from './errors.js';
import { failureLabel, isConnectionFailure } from './failure.js';

/** One endpoint as the caller describes it: a stable id (usually its URL) and what work needs. */
export interface EndpointSpec<T> {
  id: string;
  target: T;
}

export interface EndpointPoolOptions<T> {
  /** name used in errors and events, e.g. the authenticator's name */
  name?: string;
  endpoints: ReadonlyArray<EndpointSpec<T>>;
  /** spread new work round-robin over the healthy endpoints (default false: first healthy) */
  loadBalance?: boolean;
  /** keep work with the same key on the endpoint that served it first (default true) */
  sticky?: boolean;
  /** how long an endpoint stays down before it is tried again (default 30 000 ms) */
  retryIntervalMs?: number;
  /** the most sticky keys remembered; the least recently used are forgotten (default 10 000) */
  maxStickyKeys?: number;
  /** does this error mean the endpoint is unreachable? (default: `isConnectionFailure`) */
  isFailure?: (err: unknown) => boolean;
  /** clock, swappable for tests */
  now?: () => number;
  /** told when an endpoint goes down or comes back; the gateway logs these */
  onEvent?: (event: PoolEvent) => void;
  /**
   * Checks a down endpoint once its retry interval has passed, whether or not work arrives
   * (resolves: reachable; throws: `isFailure` decides). Without it a down endpoint is only
   * retried by work, which never comes to it while every key is stuck elsewhere.
   */
  probe?: (target: T, endpointId: string) => Promise<unknown>;
}

export type PoolEvent =
  | { type: 'down'; pool: string; endpoint: string; failure: string; retryAt: string }
  | { type: 'up'; pool: string; endpoint: string; downSince: string };

/** What `state()` shows of one endpoint. */
export interface EndpointState {
  id: string;
  status: 'up' | 'down';
  /** ISO time the endpoint went down, null while up */
  downSince: string | null;
  /** ISO time a down endpoint will be tried again */
  retryAt: string | null;
  lastFailure: string | null;
  /** work this endpoint answered (success or an answer such as "wrong password") */
  served: number;
  /** connection failures and timeouts counted against it */
  failures: number;
  inFlight: number;
}

export interface RunOptions {
  /** stickiness key: a user or a session; without it the work is not sticky */
  key?: string;
}

interface Endpoint<T> {
  id: string;
  target: T;
  downSince: number | null;
  retryAt: number;
  /** a retry of a down endpoint is under way: others skip it until it answers */
  probing: boolean;
  lastFailure: string | null;
  served: number;
  failures: number;
  inFlight: number;
}

export const POOL_DEFAULTS = Object.freeze({
  loadBalance: false,
  sticky: true,
  retryIntervalMs: 30_000,
  maxStickyKeys: 10_000,
});

/**
 * An ordered list of endpoints with round-robin, stickiness and failover. The pool never
 * looks at what the work does: the work throws, and `isFailure` decides whether the error
 * means "unreachable" (mark down, move on) or "answered" (hand the error back).
 */
export class EndpointPool<T> {
  readonly name: string;
  readonly #endpoints: Endpoint<T>[];
  readonly #loadBalance: boolean;
  readonly #sticky: boolean;
  readonly #retryIntervalMs: number;
  readonly #isFailure: (err: unknown) => boolean;
  readonly #now: () => number;
  readonly #onEvent?: (event: PoolEvent) => void;
  readonly #stickyKeys: LRUCache<string, string> | null;
  /** keys that failed over, with the endpoint they were stuck to: they go back when it recovers */
  readonly #movedFrom: LRUCache<string, string> | null;
  readonly #probe?: (target: T, endpointId: string) => Promise<unknown>;
  readonly #probeTimers = new Map<string, NodeJS.Timeout>();
  #closed = false;
  #next = 0;

  constructor(options: EndpointPoolOptions<T>) {
    if (!Array.isArray(options.endpoints) || options.endpoints.length === 0) {
      throw new PoolOptionsError('endpoints', 'at least one endpoint is needed');
    }
    const ids = new Set<string>();
    for (const [i, e] of options.endpoints.entries()) {
      if (typeof e.id !== 'string' || e.id === '') throw new PoolOptionsError(`endpoints[${i}].id`, 'must be a non-empty string');
      if (ids.has(e.id)) throw new PoolOptionsError(`endpoints[${i}].id`, `duplicate endpoint ${e.id}`);
      ids.add(e.id);
    }
    const retryIntervalMs = options.retryIntervalMs ?? POOL_DEFAULTS.retryIntervalMs;
    if (!Number.isFinite(retryIntervalMs) || retryIntervalMs <= 0) {
      throw new PoolOptionsError('retryIntervalMs', 'must be a positive number of milliseconds');
    }
    const maxStickyKeys = options.maxStickyKeys ?? POOL_DEFAULTS.maxStickyKeys;
    if (!Number.isInteger(maxStickyKeys) || maxStickyKeys < 1) {
      throw new PoolOptionsError('maxStickyKeys', 'must be a positive integer');
    }
    this.name = options.name ?? 'pool';
    this.#endpoints = options.endpoints.map((e) => ({
      id: e.id,
      target: e.target,
      downSince: null,
      retryAt: 0,
      probing: false,
      lastFailure: null,
      served: 0,
      failures: 0,
      inFlight: 0,
    }));
    this.#loadBalance = options.loadBalance ?? POOL_DEFAULTS.loadBalance;
    this.#sticky = options.sticky ?? POOL_DEFAULTS.sticky;
    this.#retryIntervalMs = retryIntervalMs;
    this.#isFailure = options.isFailure ?? isConnectionFailure;
    this.#now = options.now ?? Date.now;
    this.#onEvent = options.onEvent;
    this.#stickyKeys = this.#sticky ? new LRUCache<string, string>({ max: maxStickyKeys }) : null;
    this.#movedFrom = this.#sticky ? new LRUCache<string, string>({ max: maxStickyKeys }) : null;
    this.#probe = options.probe;
  }

  /** Stop the background probes (the pool still runs work afterwards, without them). */
  close(): void {
    this.#closed = true;
    for (const timer of this.#probeTimers.values()) clearTimeout(timer);
    this.#probeTimers.clear();
  }

  /**
   * Run `work` on one endpoint, failing over to the next on a connection failure. The
   * first answer wins, including an error that is an answer. When no endpoint is left,
   * throws `AllEndpointsDownError` (503).
   */
  async run<R>(work: (target: T, endpointId: string) => Promise<R>, options: RunOptions = {}): Promise<R> {
    const key = this.#sticky ? options.key : undefined;
    const stuck = key !== undefined ? this.#stickyKeys?.get(key) : undefined;
    let lastFailure: unknown;
    for (const endpoint of this.#order(key)) {
      if (!this.#claim(endpoint)) continue;
      endpoint.inFlight++;
      try {
        const result = await work(endpoint.target, endpoint.id);
        this.#answered(endpoint, key);
        if (key !== undefined && stuck !== undefined && stuck !== endpoint.id) this.#movedFrom?.set(key, stuck);
        return result;
      } catch (err) {
        if (!this.#isFailure(err)) {
          this.#answered(endpoint, key);
          throw err;
        }
        lastFailure = err;
        this.#markDown(endpoint, err);
      } finally {
        endpoint.inFlight--;
        endpoint.probing = false;
      }
    }
    throw new AllEndpointsDownError(this.name, this.#downList(), { cause: lastFailure });
  }

  /** Each endpoint's status, for operators, health pages and metrics. */
  state(): EndpointState[] {
    return this.#endpoints.map((e) => ({
      id: e.id,
      status: e.downSince === null ? 'up' : 'down',
      downSince: e.downSince === null ? null : new Date(e.downSince).toISOString(),
      retryAt: e.downSince === null ? null : new Date(e.retryAt).toISOString(),
      lastFailure: e.lastFailure,
      served: e.served,
      failures: e.failures,
      inFlight: e.inFlight,
    }));
  }

  /** Which endpoint a key is stuck to, if any (for tests and diagnostics). */
  stickyEndpoint(key: string): string | undefined {
    return this.#stickyKeys?.get(key);
  }

  /** Candidates in the order they should be tried: sticky first, then rotation or config order. */
  #order(key: string | undefined): Endpoint<T>[] {
    const now = this.#now();
    const usable = this.#endpoints.filter((e) => e.downSince === null || (now >= e.retryAt && !e.probing));
    if (usable.length === 0) return [];
    let ordered = usable;
    if (this.#loadBalance && usable.length > 1) {
      const start = this.#next++ % usable.length;
      if (this.#next >= Number.MAX_SAFE_INTEGER) this.#next = 0;
      ordered = [...usable.slice(start), ...usable.slice(0, start)];
    }
    if (key !== undefined) {
      const stuck = this.#stickyKeys?.get(key);
      const i = ordered.findIndex((e) => e.id === stuck && e.downSince === null);
      if (i > 0) ordered = [ordered[i]!, ...ordered.slice(0, i), ...ordered.slice(i + 1)];
    }
    return ordered;
  }

  /** An endpoint that went down while this request waited is only taken as a single probe. */
  #claim(endpoint: Endpoint<T>): boolean {
    if (endpoint.downSince === null) return true;
    if (this.#now() < endpoint.retryAt || endpoint.probing) return false;
    endpoint.probing = true;
    return true;
  }

  #answered(endpoint: Endpoint<T>, key: string | undefined): void {
    endpoint.served++;
    if (key !== undefined) this.#stickyKeys?.set(key, endpoint.id);
    if (endpoint.downSince !== null) {
      const downSince = new Date(endpoint.downSince).toISOString();
      endpoint.downSince = null;
      endpoint.retryAt = 0;
      clearTimeout(this.#probeTimers.get(endpoint.id));
      this.#probeTimers.delete(endpoint.id);
      // keys that failed over from here are no longer stuck: the pool's order places them again
      if (this.#movedFrom) {
        for (const [moved, from] of this.#movedFrom.entries()) {
          if (from !== endpoint.id) continue;
          this.#movedFrom.delete(moved);
          if (this.#stickyKeys?.get(moved) !== endpoint.id) this.#stickyKeys?.delete(moved);
        }
      }
      this.#onEvent?.({ type: 'up', pool: this.name, endpoint: endpoint.id, downSince });
    }
  }

  /** Try a down endpoint when its retry time comes, independently of work; again after each failure. */
  #scheduleProbe(endpoint: Endpoint<T>): void {
    if (!this.#probe || this.#closed) return;
    clearTimeout(this.#probeTimers.get(endpoint.id));
    const timer = setTimeout(async () => {
      this.#probeTimers.delete(endpoint.id);
      if (endpoint.downSince === null || endpoint.probing || this.#closed) return;
      endpoint.probing = true;
      try {
        await this.#probe!(endpoint.target, endpoint.id);
        this.#answered(endpoint, undefined);
      } catch (err) {
        if (this.#isFailure(err)) this.#markDown(endpoint, err);
        else this.#answered(endpoint, undefined);
      } finally {
        endpoint.probing = false;
      }
    }, Math.max(0, endpoint.retryAt - this.#now()));
    timer.unref?.();
    this.#probeTimers.set(endpoint.id, timer);
  }

  #markDown(endpoint: Endpoint<T>, err: unknown): void {
    const now = this.#now();
    const wasUp = endpoint.downSince === null;
    endpoint.failures++;
    endpoint.lastFailure = failureLabel(err);
    endpoint.retryAt = now + this.#retryIntervalMs;
    this.#scheduleProbe(endpoint);
    if (wasUp) {
      endpoint.downSince = now;
      this.#onEvent?.({
        type: 'down',
        pool: this.name,
        endpoint: endpoint.id,
        failure: endpoint.lastFailure,
        retryAt: new Date(endpoint.retryAt).toISOString(),
      });
    }
  }

  #downList(): DownEndpoint[] {
    return this.#endpoints
      .filter((e) => e.downSince !== null)
      .map((e) => ({
        id: e.id,
        downSince: new Date(e.downSince!).toISOString(),
        retryAt: new Date(e.retryAt).toISOString(),
        lastFailure: e.lastFailure,
      }));
  }
}

/** Factory spelling, for symmetry with the rest of engine-client. */
export function createEndpointPool<T>(options: EndpointPoolOptions<T>): EndpointPool<T> {
  return new EndpointPool(options);
}
