import { Code } from '../errors/code.js';
import { PantryError } from '../errors/pantry-error.js';

/**
 * Runs `load` (a dynamic `import()` of an optional peer dependency, or of a module that imports
 * one) and, when the package is not installed, throws a `FAILED_PRECONDITION` {@link PantryError}
 * that names the feature and the package to install instead of Node's raw `ERR_MODULE_NOT_FOUND`.
 * Other failures pass through unchanged.
 *
 * @example
 * const { GenericContainer } = await loadOptionalPeer('testcontainers', "runtime: 'docker'", () => import('testcontainers'));
 */
export async function loadOptionalPeer<T>(pkg: string, feature: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    if (!isMissing(err, pkg)) throw err;
    throw new PantryError({
      code: Code.FAILED_PRECONDITION,
      details: `${feature} needs the optional peer dependency ${pkg}, which is not installed`,
      hint: `install it next to @pantry/client: npm install --save-dev ${pkg}`,
      cause: err,
    });
  }
}

/** True when `err` says that `pkg` itself (not some other module) could not be found. */
function isMissing(err: unknown, pkg: string): boolean {
  const e = err as { code?: string; message?: string } | undefined;
  if (!e || typeof e.message !== 'string') return false;
  const notFound =
    e.code === 'ERR_MODULE_NOT_FOUND' ||
    e.code === 'MODULE_NOT_FOUND' ||
    /Cannot find (package|module)|Failed to (load|resolve)/i.test(e.message);
  return notFound && new RegExp(`['"]${pkg.replace(/[/.@-]/g, '\\$&')}(/[^'"]*)?['"]`).test(e.message);
}
