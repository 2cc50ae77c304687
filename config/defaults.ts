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
    /** headers and body of one request, uploads to engines included */
    requestTimeoutSeconds: 60,
  },
  redis: {
    url: 'redis://127.0.0.1:6379',
    keyPrefix: 'portcullis:',
    /** a gateway that cannot reach Redis at start fails fast instead of hanging */
    connectTimeoutMs: 5_000,
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
} as const;
