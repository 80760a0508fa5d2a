import { defineConfig } from 'vitest/config';

// `npm run test:mutation` (StrykerJS, stryker.config.json): the unit tests only. No globalSetup
// (no Go server build, no harness) and no count reporter: Stryker runs these tests once per
// mutant, in its own sandbox, and reads the results through its vitest runner.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    // These two run child processes (no mutant is active there), so they can kill none.
    exclude: ['test/unit/close-releases-process.test.ts', 'test/unit/secret-scan.test.ts'],
    setupFiles: ['test/setup/no-secrets-in-output.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
