import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/** Suites that need a Debian package (wrk, chromium, python3-flask...) run apart: vitest.optional.config.ts. */
export const OPTIONAL_SUITES = ['test/bench/**', 'test/browser/**', 'test/frameworks/**'];

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['**/node_modules/**', ...OPTIONAL_SUITES],
    globalSetup: ['test/global-setup.ts'],
    // Two files at once even on 2 cores (vitest's default there is one): most suites spend their time
    // waiting on a child runtime (deno, workerd, aws-lambda-ric, a served Pyodide), not on the CPU.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
