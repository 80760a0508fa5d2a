import { readFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/testing/server-binary.js';
import { which } from '../../src/testing/which.js';
import { execScanned } from '../helpers.js';

// A user's vitest file that uses only createFakePantry() (examples/unit-test-with-fake/) passes in
// a vitest of its own whose PATH has no `go`, and the README shows that very file.
const EXAMPLE = join(PACKAGE_ROOT, 'examples', 'unit-test-with-fake');

describe('unit tests without a server', () => {
  it("runs the example's vitest file with Go hidden from PATH", async () => {
    const path = (process.env.PATH ?? '')
      .split(delimiter)
      .filter((dir) => dir && which('go', dir) === undefined)
      .join(delimiter);
    expect(which('go', path)).toBeUndefined(); // the premise
    const { stdout } = await execScanned(
      process.execPath,
      [
        join(PACKAGE_ROOT, 'node_modules', 'vitest', 'vitest.mjs'),
        'run',
        '--config',
        join(EXAMPLE, 'vitest.config.ts'),
      ],
      {
        cwd: PACKAGE_ROOT,
        env: { ...process.env, PATH: path, PANTRY_SERVER_BIN: '', GOROOT: '', CI: 'true', NO_COLOR: '1' },
        timeout: 120_000,
      },
    );
    expect(stdout).toMatch(/Tests\s+2 passed \(2\)/);
  }, 150_000);

  it('the README section "Unit tests without a server" shows the example test as it is', async () => {
    const readme = await readFile(join(PACKAGE_ROOT, 'README.md'), 'utf8');
    const section = readme.split(/^### Unit tests without a server$/m)[1]?.split(/^##/m)[0] ?? '';
    const blocks = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
    const test = await readFile(join(EXAMPLE, 'shopping-list.test.ts'), 'utf8');
    const code = await readFile(join(EXAMPLE, 'shopping-list.ts'), 'utf8');
    expect(blocks).toContain(test);
    expect(blocks).toContain(code);
  });
});
