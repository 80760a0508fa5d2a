import { expect, it } from 'vitest';

// A passing test that leaves a rejected promise nobody handles.
it('passes but leaks a rejection', async () => {
  void Promise.reject(new Error('nobody handles this'));
  await new Promise((r) => setTimeout(r, 50));
  expect(true).toBe(true);
});
