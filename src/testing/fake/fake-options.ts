import { Code } from '../../errors/code.js';
import { PantryError } from '../../errors/pantry-error.js';
import { HelloServiceDefinition } from '../../generated/hello/v1/hello.js';
import { FoodStorageServiceDefinition } from '../../generated/pantry/v1/food_storage_service.js';
import type { FakeHandlers } from './fake-handlers.js';

/** Options of `createFakePantry`; all optional. */
export interface FakePantryOptions {
  /** Handlers replacing the fake's own behaviour, e.g. `{ getFood: async (req, ctx) => … }`. */
  handlers?: FakeHandlers;
  /** A directory with `ca.crt`, `server.crt`, `server.key` (and the client's); default fresh dev certificates. */
  certDir?: string;
  /** The clock: timestamps and the watch's "today" (UTC). Default `() => new Date()`. */
  now?: () => Date;
  /**
   * Also read the Go server's fault-injection metadata (`pantry-fault-code`, `-delay-ms`, `-times`
   * with `-key`, `-after`, `-pushback-ms`, `-stream-after`), as `startPantryStack({ faultInjection: true })`
   * does; `pantry-fault-drop` answers `UNAVAILABLE` without dropping the connection. Default false.
   */
  faultInjection?: boolean;
}

/** Every method of the fake, by its client name. */
const METHODS: ReadonlySet<string> = new Set([
  ...Object.keys(FoodStorageServiceDefinition.methods),
  ...Object.keys(HelloServiceDefinition.methods),
]);
const OPTION_KEYS: ReadonlySet<string> = new Set(['handlers', 'certDir', 'now', 'faultInjection']);

/**
 * An `INVALID_ARGUMENT` PantryError for a misuse of the fake.
 *
 * @example
 * throw bad('createFakePantry: certDir must be a non-empty path');
 */
export const bad = (details: string, hint?: string) => new PantryError({ code: Code.INVALID_ARGUMENT, details, hint });

/**
 * `method` when the fake has it, else a PantryError listing the methods.
 *
 * @example
 * knownMethod('getFood', 'fault') // 'getFood'
 */
export function knownMethod<M extends string>(method: M, caller: string): M {
  if (!METHODS.has(method))
    throw bad(`${caller}(): unknown method ${JSON.stringify(method)}`, `the methods: ${[...METHODS].join(', ')}`);
  return method;
}

/**
 * Refuses unknown options, handlers of unknown methods and values of the wrong type, naming them.
 *
 * @example
 * checkOptions({ port: 1 } as never) // throws: unknown option "port"
 */
export function checkOptions(options: FakePantryOptions): void {
  if (options === null || typeof options !== 'object') throw bad('createFakePantry: options must be an object');
  for (const key of Object.keys(options))
    if (!OPTION_KEYS.has(key))
      throw bad(`createFakePantry: unknown option "${key}"`, `known options: ${[...OPTION_KEYS].join(', ')}`);
  const { handlers, certDir, now, faultInjection } = options;
  if (certDir !== undefined && (typeof certDir !== 'string' || certDir === ''))
    throw bad('createFakePantry: certDir must be a non-empty path');
  if (now !== undefined && typeof now !== 'function')
    throw bad('createFakePantry: now must be a function returning a Date');
  if (faultInjection !== undefined && typeof faultInjection !== 'boolean')
    throw bad('createFakePantry: faultInjection must be true or false');
  if (handlers !== undefined && (handlers === null || typeof handlers !== 'object'))
    throw bad('createFakePantry: handlers must be an object of functions by method name');
  for (const [method, handler] of Object.entries(handlers ?? {})) {
    knownMethod(method, 'createFakePantry: handlers');
    if (typeof handler !== 'function') throw bad(`createFakePantry: handlers.${method} must be a function`);
  }
}
