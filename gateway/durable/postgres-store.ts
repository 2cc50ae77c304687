import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Pool, PoolConfig } from 'pg';
import type { DurableSettings } from '@portcullis/config/schema/index.js';
import { resolveSecret } from '@portcullis/config/secrets.js';
import { GatewayError } from '../errors.js';
import { checkRecordKey, toJson } from './record-key.js';
import type { DurableStore, Versioned } from './store.js';

type PostgresSettings = NonNullable<DurableSettings['postgres']>;

/**
 * Records in one PostgreSQL table (key, value jsonb, version), shared by every gateway. The
 * version check is in the statement itself (`UPDATE … WHERE version = $n`, `INSERT … ON CONFLICT
 * DO NOTHING`), so two gateways writing the same key at once never both succeed. A write has
 * committed (and is on the server's disk, as PostgreSQL's commit means) when `put` resolves.
 */
export class PostgresDurableStore implements DurableStore {
  readonly #pool: Pool;
  readonly #table: string;
  readonly #address: string;

  private constructor(pool: Pool, table: string, address: string) {
    this.#pool = pool;
    this.#table = table;
    this.#address = address;
  }

  static async open(settings: PostgresSettings, context: { configDir: string; env: NodeJS.ProcessEnv }): Promise<PostgresDurableStore> {
    const url = new URL(settings.url);
    const address = `${url.host}${url.pathname}`;
    const config: PoolConfig = {
      host: decodeURIComponent(url.hostname).replace(/^\[|\]$/g, ''),
      port: url.port ? Number(url.port) : 5432,
      database: decodeURIComponent(url.pathname.slice(1)) || undefined,
      user: settings.user,
      password: settings.password ? await resolveSecret(settings.password, context) : undefined,
      max: settings.poolSize,
      connectionTimeoutMillis: settings.connectTimeoutMs,
      query_timeout: settings.queryTimeoutMs,
      statement_timeout: settings.queryTimeoutMs,
      ssl: settings.tls?.enabled || settings.tls?.caFile
        ? { rejectUnauthorized: true, ca: settings.tls.caFile ? await readFile(resolve(context.configDir, settings.tls.caFile), 'utf8') : undefined }
        : undefined,
    };
    // pg is loaded only when PostgreSQL is configured
    const { default: pg } = await import('pg');
    const pool = new pg.Pool(config);
    // an idle connection the server dropped must not crash the process; the next query reconnects
    pool.on('error', () => undefined);
    const store = new PostgresDurableStore(pool, quoteTable(settings.table), address);
    try {
      await pool.query(
        `CREATE TABLE IF NOT EXISTS ${store.#table} (key text COLLATE "C" PRIMARY KEY, value jsonb NOT NULL, version bigint NOT NULL)`,
      );
    } catch (cause) {
      await pool.end().catch(() => undefined);
      throw unavailable(address, cause);
    }
    return store;
  }

  async get<T>(key: string): Promise<Versioned<T> | undefined> {
    checkRecordKey(key);
    const { rows } = await this.#query(`SELECT value, version FROM ${this.#table} WHERE key = $1`, [key]);
    const row = rows[0];
    return row ? { value: row.value as T, version: Number(row.version) } : undefined;
  }

  async put<T>(key: string, value: T, expected: number | 'absent' | 'any'): Promise<number | false> {
    checkRecordKey(key);
    const json = toJson(value);
    let result;
    if (expected === 'absent') {
      result = await this.#query(`INSERT INTO ${this.#table} (key, value, version) VALUES ($1, $2::jsonb, 1) ON CONFLICT (key) DO NOTHING RETURNING version`, [key, json]);
    } else if (expected === 'any') {
      result = await this.#query(
        `INSERT INTO ${this.#table} AS t (key, value, version) VALUES ($1, $2::jsonb, 1)
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, version = t.version + 1 RETURNING version`,
        [key, json],
      );
    } else {
      result = await this.#query(`UPDATE ${this.#table} SET value = $2::jsonb, version = version + 1 WHERE key = $1 AND version = $3 RETURNING version`, [key, json, expected]);
    }
    const row = result.rows[0];
    return row ? Number(row.version) : false;
  }

  async delete(key: string, expected: number | 'any'): Promise<boolean> {
    checkRecordKey(key);
    const result =
      expected === 'any'
        ? await this.#query(`DELETE FROM ${this.#table} WHERE key = $1`, [key])
        : await this.#query(`DELETE FROM ${this.#table} WHERE key = $1 AND version = $2`, [key, expected]);
    return (result.rowCount ?? 0) > 0;
  }

  async list<T>(prefix: string): Promise<Array<Versioned<T> & { key: string }>> {
    const { rows } = await this.#query(`SELECT key, value, version FROM ${this.#table} WHERE starts_with(key, $1) ORDER BY key`, [prefix]);
    return rows.map((row) => ({ key: row.key as string, value: row.value as T, version: Number(row.version) }));
  }

  async ping(): Promise<void> {
    await this.#query('SELECT 1', []);
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }

  async #query(text: string, values: unknown[]): Promise<{ rows: Array<Record<string, unknown>>; rowCount: number | null }> {
    try {
      return await this.#pool.query(text, values);
    } catch (cause) {
      throw unavailable(this.#address, cause);
    }
  }
}

/** `schema.table` → `"schema"."table"`; the schema already allows only letters, digits and `_`. */
function quoteTable(name: string): string {
  return name
    .split('.')
    .map((part) => `"${part}"`)
    .join('.');
}

function unavailable(address: string, cause: unknown): GatewayError {
  const why = (cause as { code?: string; message?: string }).code ?? (cause as Error).message ?? 'error';
  return new GatewayError('GW_STORE_UNAVAILABLE', 503, `durable store: PostgreSQL at ${address} failed: ${why}`, { cause });
}
