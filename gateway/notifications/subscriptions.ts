import type { NotificationsConfig } from '@portcullis/config/schema/notifications.js';
import type { DurableStore } from '../durable/store.js';
import { canonicalLogin } from '../login/canonical-login.js';
import { EVENT_TYPES, type NotificationEventType } from './events.js';

export interface SubscriptionChoice {
  event: NotificationEventType;
  subscribed: boolean;
  /** the operator made it mandatory: the user cannot unsubscribe */
  mandatory: boolean;
}

type Choices = Partial<Record<NotificationEventType, boolean>>;
const keyOf = (login: string) => `subscriptions/${encodeURIComponent(canonicalLogin(login))}`;

/**
 * Who wants which mail: each user's own choice per event, else the operator's default; a
 * mandatory event is sent whatever the user chose, a disabled one never.
 */
export class Subscriptions {
  readonly #durable: DurableStore;
  readonly #events: NotificationsConfig['events'];

  constructor(durable: DurableStore, events: NotificationsConfig['events']) {
    this.#durable = durable;
    this.#events = events;
  }

  /** the events users can see and choose: every event the operator did not disable */
  get offered(): NotificationEventType[] {
    return EVENT_TYPES.filter((e) => !this.#events[e]?.disabled);
  }

  async wants(login: string, event: NotificationEventType): Promise<boolean> {
    const setting = this.#events[event];
    if (setting?.disabled) return false;
    if (setting?.mandatory) return true;
    const choice = (await this.#durable.get<Choices>(keyOf(login)))?.value[event];
    return choice ?? setting?.default ?? true;
  }

  async choicesOf(login: string): Promise<SubscriptionChoice[]> {
    const own = (await this.#durable.get<Choices>(keyOf(login)))?.value ?? {};
    return this.offered.map((event) => {
      const setting = this.#events[event];
      const mandatory = setting?.mandatory ?? false;
      return { event, mandatory, subscribed: mandatory || (own[event] ?? setting?.default ?? true) };
    });
  }

  /** Save the user's choices for the events given; mandatory and disabled events are left alone. */
  async choose(login: string, choices: Partial<Record<NotificationEventType, boolean>>): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const found = await this.#durable.get<Choices>(keyOf(login));
      const next: Choices = { ...(found?.value ?? {}) };
      for (const event of this.offered) {
        const value = choices[event];
        if (typeof value === 'boolean' && !this.#events[event]?.mandatory) next[event] = value;
      }
      if ((await this.#durable.put(keyOf(login), next, found ? found.version : 'absent')) !== false) return;
    }
    throw Object.assign(new Error('the subscriptions changed while saving; try again'), { code: 'GW_STORE_UNAVAILABLE' });
  }
}
