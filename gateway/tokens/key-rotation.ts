import { watch, type FSWatcher } from 'node:fs';
import type { JWK } from 'jose';
import type { Logger } from 'pino';
import type { SigningKey, SigningKeys } from './key-store.js';

export interface KeyRotationOptions {
  keysDir: string;
  /** how long a new key is published before it signs */
  leadSeconds: number;
  /** reads the keys folder again (key-store's loadSigningKeys) */
  load(): Promise<SigningKeys>;
  /** the gateway signs with these keys from now on */
  onSign(keys: SigningKeys): void;
  log: Logger;
}

/** How long file changes settle before the folder is read: `keys generate` renames, then writes. */
const SETTLE_MS = 200;

/**
 * Live key rotation: `portcullis keys generate` writes a new current key into the keys folder
 * while the gateway runs. The gateway sees it, publishes it in the JWKS at once next to the
 * keys that sign now, and starts signing with it only `leadSeconds` later, so an engine that
 * cached the JWKS before the change has refreshed it by the time it meets the new `kid`. The
 * key that signed until then stays published as the previous key.
 */
export class KeyRotation {
  readonly #options: KeyRotationOptions;
  #signing: SigningKeys;
  #announced: SigningKey | undefined;
  #promote: NodeJS.Timeout | undefined;
  #settle: NodeJS.Timeout | undefined;
  #watcher: FSWatcher | undefined;

  constructor(initial: SigningKeys, options: KeyRotationOptions) {
    this.#signing = initial;
    this.#options = options;
  }

  /** The published key set: the signing key, a key announced for the next rotation, the previous one. */
  jwks(): { keys: JWK[] } {
    const seen = new Set<string>();
    const keys: JWK[] = [];
    for (const key of [this.#signing.current, this.#announced, this.#signing.previous]) {
      if (!key || seen.has(key.kid)) continue;
      seen.add(key.kid);
      keys.push(key.publicJwk);
    }
    return { keys };
  }

  get signing(): SigningKeys {
    return this.#signing;
  }

  start(): void {
    try {
      this.#watcher = watch(this.#options.keysDir, { persistent: false }, () => {
        clearTimeout(this.#settle);
        this.#settle = setTimeout(() => void this.#check(), SETTLE_MS);
        this.#settle.unref();
      });
    } catch (err) {
      this.#options.log.warn({ dir: this.#options.keysDir, err: (err as Error).message }, 'cannot watch the keys folder; a new key needs a restart');
    }
  }

  close(): void {
    this.#watcher?.close();
    clearTimeout(this.#settle);
    clearTimeout(this.#promote);
  }

  async #check(): Promise<void> {
    let loaded: SigningKeys;
    try {
      loaded = await this.#options.load();
    } catch (err) {
      this.#options.log.error({ dir: this.#options.keysDir, code: (err as { code?: string }).code }, 'keys folder changed but cannot be read; the gateway keeps signing with its current key');
      return;
    }
    const next = loaded.current;
    if (next.kid === this.#signing.current.kid || next.kid === this.#announced?.kid) return;
    this.#announced = next;
    const { leadSeconds } = this.#options;
    this.#options.log.info({ kid: next.kid, signsInSeconds: leadSeconds }, 'new signing key published in the JWKS; it signs after the lead time');
    clearTimeout(this.#promote);
    this.#promote = setTimeout(() => {
      const previous = this.#signing.current;
      this.#signing = { current: next, previous, source: this.#signing.source };
      this.#announced = undefined;
      this.#options.onSign(this.#signing);
      this.#options.log.info({ kid: next.kid, previous: previous.kid }, 'signing with the new key; the previous one stays published');
    }, leadSeconds * 1000);
    this.#promote.unref();
  }
}
