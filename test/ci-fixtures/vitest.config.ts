import { defineConfig } from 'vitest/config';

// Runs one fixture of .ci/self-test with the same counting reporter as `npm test`.
export default defineConfig({
  test: {
    include: ['test/ci-fixtures/*.fixture.ts'],
    pool: 'forks',
    reporters: ['default', './test/setup/count-reporter.ts'],
  },
});
