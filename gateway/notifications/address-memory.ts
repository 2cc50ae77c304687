import type { DurableStore } from '../durable/store.js';
import { canonicalLogin } from '../login/canonical-login.js';

interface Remembered {
  addresses: Array<{ address: string; lastSeen: number }>;
}

/**
 * The client addresses each user logged in from, the `limit` most recent per user (the least
 * recently seen is forgotten first), for "a login from an address not seen before". A user's
 * very first login is not reported: there is nothing to compare it with.
 */
export class AddressMemory {
  readonly #durable: DurableStore;
  readonly #limit: number;
  readonly #now: () => number;

  constructor(durable: DurableStore, limit: number, now: () => number = Date.now) {
    this.#durable = durable;
    this.#limit = limit;
    this.#now = now;
  }

  /** Remember this login's address; true when the user has logged in before, never from it. */
  async seen(login: string, address: string): Promise<boolean> {
    const key = `addresses/${encodeURIComponent(canonicalLogin(login))}`;
    for (let attempt = 0; attempt < 5; attempt++) {
      const found = await this.#durable.get<Remembered>(key);
      const list = found?.value.addresses ?? [];
      const known = list.some((a) => a.address === address);
      const next = [{ address, lastSeen: this.#now() }, ...list.filter((a) => a.address !== address)].slice(0, this.#limit);
      if ((await this.#durable.put(key, { addresses: next }, found ? found.version : 'absent')) !== false) return list.length > 0 && !known;
    }
    return false;
  }
}
