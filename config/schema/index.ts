import { z } from 'zod';
import { authenticatorSchema } from './authenticators.js';
import { userMappingSchema } from './user-mapping.js';
import { routeSchema, filterRefSchema } from './routes.js';
import { secretRef, durationSeconds, urlString } from './common.js';
import { DEFAULTS } from '../defaults.js';
import { checkConsistency } from './consistency.js';
import { addressOrRange } from './technical.js';
import { forwardAuthSchema } from './forward-auth.js';
import { metricsSchema, shutdownSchema, tlsSchema } from './operations.js';
import { approvalsSchema, notificationsSchema } from './notifications.js';
import { pagesSchema } from './pages.js';
import { durableSchemaWith } from './durable.js';
import { vaultSchema } from './vault.js';

export const serverSchema = z.strictObject({
  host: z.string().default(DEFAULTS.server.host),
  port: z.number().int().min(0).max(65535).default(DEFAULTS.server.port),
  /** the URL browsers use; decides `Secure` cookies and absolute redirects */
  publicUrl: urlString.optional(),
  /** where generated keys and state live; relative to the working directory */
  dataDir: z.string().default(DEFAULTS.server.dataDir),
  /** peers whose X-Forwarded-For is believed: addresses or CIDR ranges */
  trustedProxies: z.array(addressOrRange).default([]),
  /** request body limit for login forms and the like (bytes) */
  bodyLimit: z.number().int().positive().default(DEFAULTS.server.bodyLimit),
  /** more client header names to strip on every route, on top of the built-in list (docs/request-hardening.md); `_` and `-` are one */
  stripHeaders: z.array(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'must be a header name')).default([]),
  /** more Host values the gateway answers to, besides its public URL and its listen address (e.g. `gw.internal:8443`) */
  allowedHosts: z.array(z.string().min(1)).default([]),
  /** longest request path (bytes, before the query); longer gets 414 */
  maxPathLength: z.number().int().min(256).max(65536).default(DEFAULTS.server.maxPathLength),
  /** TLS on the main listener; without it the gateway speaks plain HTTP (behind a TLS-terminating proxy) */
  tls: tlsSchema.optional(),
  shutdown: shutdownSchema.default(() => shutdownSchema.parse({})),
  /** the longest a client may take to send one request, headers and body (uploads to engines included) */
  requestTimeoutSeconds: durationSeconds.default(DEFAULTS.server.requestTimeoutSeconds),
});

const hostPort = z.string().regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'must be host:port');

export const redisSchema = z
  .strictObject({
    /** `standalone` (url), `sentinel` (sentinels + masterName) or `cluster` (nodes) */
    mode: z.enum(['standalone', 'sentinel', 'cluster']).default('standalone'),
    /** redis://host:port/db or rediss:// for TLS; put the password in `password`, not here */
    url: z.string().regex(/^rediss?:\/\/[^@]*$/, 'must be redis://host:port[/db] or rediss://..., without credentials (use password)').default(DEFAULTS.redis.url),
    /** sentinel mode: the sentinels to ask for the master, host:port each */
    sentinels: z.array(hostPort).min(1).optional(),
    /** sentinel mode: the master's name as the sentinels know it */
    masterName: z.string().min(1).optional(),
    /** sentinel mode: password of the sentinels themselves (a secret reference) */
    sentinelPassword: secretRef.optional(),
    /** cluster mode: seed nodes, host:port each; the rest of the cluster is discovered */
    nodes: z.array(hostPort).min(1).optional(),
    /** TLS to Redis (and to sentinels): on with rediss:// or `tls.enabled`; `caFile` to trust a private CA */
    tls: z.strictObject({ enabled: z.boolean().default(false), caFile: z.string().min(1).optional() }).optional(),
    username: z.string().optional(),
    password: secretRef.optional(),
    keyPrefix: z.string().default(DEFAULTS.redis.keyPrefix),
    connectTimeoutMs: z.number().int().positive().default(DEFAULTS.redis.connectTimeoutMs),
    /** how long a request waits for Redis (failover, reconnect) before failing with 503 */
    waitMs: z.number().int().positive().max(60_000).default(DEFAULTS.redis.waitMs),
    /** sessions read from Redis are kept this long in each gateway; invalidated on every gateway at once (0 = off) */
    localCacheSeconds: z.number().int().min(0).max(60).default(DEFAULTS.redis.localCacheSeconds),
    /** most sessions each gateway keeps in its local cache */
    localCacheEntries: z.number().int().positive().default(DEFAULTS.redis.localCacheEntries),
  })
  .superRefine((r, ctx) => {
    if (r.mode === 'sentinel' && (!r.sentinels || !r.masterName)) {
      ctx.addIssue({ code: 'custom', path: [r.sentinels ? 'masterName' : 'sentinels'], message: "sentinel mode needs 'sentinels' (host:port list) and 'masterName'" });
    }
    if (r.mode === 'cluster' && !r.nodes) ctx.addIssue({ code: 'custom', path: ['nodes'], message: "cluster mode needs 'nodes' (host:port seed list)" });
    if (r.mode !== 'sentinel' && (r.sentinels || r.masterName || r.sentinelPassword)) {
      ctx.addIssue({ code: 'custom', path: ['mode'], message: "'sentinels', 'masterName' and 'sentinelPassword' need mode: sentinel" });
    }
    if (r.mode !== 'cluster' && r.nodes) ctx.addIssue({ code: 'custom', path: ['mode'], message: "'nodes' needs mode: cluster" });
  });

export const sessionSchema = z.strictObject({
  store: z.enum(['memory', 'redis']).default('memory'),
  cookieName: z.string().regex(/^[A-Za-z0-9_-]+$/).default(DEFAULTS.session.cookieName),
  idleTimeoutSeconds: durationSeconds.default(DEFAULTS.session.idleTimeoutSeconds),
  absoluteTimeoutSeconds: durationSeconds.default(DEFAULTS.session.absoluteTimeoutSeconds),
  /** re-check the user (deleted, disabled, roles, groups) in their identity store at least this often */
  recheckSeconds: durationSeconds.default(DEFAULTS.session.recheckSeconds),
  /** memory store only: the most sessions kept; the least recently used go first */
  maxSessions: z.number().int().positive().default(DEFAULTS.session.maxSessions),
  redis: redisSchema.optional(),
});

/** Records that outlive restarts (vault credentials, approvals): docs/durable-store.md */
export const durableSchema = durableSchemaWith(redisSchema);

export const loginThrottleSchema = z.strictObject({
  maxFailuresPerUser: z.number().int().positive().default(DEFAULTS.loginThrottle.maxFailuresPerUser),
  maxFailuresPerAddress: z.number().int().positive().default(DEFAULTS.loginThrottle.maxFailuresPerAddress),
  windowSeconds: durationSeconds.default(DEFAULTS.loginThrottle.windowSeconds),
  lockoutSeconds: durationSeconds.default(DEFAULTS.loginThrottle.lockoutSeconds),
  /** requests per client address to the anonymous entry points (POST /login, /saml/*, /oidc/*) per window */
  maxEntryRequestsPerAddress: z.number().int().positive().default(DEFAULTS.loginThrottle.maxEntryRequestsPerAddress),
  entryWindowSeconds: durationSeconds.default(DEFAULTS.loginThrottle.entryWindowSeconds),
});

export const tokensSchema = z.strictObject({
  /** `iss` of every token; defaults to the public URL, else `portcullis` */
  issuer: z.string().min(1).optional(),
  algorithm: z.enum(['EdDSA', 'ES256', 'RS256']).default('EdDSA'),
  lifetimeSeconds: z.number().int().min(30).max(3600).default(DEFAULTS.tokens.lifetimeSeconds),
  /** mint again when less than this is left */
  renewBeforeSeconds: z.number().int().min(0).default(DEFAULTS.tokens.renewBeforeSeconds),
  /** a key written by `keys generate` is published at once and signs only this long after (live rotation) */
  keyLeadSeconds: z.number().min(0).default(DEFAULTS.tokens.keyLeadSeconds),
  /** header that carries the token to the engine */
  header: z.string().default(DEFAULTS.tokens.header),
  /** scheme in that header: `Bearer <jwt>`, or the bare token when empty */
  scheme: z.string().default(DEFAULTS.tokens.scheme),
  /** PEM private key; generated into the data folder when absent */
  privateKeyFile: z.string().optional(),
  /** passphrase of that key, if any */
  privateKeyPassphrase: secretRef.optional(),
  /** claim names for identity attributes: attribute → claim */
  claimNames: z.record(z.string(), z.string()).default({}),
});

export const demoEngineSchema = z.strictObject({
  enabled: z.boolean().default(false),
  /** 0 picks a free loopback port at start */
  port: z.number().int().min(0).max(65535).default(0),
});

export const portcullisConfigSchema = z.strictObject({
  server: serverSchema.default(() => serverSchema.parse({})),
  session: sessionSchema.default(() => sessionSchema.parse({})),
  durable: durableSchema.default(() => durableSchema.parse({})),
  /** per-user encrypted third-party credentials: docs/vault.md */
  vault: vaultSchema.default(() => vaultSchema.parse({})),
  loginThrottle: loginThrottleSchema.default(() => loginThrottleSchema.parse({})),
  tokens: tokensSchema.default(() => tokensSchema.parse({})),
  authenticators: z.array(authenticatorSchema).min(1, 'at least one authenticator is needed'),
  /** applied after every login, whatever the authenticator (config/schema/user-mapping.ts) */
  userMapping: userMappingSchema.optional(),
  routes: z.array(routeSchema).default([]),
  /** filters added to every route, before the route's own */
  globalFilters: z.array(filterRefSchema).default([]),
  demoEngine: demoEngineSchema.default(() => demoEngineSchema.parse({})),
  forwardAuth: forwardAuthSchema.default(() => forwardAuthSchema.parse({})),
  metrics: metricsSchema.default(() => metricsSchema.parse({})),
  /** held requests (the `approval` filter): sweeping, how long decided ones are kept */
  approvals: approvalsSchema.default(() => approvalsSchema.parse({})),
  /** e-mail about approvals, lockouts, credentials, sessions, new addresses; the daily summary */
  notifications: notificationsSchema.default(() => notificationsSchema.parse({})),
  /** branding and templates of the gateway's own pages (docs/account.md) */
  pages: pagesSchema.default(() => pagesSchema.parse({})),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
}).superRefine(checkConsistency, { when: (payload) => payload.issues.length === 0 });

export type PortcullisConfig = z.infer<typeof portcullisConfigSchema>;
export type PortcullisConfigInput = z.input<typeof portcullisConfigSchema>;
export type RedisSettings = z.infer<typeof redisSchema>;
export type DurableSettings = z.infer<typeof durableSchema>;
export { authenticatorSchema, routeSchema, filterRefSchema };
