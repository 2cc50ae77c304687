import { z } from 'zod';
import { secretRef } from './common.js';
import { DEFAULTS } from '../defaults.js';

/** An SQL identifier we put into statements ourselves: letters, digits, `_`, optionally one schema dot. */
const sqlIdentifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}(\.[A-Za-z_][A-Za-z0-9_]{0,62})?$/, 'must be a table name (letters, digits, _; optionally schema.table)');

export const durablePostgresSchema = z.strictObject({
  /** postgres://host:port/database, without credentials (put the password in `password`) */
  url: z.string().regex(/^postgres(ql)?:\/\/[^@]*$/, 'must be postgres://host:port/database, without credentials (use user and password)').default(DEFAULTS.durable.postgres.url),
  user: z.string().min(1).optional(),
  /** the database user's password (a secret reference) */
  password: secretRef.optional(),
  /** TLS to the server; `caFile` to trust a private CA (the server certificate is always verified) */
  tls: z.strictObject({ enabled: z.boolean().default(false), caFile: z.string().min(1).optional() }).optional(),
  /** created at start when missing: key text, value jsonb, version bigint */
  table: sqlIdentifier.default(DEFAULTS.durable.postgres.table),
  /** connections each gateway keeps open */
  poolSize: z.number().int().min(1).max(100).default(DEFAULTS.durable.postgres.poolSize),
  connectTimeoutMs: z.number().int().positive().default(DEFAULTS.durable.postgres.connectTimeoutMs),
  /** a statement that takes longer fails (503) instead of holding the request */
  queryTimeoutMs: z.number().int().positive().max(60_000).default(DEFAULTS.durable.postgres.queryTimeoutMs),
});

export const durableFileSchema = z.strictObject({
  /** the folder of the records; relative to the data folder */
  dir: z.string().min(1).default(DEFAULTS.durable.file.dir),
  /** how long a write waits for another process (a CLI command) holding the folder's lock */
  lockTimeoutMs: z.number().int().positive().max(60_000).default(DEFAULTS.durable.file.lockTimeoutMs),
});

/**
 * The `durable` section, given the Redis connection schema (declared beside `session.redis`),
 * so both places share one set of Redis options.
 */
export function durableSchemaWith<R extends z.ZodType>(redisSchema: R) {
  return z.strictObject({
    /** `file` (one gateway, the default), `postgres` or `redis` (several gateways), `memory` (tests; lost at exit, refused in production) */
    backend: z.enum(['file', 'postgres', 'redis', 'memory']).default('file'),
    file: durableFileSchema.default(() => durableFileSchema.parse({})),
    postgres: durablePostgresSchema.optional(),
    /** the connection (the options of `session.redis`); records live under `{<keyPrefix>durable}:` in one hash slot */
    redis: redisSchema.optional(),
    /** start even when that Redis writes no append-only file (`appendonly no`): writes since the last snapshot are lost in a crash */
    acceptRedisWithoutPersistence: z.boolean().default(false),
  }).superRefine((d, ctx) => {
    if (d.backend === 'postgres' && !d.postgres) ctx.addIssue({ code: 'custom', path: ['postgres'], message: "backend 'postgres' needs a 'postgres' section (url, user, password)" });
  });
}
