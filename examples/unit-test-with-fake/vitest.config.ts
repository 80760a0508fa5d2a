import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// In an app that installed @pantry/client this file needs no aliases; inside this repository the
// package names point at the sources.
const src = (path: string) => fileURLToPath(new URL(`../../src/${path}`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^@pantry\/client\/testing$/, replacement: src('testing/index.ts') },
      { find: /^@pantry\/client$/, replacement: src('index.ts') },
    ],
  },
  test: { include: ['examples/unit-test-with-fake/*.test.ts'], root: fileURLToPath(new URL('../..', import.meta.url)) },
});
