import { it } from 'vitest';

// A file that fails while loading.
throw new Error('this module cannot load');
it('never collected', () => {});
