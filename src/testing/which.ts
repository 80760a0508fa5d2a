import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * The path of an executable named `name` in a directory of PATH, or `undefined`: the one lookup
 * the harness and the tests use (no shell is spawned).
 *
 * @example
 * which('haproxy') // '/usr/sbin/haproxy', or undefined
 */
export function which(name: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
