import { afterAll, expect } from 'vitest';
import { secretsIn } from './secret-patterns.js';

// Raw writes to the worker's stdout/stderr (console output is scanned by the counting reporter,
// child processes' output through PANTRY_HARNESS_LOG_DIR): none may carry a secret.
const seen: string[] = [];

for (const stream of [process.stdout, process.stderr]) {
  const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    seen.push(typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk));
    return write(chunk, ...rest);
  }) as typeof stream.write;
}

afterAll(() => {
  // Report only which pattern matched.
  expect(secretsIn(seen.join('')).map(String), 'test output matched a secret pattern').toEqual([]);
});
