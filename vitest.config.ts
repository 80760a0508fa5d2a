import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

// Every process the harness starts writes its output here too, so the counting reporter can
// scan it for secrets (workers inherit this environment).
process.env.PANTRY_HARNESS_LOG_DIR ??= mkdtempSync(join(tmpdir(), 'pantry-harness-logs-'));

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup/no-secrets-in-output.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // The count reporter writes test-counts.json, the numbers .ci/run prints (it counts hook
    // errors, unhandled errors and, with CI=true, skips as failures).
    reporters: ['default', './test/setup/count-reporter.ts'],
  },
});
