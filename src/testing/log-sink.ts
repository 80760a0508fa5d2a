import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';

/**
 * Where a harness process's output lines go besides `stack.logs()`: when the environment sets
 * `PANTRY_HARNESS_LOG_DIR`, each line is appended to `<dir>/<pid>-<name>-<n>.log` (this repo's
 * test run scans those files for secrets; CI can keep them). Without it, lines go nowhere else.
 *
 * @example
 * const sink = logSink('envoy');
 * sink('[envoy] starting main dispatch loop');
 */
export function logSink(name: string): (line: string) => void {
  const dir = process.env.PANTRY_HARNESS_LOG_DIR;
  if (!dir) return () => {};
  let stream: WriteStream | undefined;
  const file = join(dir, `${process.pid}-${name}-${++sinks}.log`);
  return (line) => {
    stream ??= createWriteStream(file, { flags: 'a' }).on('error', () => {});
    stream.write(`${line}\n`);
  };
}
let sinks = 0;
