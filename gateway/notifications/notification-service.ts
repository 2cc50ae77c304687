import type { Logger } from 'pino';
import type { AddressMemory } from './address-memory.js';
import type { NotificationEvent, Notifier } from './events.js';
import type { Outbox } from './outbox.js';
import type { Profile, Profiles } from './profiles.js';
import type { Subscriptions } from './subscriptions.js';
import type { TemplateCatalogue } from './template-catalogue.js';

/** an address nodemailer will not read as several, nor as a header */
const PLAIN_ADDRESS = /^[^\s@<>,;"]+@[^\s@<>,;"]+\.[^\s@<>,;"]+$/;

/**
 * Turns events into mail: for each recipient subscribed to the event, the template in their
 * language filled with the event, their profile and links back to the gateway, queued in the
 * durable outbox. Never throws and never waits for SMTP: a failure is logged and the request
 * that caused the event goes on.
 */
export class NotificationService implements Notifier {
  readonly #o: { catalogue: TemplateCatalogue; subscriptions: Subscriptions; profiles: Profiles; addresses: AddressMemory; outbox: Outbox; publicUrl: string; log: Logger; now: () => number };

  constructor(options: { catalogue: TemplateCatalogue; subscriptions: Subscriptions; profiles: Profiles; addresses: AddressMemory; outbox: Outbox; publicUrl: string; log: Logger; now?: () => number }) {
    this.#o = { ...options, now: options.now ?? Date.now };
  }

  readonly #inFlight = new Set<Promise<unknown>>();

  /** Wait for the events being queued now (the gateway closes the durable store after this). */
  async drain(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  #track<T>(work: Promise<T>): Promise<T> {
    this.#inFlight.add(work);
    void work.finally(() => this.#inFlight.delete(work)).catch(() => {});
    return work;
  }

  get profiles(): Profiles {
    return this.#o.profiles;
  }

  get subscriptions(): Subscriptions {
    return this.#o.subscriptions;
  }

  notify(event: NotificationEvent): Promise<void> {
    return this.#track(this.#notifyAll(event));
  }

  async #notifyAll(event: NotificationEvent): Promise<void> {
    for (const login of new Set(event.to)) {
      try {
        await this.#one(event, login);
      } catch (err) {
        this.#o.log.error({ notification: event.type, user: login, err: { message: (err as Error).message } }, 'a notification could not be queued');
      }
    }
  }

  async #one(event: NotificationEvent, login: string): Promise<void> {
    if (!(await this.#o.subscriptions.wants(login, event.type))) return;
    const profile = await this.#o.profiles.get(login);
    if (!profile?.email || !PLAIN_ADDRESS.test(profile.email)) {
      this.#o.log.debug({ notification: event.type, user: login }, 'no mail address known for the user; notification not sent');
      return;
    }
    const template = this.#o.catalogue.pick(event.type, profile.language);
    const message = template.render({ ...this.#common(profile), ...event.data });
    await this.#o.outbox.enqueue({ to: profile.email, ...message, event: event.type }, event.key ? `${event.type}\u0000${event.key}\u0000${profile.loginId}` : undefined);
  }

  #common(profile: Profile): Record<string, string> {
    const base = this.#o.publicUrl.replace(/\/+$/, '');
    return {
      'user.loginId': profile.loginId,
      'user.firstName': profile.firstName ?? '',
      'user.lastName': profile.lastName ?? '',
      'user.name': [profile.firstName, profile.lastName].filter(Boolean).join(' ') || profile.loginId,
      'user.email': profile.email ?? '',
      'links.gateway': `${base}/`,
      'links.account': `${base}/account`,
      'links.notifications': `${base}/account#notifications`,
      'event.at': new Date(this.#o.now()).toISOString(),
    };
  }

  /**
   * After every login: the profile mail is sent by is brought up to date, and a login from an
   * address the user has not logged in from before (of the last few remembered) is reported.
   */
  afterLogin(user: { loginId: string; roles: readonly string[]; groups: readonly string[]; attributes: Readonly<Record<string, string>>; authenticator: string }, address: string): Promise<void> {
    return this.#track(this.#afterLogin(user, address));
  }

  async #afterLogin(user: { loginId: string; roles: readonly string[]; groups: readonly string[]; attributes: Readonly<Record<string, string>>; authenticator: string }, address: string): Promise<void> {
    try {
      await this.#o.profiles.record(user);
      if (await this.#o.addresses.seen(user.loginId, address)) {
        await this.notify({ type: 'new-address-login', to: [user.loginId], data: { 'login.address': address, 'login.at': new Date(this.#o.now()).toISOString(), 'login.authenticator': user.authenticator } });
      }
    } catch (err) {
      this.#o.log.error({ user: user.loginId, err: { message: (err as Error).message } }, 'the login could not be recorded for notifications');
    }
  }

  /** An account reached its failure limit (login/throttle.ts). */
  async lockedOut(login: string, seconds: number, address: string): Promise<void> {
    await this.notify({ type: 'account-locked', to: [login], key: `${login}:${Math.floor(this.#o.now() / (seconds * 1000))}`, data: { 'lockout.minutes': String(Math.ceil(seconds / 60)), 'lockout.address': address } });
  }
}
