import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/** Suites that need a Debian package (wrk, chromium, python3-flask...) run apart: vitest.optional.config.ts. */
export const OPTIONAL_SUITES = ['test/bench/**', 'test/browser/**', 'test/frameworks/**'];

/**
 * Files that run Pyodide in the test process itself. They keep a process each: the default Pyodide is
 * one per process (src/python/index.ts), and these suites count on the state of theirs (a death that
 * drops it, the modules and sys.path of the apps they load).
 */
const IN_PROCESS_PYTHON = ['test/python/**/*.test.ts', 'test/node/python-conformance.test.ts'];

const shared = {
  testTimeout: 30_000,
  hookTimeout: 120_000,
};

export default defineConfig({
  test: {
    // Only the root config's: a project's own would build dist/ again, at the same time.
    globalSetup: ['test/global-setup.ts'],
    // Two files at once even on 2 cores (vitest's default there is one): most suites spend their time
    // waiting on a child runtime (deno, workerd, aws-lambda-ric, a served Pyodide), not on the CPU.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    projects: [
      {
        test: {
          name: 'shared-process',
          include: ['test/**/*.test.ts'],
          exclude: ['**/node_modules/**', ...OPTIONAL_SUITES, ...IN_PROCESS_PYTHON],
          // The rest talk to child processes or are pure: they share worker processes instead of
          // starting one each (most of the 16 s this and the one-run type checks took off a 2-core
          // machine's `npm test`: bench/PROFILE.md). None changes a global it does not put back.
          isolate: false,
          ...shared,
        },
      },
      {
        test: { name: 'own-process', include: IN_PROCESS_PYTHON, ...shared },
      },
    ],
  },
});
