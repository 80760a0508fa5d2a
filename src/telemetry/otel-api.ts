import { createRequire } from 'node:module';
import { Code } from '../errors/code.js';
import { PantryError } from '../errors/pantry-error.js';

/**
 * The `@opentelemetry/api` module (a type only: nothing is imported until {@link loadOtelApi}).
 *
 * @example
 * const api: OtelApi = loadOtelApi();
 */
export type OtelApi = typeof import('@opentelemetry/api');

let loaded: OtelApi | undefined;

/**
 * Loads the optional peer `@opentelemetry/api`, once, when a client turns telemetry on — never at
 * import time, so the package works without it installed. It is loaded with `require`: the API
 * keeps its providers on `globalThis`, so this copy sees what the app's SDK registered however the
 * app imported it (ES module or CommonJS), and `createClient` stays synchronous. When the package
 * is missing it throws a {@link PantryError} `FAILED_PRECONDITION` naming what to install.
 *
 * @example
 * const api = loadOtelApi(); // api.trace.getTracer('@pantry/client')
 */
export function loadOtelApi(): OtelApi {
  if (loaded) return loaded;
  try {
    loaded = createRequire(import.meta.url)('@opentelemetry/api') as OtelApi;
    return loaded;
  } catch (err) {
    const e = err as { code?: string; message?: string };
    const missing = e?.code === 'MODULE_NOT_FOUND' && /['"]@opentelemetry\/api['"]/.test(String(e.message));
    if (!missing) throw err;
    throw new PantryError({
      code: Code.FAILED_PRECONDITION,
      details: 'option telemetry needs the optional peer dependency @opentelemetry/api, which is not installed',
      hint: 'install it next to @pantry/client (npm install @opentelemetry/api) with the OpenTelemetry SDK of your choice',
      cause: err,
    });
  }
}
