import { randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import type { RedisClient } from './redis-client.js';

/** Each gateway publishes a heartbeat this often; the cache answers only while it hears its own. */
const HEARTBEAT_MS = 250;
/** A revocation may take at most this long to reach a gateway whose channel went silent. */
const SILENCE_LIMIT_MS = 750;

export interface InvalidatedCacheOptions {
  /** Redis pub/sub channel every gateway of one deployment shares */
  channel: string;
  ttlSeconds: number;
  maxEntries: number;
  log: Logger;
}

/**
 * A per-gateway cache of values read from Redis, kept correct across gateways by Redis
 * pub/sub: every write or delete publishes the key, and every gateway drops its copy when the
 * message arrives (milliseconds, well under the 1 s a revocation may take).
 *
 * The cache answers only while its subscription is live. When the subscriber connection
 * drops, messages may be lost, so the cache empties itself and every read goes to Redis
 * until the subscription is back; a Redis outage therefore never serves a revoked session.
 * A channel can also go silent without closing (a frozen server, a partition, a Cluster node
 * that carried the subscription failing), so each gateway publishes a heartbeat on the channel
 * every 250 ms and its cache answers only while it heard its own heartbeat back in the last
 * 750 ms: a revocation reaches every gateway within a second even then.
 * A read that raced an invalidation (started before it, answered after it) is not cached.
 */
export class InvalidatedCache {
  readonly #entries: LRUCache<string, { value: unknown }>;
  readonly #subscriber: RedisClient;
  readonly #publisher: RedisClient;
  readonly #channel: string;
  /** messages from this gateway carry its origin, so it does not drop what it just wrote */
  readonly #origin = randomBytes(8).toString('hex');
  #live = false;
  #lastHeard = 0;
  #beating = false;
  readonly #heartbeat: NodeJS.Timeout;
  /** bumped on every invalidation; a read that saw another epoch is not cached */
  #epoch = 0;

  private constructor(publisher: RedisClient, subscriber: RedisClient, options: InvalidatedCacheOptions) {
    this.#publisher = publisher;
    this.#subscriber = subscriber;
    this.#channel = options.channel;
    this.#entries = new LRUCache({ max: options.maxEntries, ttl: options.ttlSeconds * 1000, ttlAutopurge: false, updateAgeOnGet: false });
    subscriber.on('message', (channel: string, message: string) => {
      if (channel !== this.#channel) return;
      const space = message.indexOf(' ');
      const origin = message.slice(0, space);
      const key = message.slice(space + 1);
      if (key === '') {
        if (origin === this.#origin) this.#lastHeard = Date.now();
        return;
      }
      if (origin === this.#origin) return;
      this.#epoch++;
      this.#entries.delete(key);
    });
    const off = () => {
      if (this.#live) options.log.warn('session cache invalidation channel lost; reading every session from Redis until it is back');
      this.#goOffline();
    };
    subscriber.on('close', off);
    subscriber.on('reconnecting', off);
    subscriber.on('error', off);
    // ioredis re-subscribes by itself after a reconnect; the cache starts empty again then
    subscriber.on('ready', () => {
      this.#goOffline();
      void this.#subscribe(options.log);
    });
    this.#heartbeat = setInterval(() => this.#beat(), HEARTBEAT_MS).unref();
  }

  /** Publish a heartbeat of our own; hearing it back proves the whole path, on every topology. */
  #beat(): void {
    if (this.#beating || !this.#live) return;
    this.#beating = true;
    this.#publisher
      .publish(this.#channel, `${this.#origin} `)
      .catch(() => undefined)
      .finally(() => (this.#beating = false));
  }

  /** A cache that is live once its subscription is confirmed. */
  static async start(publisher: RedisClient, options: InvalidatedCacheOptions): Promise<InvalidatedCache> {
    const subscriber = publisher.duplicate();
    subscriber.on('error', () => undefined); // the publisher's listener already logs connection problems
    const cache = new InvalidatedCache(publisher, subscriber, options);
    if (subscriber.status === 'wait') await subscriber.connect();
    await cache.#subscribe(options.log);
    return cache;
  }

  async #subscribe(log: Logger): Promise<void> {
    try {
      await this.#subscriber.subscribe(this.#channel);
      this.#entries.clear();
      this.#lastHeard = Date.now();
      this.#live = true;
    } catch (err) {
      log.warn({ problem: (err as Error).message }, 'session cache could not subscribe; reading sessions from Redis');
    }
  }

  #goOffline(): void {
    this.#live = false;
    this.#epoch++;
    this.#entries.clear();
  }

  /** Subscribed, and our own heartbeat came back recently. */
  get live(): boolean {
    if (this.#live && Date.now() - this.#lastHeard > SILENCE_LIMIT_MS) {
      // silent channel: what is cached may have been revoked meanwhile
      this.#epoch++;
      this.#entries.clear();
      return false;
    }
    return this.#live;
  }

  /** The cached value, or undefined (not cached, or the cache is not live). */
  peek(key: string): { value: unknown } | undefined {
    return this.live ? this.#entries.get(key) : undefined;
  }

  /** Call before reading Redis; pass the answer to `fill` afterwards. */
  epoch(): number {
    return this.#epoch;
  }

  /** Keep a value read from Redis, unless an invalidation arrived since `epoch`. */
  fill(key: string, value: unknown, epoch: number): void {
    if (this.live && epoch === this.#epoch && value !== undefined) this.#entries.set(key, { value });
  }

  /** This gateway changed the key: keep its own new value and tell every other gateway to drop theirs. */
  async changed(key: string, value: unknown | undefined): Promise<void> {
    this.#epoch++;
    if (value === undefined) this.#entries.delete(key);
    else if (this.live) this.#entries.set(key, { value });
    await this.#publisher.publish(this.#channel, `${this.#origin} ${key}`);
  }

  async close(): Promise<void> {
    clearInterval(this.#heartbeat);
    this.#goOffline();
    this.#subscriber.removeAllListeners('reconnecting');
    this.#subscriber.removeAllListeners('ready');
    await this.#subscriber.quit().catch(() => this.#subscriber.disconnect());
  }
}
