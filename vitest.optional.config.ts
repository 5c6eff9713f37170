import { defineConfig } from 'vitest/config';
import { OPTIONAL_SUITES } from './vitest.config.ts';

/** The optional suites (README "Optional"): each needs a Debian package; `npm run test:<suite>` checks first. */
export default defineConfig({
  test: {
    include: OPTIONAL_SUITES.map((glob) => `${glob.replace('/**', '')}/**/*.test.ts`),
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 300_000,
  },
});
