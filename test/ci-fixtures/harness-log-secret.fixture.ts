import { expect, it } from 'vitest';
import { logSink } from '../../src/testing/log-sink.js';

// A secret in a harness child process's output (written through the harness's log sink).
it('a child process prints a key header', async () => {
  const sink = logSink('fixture');
  sink(['-----BEGIN', 'PRIVATE KEY-----'].join(' '));
  await new Promise((r) => setTimeout(r, 100));
  expect(true).toBe(true);
});
