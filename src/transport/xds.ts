import { createRequire } from 'node:module';
import { Code } from '../errors/code.js';
import { configError } from '../errors/pantry-error.js';

let registered = false;

const requirePeer = () => createRequire(import.meta.url)('@grpc/grpc-js-xds') as { register(): void };

/**
 * Makes `xds:///name` targets work: loads the optional peer dependency `@grpc/grpc-js-xds` (only
 * when a client dials such a target) and registers its resolver and balancers with grpc-js, once
 * per process. Throws a `FAILED_PRECONDITION` {@link PantryError} when the package is missing, and
 * when no xDS bootstrap is set (`GRPC_XDS_BOOTSTRAP`, a file, or `GRPC_XDS_BOOTSTRAP_CONFIG`, its
 * JSON), which grpc-js-xds would otherwise report only at the first call.
 *
 * @example
 * if (target.startsWith('xds:')) registerXds(process.env);
 */
export function registerXds(
  env: NodeJS.ProcessEnv = process.env,
  load: () => { register(): void } = requirePeer,
): void {
  if (!env.GRPC_XDS_BOOTSTRAP && !env.GRPC_XDS_BOOTSTRAP_CONFIG)
    throw configError(
      Code.FAILED_PRECONDITION,
      'an xds: target needs an xDS bootstrap, and neither GRPC_XDS_BOOTSTRAP nor GRPC_XDS_BOOTSTRAP_CONFIG is set',
      'set GRPC_XDS_BOOTSTRAP to a bootstrap file, or GRPC_XDS_BOOTSTRAP_CONFIG to its JSON ({"xds_servers":[…],"node":{…}})',
    );
  if (registered) return;
  let xds: { register(): void };
  try {
    xds = load();
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code !== 'MODULE_NOT_FOUND' && code !== 'ERR_MODULE_NOT_FOUND') throw err;
    throw configError(
      Code.FAILED_PRECONDITION,
      'an xds: target needs the optional peer dependency @grpc/grpc-js-xds, which is not installed',
      'install it next to @pantry/client: npm install @grpc/grpc-js-xds@1.14.1',
      err,
    );
  }
  xds.register();
  registered = true;
}
