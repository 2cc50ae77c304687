import { randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import { GatewayError } from '../errors.js';
import type { DurableStore } from '../durable/store.js';
import { AUDIT_EVENTS } from '../ops/audit-events.js';
import { credentialAad, dataKeyAad, EnvelopeOpenError, open, seal } from './envelope.js';
import { checkKeyName, checkValue, invalidCredential, type VaultLimits } from './limits.js';
import { credentialRecord, credentialsPrefix, DATA_KEY_PREFIX, dataKeyRecord, type CredentialRecord, type DataKeyRecord } from './layout.js';
import type { MasterKeyRing } from './master-keys.js';

/** Who touches a credential, for the audit line: never the value. */
export interface VaultActor {
  /** the login id of the person or technical user acting */
  actor: string;
  /** browser (session), api (Bearer token), engine (an engine with the user's token), technical (mTLS grant), filter (route injection), cli */
  via: 'browser' | 'api' | 'engine' | 'technical' | 'filter' | 'cli' | 'admin';
  /** the engine (token audience, or the route's audience) the value goes to */
  engine?: string;
  requestId?: string;
}

export interface CredentialChange {
  owner: string;
  key: string;
  kind: 'added' | 'removed';
  who: VaultActor;
}

export interface CredentialSummary {
  key: string;
  updatedAt: string;
}

export interface RotationProgress {
  /** data keys moved to the active master key by this run */
  rewrapped: number;
  /** data keys that were on the active key already */
  current: number;
  /** data keys per master key id after the run */
  byKey: Record<string, number>;
}

/**
 * The per-user credentials vault. Each value is sealed with AES-256-GCM under its user's data
 * key, bound to the user id and the credential name; data keys are wrapped by a master key. The
 * vault never returns a value to anything but `read`, and logs every access without the value.
 */
export class Vault {
  readonly #store: DurableStore;
  readonly #keys: MasterKeyRing;
  readonly #limits: VaultLimits;
  readonly #log: Logger;
  /** unwrapped data keys: a data key never changes, only the master key around it */
  readonly #dataKeys = new LRUCache<string, Buffer>({ max: 10_000 });
  /**
   * Sealed credential records read in the last `readCacheMs` (never the plaintext: every read
   * still decrypts). A write or remove through this process drops its entry at once; one made
   * by another gateway or the CLI is seen once the entry ages out.
   */
  readonly #records: LRUCache<string, { record: CredentialRecord | undefined; until: number }>;
  readonly #readCacheMs: number;

  #onChange: ((change: CredentialChange) => void) | undefined;

  constructor(store: DurableStore, keys: MasterKeyRing, limits: VaultLimits, log: Logger, options: { readCacheMs?: number } = {}) {
    this.#store = store;
    this.#keys = keys;
    this.#limits = limits;
    this.#log = log;
    this.#readCacheMs = options.readCacheMs ?? 0;
    this.#records = new LRUCache({ max: 10_000 });
  }

  /** Tell `listener` about every credential added or removed (the owner's notification mail); one listener. */
  onChange(listener: (change: CredentialChange) => void): void {
    this.#onChange = listener;
  }

  get limits(): VaultLimits {
    return this.#limits;
  }

  get activeKeyId(): string {
    return this.#keys.active.id;
  }

  get masterKeyIds(): string[] {
    return [...this.#keys.byId.keys()];
  }

  async list(owner: string, who: VaultActor): Promise<CredentialSummary[]> {
    const records = await this.#store.list<CredentialRecord>(credentialsPrefix(owner));
    this.#audit(AUDIT_EVENTS.credentialList, owner, who, { count: records.length });
    return records.filter((r) => r.value.userId === owner).map((r) => ({ key: r.key.slice(credentialsPrefix(owner).length), updatedAt: r.value.updatedAt }));
  }

  /** Store `value` under `key` for `owner`; answers whether it replaced an existing value. */
  async set(owner: string, key: string, value: string, who: VaultActor): Promise<{ replaced: boolean }> {
    checkKeyName(key, this.#limits);
    checkValue(value, this.#limits);
    const name = credentialRecord(owner, key);
    const existing = await this.#store.get<CredentialRecord>(name);
    if (!existing) {
      const count = (await this.#store.list(credentialsPrefix(owner))).length;
      if (count >= this.#limits.perUser) throw invalidCredential('key', `a user may store at most ${this.#limits.perUser} credentials; remove one first`);
    }
    const dataKey = await this.#dataKeyFor(owner, true);
    const record: CredentialRecord = { userId: owner, sealed: seal(dataKey!, Buffer.from(value, 'utf8'), credentialAad(owner, key)), updatedAt: new Date().toISOString() };
    this.#records.delete(name);
    await this.#store.put(name, record, 'any');
    this.#records.delete(name);
    this.#audit(AUDIT_EVENTS.credentialWrite, owner, who, { key, replaced: existing !== undefined });
    if (!existing) this.#onChange?.({ owner, key, kind: 'added', who });
    return { replaced: existing !== undefined };
  }

  /** Remove `key` of `owner`; false when there was none. */
  async remove(owner: string, key: string, who: VaultActor): Promise<boolean> {
    checkKeyName(key, this.#limits);
    this.#records.delete(credentialRecord(owner, key));
    const removed = await this.#store.delete(credentialRecord(owner, key), 'any');
    this.#records.delete(credentialRecord(owner, key));
    this.#audit(AUDIT_EVENTS.credentialRemove, owner, who, { key, removed });
    if (removed) this.#onChange?.({ owner, key, kind: 'removed', who });
    return removed;
  }

  /** The values of `keys` of `owner` (undefined where none is stored). */
  async read(owner: string, keys: readonly string[], who: VaultActor): Promise<Map<string, string | undefined>> {
    for (const key of keys) checkKeyName(key, this.#limits);
    const out = new Map<string, string | undefined>();
    const records = await Promise.all(keys.map((key) => this.#recordOf(credentialRecord(owner, key))));
    const present = records.some((r) => r && r.value.userId === owner);
    const dataKey = present ? await this.#dataKeyFor(owner, false) : undefined;
    keys.forEach((key, i) => {
      const record = records[i];
      if (!record || record.value.userId !== owner || !dataKey) return out.set(key, undefined);
      try {
        out.set(key, open(dataKey, record.value.sealed, credentialAad(owner, key)).toString('utf8'));
      } catch (err) {
        if (!(err instanceof EnvelopeOpenError)) throw err;
        throw new GatewayError('GW_VAULT_DECRYPT_FAILED', 500, `vault: the stored credential '${key}' does not decrypt for its user (altered, or moved from another user or name)`);
      }
    });
    this.#audit(AUDIT_EVENTS.credentialRead, owner, who, { keys: [...keys], found: keys.filter((k) => out.get(k) !== undefined) });
    return out;
  }

  /**
   * Re-wrap every data key that is not under the active master key. Each data key is its own
   * compare-and-set write, so a run can stop anywhere (kill -9 included) and the next run goes
   * on where it stopped; credential values are untouched (their data keys do not change).
   */
  async rotate(onProgress?: (p: RotationProgress) => void): Promise<RotationProgress> {
    const progress: RotationProgress = { rewrapped: 0, current: 0, byKey: {} };
    const active = this.#keys.active;
    for (const record of await this.#store.list<DataKeyRecord>(DATA_KEY_PREFIX)) {
      let current: { value: DataKeyRecord; version: number } | undefined = record;
      while (current && current.value.keyId !== active.id) {
        const plain = this.#unwrap(current.value);
        const next: DataKeyRecord = { ...current.value, keyId: active.id, wrapped: seal(active.key, plain, dataKeyAad(current.value.userId, active.id)) };
        if ((await this.#store.put(record.key, next, current.version)) !== false) {
          progress.rewrapped++;
          this.#log.info({ event: AUDIT_EVENTS.vaultRotation, owner: current.value.userId, from: current.value.keyId, to: active.id }, 'vault data key re-wrapped');
          onProgress?.(progress);
          current = undefined;
          break;
        }
        current = await this.#store.get<DataKeyRecord>(record.key);
      }
      if (current) progress.current++;
    }
    progress.byKey = await this.keysInUse();
    return progress;
  }

  /** How many data keys each master key wraps now: a key with none can leave the configuration. */
  async keysInUse(): Promise<Record<string, number>> {
    const byKey: Record<string, number> = {};
    for (const r of await this.#store.list<DataKeyRecord>(DATA_KEY_PREFIX)) byKey[r.value.keyId] = (byKey[r.value.keyId] ?? 0) + 1;
    return byKey;
  }

  async #recordOf(name: string): Promise<{ value: CredentialRecord } | undefined> {
    if (this.#readCacheMs <= 0) return this.#store.get<CredentialRecord>(name);
    const now = Date.now();
    const hit = this.#records.get(name);
    if (hit && hit.until > now) return hit.record ? { value: hit.record } : undefined;
    const read = await this.#store.get<CredentialRecord>(name);
    this.#records.set(name, { record: read?.value, until: now + this.#readCacheMs });
    return read;
  }

  async #dataKeyFor(owner: string, create: boolean): Promise<Buffer | undefined> {
    const cached = this.#dataKeys.get(owner);
    if (cached) return cached;
    const name = dataKeyRecord(owner);
    for (;;) {
      const record = await this.#store.get<DataKeyRecord>(name);
      if (record) {
        if (record.value.userId !== owner) throw new GatewayError('GW_VAULT_DECRYPT_FAILED', 500, 'vault: a data key record belongs to another user');
        const key = this.#unwrap(record.value);
        this.#dataKeys.set(owner, key);
        return key;
      }
      if (!create) return undefined;
      const key = randomBytes(32);
      const active = this.#keys.active;
      const fresh: DataKeyRecord = { userId: owner, keyId: active.id, wrapped: seal(active.key, key, dataKeyAad(owner, active.id)), createdAt: new Date().toISOString() };
      // a concurrent first write for the same user created one: use that one
      if ((await this.#store.put(name, fresh, 'absent')) !== false) {
        this.#dataKeys.set(owner, key);
        return key;
      }
    }
  }

  #unwrap(record: DataKeyRecord): Buffer {
    const master = this.#keys.byId.get(record.keyId);
    if (!master) {
      throw new GatewayError('GW_VAULT_KEY_UNUSABLE', 500, `vault: a data key is wrapped by master key '${record.keyId}', which is not configured (run 'portcullis vault rotate-key' before removing a key)`);
    }
    try {
      return open(master.key, record.wrapped, dataKeyAad(record.userId, record.keyId));
    } catch (err) {
      if (!(err instanceof EnvelopeOpenError)) throw err;
      throw new GatewayError('GW_VAULT_DECRYPT_FAILED', 500, `vault: a data key does not open under master key '${record.keyId}' (altered, or moved from another user)`);
    }
  }

  #audit(event: string, owner: string, who: VaultActor, extra: Record<string, unknown>): void {
    this.#log.info({ event, actor: who.actor, owner, via: who.via, engine: who.engine, reqId: who.requestId, ...extra }, 'vault access');
  }
}
