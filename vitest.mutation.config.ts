import { defineConfig } from 'vitest/config';

// `npm run test:mutation` (StrykerJS, stryker.config.json): the unit tests only. No globalSetup
// (no Go server build, no harness) and no count reporter: Stryker runs these tests once per
// mutant, in its own sandbox, and reads the results through its vitest runner.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    // Tests that run child processes (no mutant is active there) or check README links (Stryker's
    // sandbox lacks the bench results they name) can kill no mutant of src/.
    exclude: [
      'test/unit/close-releases-process.test.ts',
      'test/unit/secret-scan.test.ts',
      'test/unit/readme-links.test.ts',
    ],
    setupFiles: ['test/setup/no-secrets-in-output.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
