/**
 * Records that must outlive a restart: vault credentials, pending approvals, the mail outbox.
 * Every write names the version it replaces, so two gateways sharing a backend never both win
 * (an approval is sent once, a rotation never overwrites a newer write).
 */
export interface DurableStore {
  /** the record under `key`, or undefined when there is none */
  get<T>(key: string): Promise<Versioned<T> | undefined>;
  /**
   * Write `value` under `key` when the stored version is `expected` (`'absent'`: no record yet;
   * `'any'`: whatever is there). Resolves to the new version, or `false` when another writer
   * came first. The write is on stable storage when the promise resolves.
   */
  put<T>(key: string, value: T, expected: number | 'absent' | 'any'): Promise<number | false>;
  /** remove the record when its version is `expected` (or `'any'`); true when removed */
  delete(key: string, expected: number | 'any'): Promise<boolean>;
  /** every record whose key starts with `prefix`, ordered by key */
  list<T>(prefix: string): Promise<Array<Versioned<T> & { key: string }>>;
  /** resolves when the backend answers; throws a 503 `GatewayError` when it does not (readiness) */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface Versioned<T> {
  value: T;
  /** starts at 1 and grows by one with every write of the key */
  version: number;
}
