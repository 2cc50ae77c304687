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
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
