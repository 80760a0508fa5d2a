import { expect, it } from 'vitest';

// The control: one passing test counts 1 passed, 0 failed.
it('passes', () => expect(1 + 1).toBe(2));
