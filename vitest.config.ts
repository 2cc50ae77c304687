import { defineConfig } from 'vitest/config';

// Two cores: integration suites start real servers (slapd, redis, chromium), so files
// run in a small fork pool and each test gets room for a real network round trip.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
