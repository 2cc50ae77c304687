import { z } from 'zod';
import { authenticatorSchema } from './authenticators.js';
import { userMappingSchema } from './user-mapping.js';
import { routeSchema, filterRefSchema } from './routes.js';
import { secretRef, durationSeconds, urlString } from './common.js';
import { DEFAULTS } from '../defaults.js';
import { checkConsistency } from './consistency.js';
import { addressOrRange } from './technical.js';

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
});

export const redisSchema = z.strictObject({
  /** redis://host:port/db or rediss:// for TLS; put the password in `password`, not here */
  url: z.string().regex(/^rediss?:\/\/[^@]*$/, 'must be redis://host:port[/db] or rediss://..., without credentials (use password)').default(DEFAULTS.redis.url),
  username: z.string().optional(),
  password: secretRef.optional(),
  keyPrefix: z.string().default(DEFAULTS.redis.keyPrefix),
  connectTimeoutMs: z.number().int().positive().default(DEFAULTS.redis.connectTimeoutMs),
});

export const sessionSchema = z.strictObject({
  store: z.enum(['memory', 'redis']).default('memory'),
  cookieName: z.string().regex(/^[A-Za-z0-9_-]+$/).default(DEFAULTS.session.cookieName),
  idleTimeoutSeconds: durationSeconds.default(DEFAULTS.session.idleTimeoutSeconds),
  absoluteTimeoutSeconds: durationSeconds.default(DEFAULTS.session.absoluteTimeoutSeconds),
  /** memory store only: the most sessions kept; the least recently used go first */
  maxSessions: z.number().int().positive().default(DEFAULTS.session.maxSessions),
  redis: redisSchema.optional(),
});

export const loginThrottleSchema = z.strictObject({
  maxFailuresPerUser: z.number().int().positive().default(DEFAULTS.loginThrottle.maxFailuresPerUser),
  maxFailuresPerAddress: z.number().int().positive().default(DEFAULTS.loginThrottle.maxFailuresPerAddress),
  windowSeconds: durationSeconds.default(DEFAULTS.loginThrottle.windowSeconds),
  lockoutSeconds: durationSeconds.default(DEFAULTS.loginThrottle.lockoutSeconds),
  /** requests per client address to the anonymous entry points (POST /login, /saml/*) per window */
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
  loginThrottle: loginThrottleSchema.default(() => loginThrottleSchema.parse({})),
  tokens: tokensSchema.default(() => tokensSchema.parse({})),
  authenticators: z.array(authenticatorSchema).min(1, 'at least one authenticator is needed'),
  /** applied after every login, whatever the authenticator (config/schema/user-mapping.ts) */
  userMapping: userMappingSchema.optional(),
  routes: z.array(routeSchema).default([]),
  /** filters added to every route, before the route's own */
  globalFilters: z.array(filterRefSchema).default([]),
  demoEngine: demoEngineSchema.default(() => demoEngineSchema.parse({})),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
}).superRefine(checkConsistency, { when: (payload) => payload.issues.length === 0 });

export type PortcullisConfig = z.infer<typeof portcullisConfigSchema>;
export type PortcullisConfigInput = z.input<typeof portcullisConfigSchema>;
export { authenticatorSchema, routeSchema, filterRefSchema };
