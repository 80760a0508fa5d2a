import { beforeAll, expect, it } from 'vitest';

// A broken setup: vitest marks the tests skipped and exits 1.
beforeAll(() => {
  throw new Error('the stack did not start');
});
it('needs the stack', () => expect(true).toBe(true));
