/**
 * Every default of the configuration, in one place. The schema reads from here, the README
 * table is checked against here by a test.
 */
export const DEFAULTS = {
  server: {
    host: '127.0.0.1',
    port: 8080,
    dataDir: './data',
    bodyLimit: 64 * 1024,
    /** paths longer than this answer 414: long enough for any real URL, short enough to bound matching work */
    maxPathLength: 8192,
    /** headers and body of one request, uploads to engines included */
    requestTimeoutSeconds: 60,
  },
  redis: {
    url: 'redis://127.0.0.1:6379',
    keyPrefix: 'portcullis:',
    /** a gateway that cannot reach Redis at start fails fast instead of hanging */
    connectTimeoutMs: 5_000,
    /** a Sentinel failover takes a few seconds; a request waits this long, then fails closed with 503 */
    waitMs: 3_000,
    /** sessions kept in each gateway between Redis reads; every change invalidates them on all gateways */
    localCacheSeconds: 5,
    localCacheEntries: 10_000,
  },
  pages: {
    productName: 'Portcullis',
    /** every pair passes WCAG AA (4.5:1): text, muted and accent on the surface, accentText on the accent */
    colours: { background: '#f4f5f7', surface: '#ffffff', text: '#1d2330', muted: '#5b6372', accent: '#2b4cdb', accentText: '#ffffff' },
  },
  session: {
    cookieName: 'portcullis_sid',
    /** half an hour without a request ends the session */
    idleTimeoutSeconds: 30 * 60,
    /** eight hours after login the session ends whatever happens */
    absoluteTimeoutSeconds: 8 * 60 * 60,
    /** a session re-checks its user in the identity store at least this often (well under the token lifetime) */
    recheckSeconds: 60,
    maxSessions: 100_000,
  },
  loginThrottle: {
    maxFailuresPerUser: 5,
    maxFailuresPerAddress: 20,
    windowSeconds: 15 * 60,
    lockoutSeconds: 15 * 60,
    /**
     * Anonymous entry points write state (CSRF cookies, pending SAML requests) before anyone
     * is known: at most this many requests per client address and window, per process.
     */
    maxEntryRequestsPerAddress: 120,
    entryWindowSeconds: 60,
  },
  tokens: {
    /** minutes, not hours: a leaked token is worth little */
    lifetimeSeconds: 5 * 60,
    renewBeforeSeconds: 60,
    /** a new key is published this long before it signs: at least the JWKS max-age (300) engines may cache */
    keyLeadSeconds: 360,
    header: 'authorization',
    scheme: 'Bearer',
  },
  durable: {
    file: {
      /** under the data folder */
      dir: 'durable',
      /** a CLI command holds the lock for one write: milliseconds, never seconds */
      lockTimeoutMs: 5_000,
    },
    postgres: {
      /** the standard port on the local machine */
      url: 'postgres://127.0.0.1:5432/portcullis',
      table: 'portcullis_durable',
      poolSize: 5,
      connectTimeoutMs: 5_000,
      queryTimeoutMs: 5_000,
    },
  },
  vault: {
    /** long enough for `github_enterprise_token_readonly`, short enough for a log line */
    keyMaxLength: 64,
    /** a PEM private key fits; a file does not belong in the vault */
    valueMaxBytes: 8192,
    perUser: 100,
    /** the credentials filter reads on every request; a change elsewhere shows within a second */
    readCacheMs: 1_000,
  },
  operations: {
    tls: { minVersion: 'TLSv1.2' },
    shutdown: {
      /** load balancers see readiness red before the listener closes; 0 when nothing polls it */
      readinessGraceSeconds: 0,
      /** long enough for ordinary requests, short enough for an orchestrator's kill timeout (30 s) */
      drainTimeoutSeconds: 10,
    },
    metrics: { host: '127.0.0.1', port: 9464, path: '/metrics' },
  },
  approvals: {
    /** how often each gateway expires overdue requests and sends approved ones (a restart resumes within this) */
    sweepSeconds: 15,
    /** decided, sent and expired requests stay readable this long (30 days), then go */
    keepClosedSeconds: 30 * 86_400,
    /** a gateway that claimed a sending this long ago died while sending: the request is closed unsent, never sent twice */
    staleSendingSeconds: 300,
  },
  notifications: {
    smtpPort: 587,
    /** STARTTLS is required, not merely tried: credentials never cross in clear */
    smtpSecurity: 'starttls',
    connectionTimeoutMs: 10_000,
    defaultLanguage: 'en',
    /** every day at 07:00 (seconds first, as Quartz writes it) */
    summarySchedule: '0 0 7 * * ?',
    /** addresses remembered per user for "login from a new address" (the oldest is forgotten) */
    rememberAddresses: 10,
    outbox: { pollSeconds: 5, maxAttempts: 12, firstRetrySeconds: 30, maxRetrySeconds: 3_600, claimSeconds: 120 },
  },
} as const;
