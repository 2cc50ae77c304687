import { createHash, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { DurableStore } from '../durable/store.js';
import { mailError, type Mailer } from './mailer.js';

export interface OutboxEntry {
  id: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  event: string;
  createdAt: number;
  attempts: number;
  nextAttemptAt: number;
  /** the gateway sending it now, until when */
  claim?: { by: string; until: number };
  lastError?: string;
}

export interface OutboxSettings {
  pollSeconds: number;
  maxAttempts: number;
  firstRetrySeconds: number;
  maxRetrySeconds: number;
  claimSeconds: number;
}

export interface OutboxObserver {
  size(count: number): void;
  sent(): void;
  failed(final: boolean): void;
}

const PREFIX = 'outbox/';
const DEAD = 'outbox-failed/';

/**
 * Mail waits here, in the durable store, until the SMTP server took it: requests never wait
 * for SMTP, and what was queued survives a restart. Each gateway polls; a message is claimed
 * (compare-and-set) before it is sent, so of several gateways one sends it, and removed once
 * the server accepted it. Failures are retried with exponential backoff up to `maxAttempts`,
 * then moved aside and logged. A gateway that dies between the server's acceptance and the
 * removal sends that one message again when the claim runs out: same Message-ID.
 */
export class Outbox {
  readonly #durable: DurableStore;
  readonly #mailer: Mailer;
  readonly #settings: OutboxSettings;
  readonly #log: Logger;
  readonly #observer: OutboxObserver;
  readonly #instance: string;
  readonly #now: () => number;
  readonly #domain: string;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #closed = false;
  #size = 0;

  constructor(options: { durable: DurableStore; mailer: Mailer; settings: OutboxSettings; log: Logger; observer: OutboxObserver; instance: string; domain: string; now?: () => number }) {
    this.#durable = options.durable;
    this.#mailer = options.mailer;
    this.#settings = options.settings;
    this.#log = options.log;
    this.#observer = options.observer;
    this.#instance = options.instance;
    this.#domain = options.domain;
    this.#now = options.now ?? Date.now;
  }

  /** messages waiting, as of the last pass */
  get size(): number {
    return this.#size;
  }

  start(): void {
    this.kick();
    this.#timer = setInterval(() => this.kick(), this.#settings.pollSeconds * 1000);
    this.#timer.unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    await this.#running;
  }

  /**
   * Queue one message. `dedupe` (the event and recipient) makes queueing the same event twice
   * queue it once. Resolves when the message is on stable storage.
   */
  async enqueue(message: Pick<OutboxEntry, 'to' | 'subject' | 'text' | 'html' | 'event'>, dedupe?: string): Promise<void> {
    const now = this.#now();
    const id = dedupe ? createHash('sha256').update(dedupe).digest('base64url').slice(0, 27) : randomBytes(20).toString('base64url');
    // 'absent': the same event for the same recipient, queued again while waiting, stays one message
    const written = await this.#durable.put(`${PREFIX}${id}`, { ...message, id, createdAt: now, attempts: 0, nextAttemptAt: now } satisfies OutboxEntry, 'absent');
    if (written !== false) this.kick();
  }

  /** Run a pass soon (or once more, when one is running). */
  kick(): void {
    if (this.#closed) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#pass()
      .catch((err) => this.#log.error({ err: { message: (err as Error).message } }, 'the mail outbox pass failed; it runs again'))
      .finally(() => {
        this.#running = undefined;
        if (this.#again && !this.#closed) {
          this.#again = false;
          this.kick();
        }
      });
  }

  /** One pass over the outbox; resolves when it is done (tests wait on it). */
  async flush(): Promise<void> {
    while (this.#running) await this.#running;
    this.kick();
    while (this.#running) await this.#running;
  }

  async #pass(): Promise<void> {
    // the oldest first
    const entries = (await this.#durable.list<OutboxEntry>(PREFIX)).sort((a, b) => a.value.createdAt - b.value.createdAt);
    this.#size = entries.length;
    this.#observer.size(entries.length);
    for (const { key, value, version } of entries) {
      if (this.#closed) return;
      const now = this.#now();
      if (value.nextAttemptAt > now || (value.claim && value.claim.until > now)) continue;
      const claimed: OutboxEntry = { ...value, claim: { by: this.#instance, until: now + this.#settings.claimSeconds * 1000 } };
      const claimVersion = await this.#durable.put(key, claimed, version);
      if (claimVersion === false) continue; // another gateway has it
      try {
        await this.#mailer.send({ to: value.to, subject: value.subject, text: value.text, html: value.html, messageId: `<${value.id}@${this.#domain}>`, headers: { 'X-Portcullis-Event': value.event } });
      } catch (err) {
        await this.#failed(key, claimed, claimVersion, mailError(err));
        continue;
      }
      await this.#durable.delete(key, claimVersion);
      this.#size = Math.max(0, this.#size - 1);
      this.#observer.size(this.#size);
      this.#observer.sent();
      this.#log.info({ event: 'mail-sent', notification: value.event, outbox: value.id, attempts: value.attempts + 1 }, 'notification mail sent');
    }
  }

  async #failed(key: string, entry: OutboxEntry, version: number, error: string): Promise<void> {
    const attempts = entry.attempts + 1;
    const { claim: _claim, ...rest } = entry;
    if (attempts >= this.#settings.maxAttempts) {
      await this.#durable.put(`${DEAD}${entry.id}`, { ...rest, attempts, lastError: error }, 'any');
      await this.#durable.delete(key, version);
      this.#observer.failed(true);
      this.#log.error({ event: 'mail-failed', notification: entry.event, outbox: entry.id, attempts, error, outboxSize: this.#size }, 'notification mail given up after its last attempt');
      return;
    }
    const delay = Math.min(this.#settings.maxRetrySeconds, this.#settings.firstRetrySeconds * 2 ** (attempts - 1));
    await this.#durable.put(key, { ...rest, attempts, lastError: error, nextAttemptAt: this.#now() + delay * 1000 }, version);
    this.#observer.failed(false);
    this.#log.warn({ event: 'mail-failed', notification: entry.event, outbox: entry.id, attempts, retryInSeconds: delay, error, outboxSize: this.#size }, 'notification mail not sent; it is tried again');
  }
}
