import { defineConfig } from 'vitest/config';

/** Suites that need a Debian package (wrk, chromium, python3-flask...) run apart: vitest.optional.config.ts. */
export const OPTIONAL_SUITES = ['test/bench/**', 'test/browser/**', 'test/frameworks/**'];

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['**/node_modules/**', ...OPTIONAL_SUITES],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
