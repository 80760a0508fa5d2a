import { it } from 'vitest';

// A skipped test: with CI=true nothing may skip.
it.skip('needs an engine that is missing', () => {});
