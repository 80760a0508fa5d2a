import { afterAll, expect, it } from 'vitest';

// A broken teardown after a passing test.
afterAll(() => {
  throw new Error('stop() failed');
});
it('passes', () => expect(true).toBe(true));
