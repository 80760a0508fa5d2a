import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { UserConsoleLog } from 'vitest';
import type { Reporter, SerializedError, TestModule, TestRunEndReason } from 'vitest/node';
import { secretsIn } from './secret-patterns.js';

/**
 * Counts the run the way CI must: every test that did not pass is a failure, and so is every
 * error that no test owns — a throwing `beforeAll`/`afterAll`, a file that did not load, an
 * unhandled rejection, an interrupted run, a secret in any console line or harness process log.
 * With `CI=true` a skipped or pending test is a failure too (nothing may skip in CI).
 * Writes `{ passed, failed, skipped, problems }` to `PANTRY_TEST_COUNTS` (default
 * `test-counts.json`) and prints the problems, so `.ci/run` reads one file it can trust.
 *
 * @example
 * // vitest.config.ts
 * reporters: ['default', './test/setup/count-reporter.ts']
 */
export default class CountReporter implements Reporter {
  private readonly secretHits = new Set<string>();

  onUserConsoleLog(log: UserConsoleLog): void {
    for (const p of secretsIn(log.content)) this.secretHits.add(`a console line (${log.type}) matched ${p}`);
  }

  onTestRunEnd(
    modules: ReadonlyArray<TestModule>,
    unhandled: ReadonlyArray<SerializedError>,
    reason: TestRunEndReason,
  ): void {
    const strict = !!process.env.CI;
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const problems: string[] = [];
    for (const module of modules) {
      const name = module.moduleId.replace(`${process.cwd()}/`, '');
      let moduleFailures = 0;
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') moduleFailures++;
        else if (strict) {
          moduleFailures++;
          problems.push(`${name}: "${test.fullName}" was ${state} (CI=true: nothing may skip)`);
        } else skipped++;
      }
      // Errors outside any test: hooks of the file or of a suite, or the file failing to load.
      for (const entity of [module, ...module.children.allSuites()]) {
        for (const e of entity.errors()) {
          moduleFailures++;
          problems.push(`${name}: ${firstLine(e)}`);
        }
      }
      if (moduleFailures === 0 && module.state() === 'failed') {
        moduleFailures++;
        problems.push(`${name}: the file failed without a failed test`);
      }
      failed += moduleFailures;
    }
    for (const e of unhandled) {
      failed++;
      problems.push(`unhandled error: ${firstLine(e)}`);
    }
    if (reason === 'interrupted') {
      failed++;
      problems.push('the run was interrupted');
    }
    this.scanHarnessLogs();
    for (const hit of this.secretHits) {
      failed++;
      problems.push(`secret: ${hit}`);
    }
    const file = process.env.PANTRY_TEST_COUNTS ?? 'test-counts.json';
    writeFileSync(file, JSON.stringify({ passed, failed, skipped, problems }, null, 2));
    if (problems.length)
      console.log(`\nFailures outside tests, or counted as failures:\n${problems.map((p) => `  ✖ ${p}`).join('\n')}`);
  }

  private scanHarnessLogs(): void {
    const dir = process.env.PANTRY_HARNESS_LOG_DIR;
    if (!dir) return;
    let files: string[] = [];
    try {
      files = readdirSync(dir);
    } catch {
      return;
    }
    for (const f of files) {
      for (const p of secretsIn(readFileSync(join(dir, f), 'utf8')))
        this.secretHits.add(`harness log ${f} matched ${p}`);
    }
  }
}

function firstLine(e: SerializedError): string {
  return `${e.name ?? 'Error'}: ${String(e.message ?? e).split('\n')[0]}`;
}
