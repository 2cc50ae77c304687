import type { CacheItem, CacheProvider } from '@node-saml/node-saml';
import type { ExpiringStore } from '../../sessions/store.js';

/**
 * node-saml's request-id cache on the gateway's shared store, so an AuthnRequest sent by one
 * gateway process can be answered at another (Redis). Keys are namespaced per authenticator
 * and IdP: a response from IdP A cannot use a request sent to IdP B.
 */
export class SharedRequestCache implements CacheProvider {
  readonly #store: ExpiringStore;
  readonly #prefix: string;
  readonly #ttlSeconds: number;

  constructor(store: ExpiringStore, prefix: string, ttlSeconds: number) {
    this.#store = store;
    this.#prefix = prefix;
    this.#ttlSeconds = ttlSeconds;
  }

  key(id: string): string {
    return `${this.#prefix}${id}`;
  }

  async saveAsync(key: string, value: string): Promise<CacheItem | null> {
    const item: CacheItem = { value, createdAt: Date.now() };
    const fresh = await this.#store.setIfAbsent(this.key(key), item, this.#ttlSeconds);
    return fresh ? item : null;
  }

  async getAsync(key: string): Promise<string | null> {
    const item = await this.#store.get<CacheItem>(this.key(key));
    return item?.value ?? null;
  }

  async removeAsync(key: string | null): Promise<string | null> {
    if (!key) return null;
    await this.#store.delete(this.key(key));
    return key;
  }
}
