import { type CallMetadata, isCallMetadata } from '../metadata/call-metadata.js';
import { Code } from '../errors/code.js';
import { PantryError } from '../errors/pantry-error.js';
import { resolveRetryPolicy, DEFAULT_RETRY, type RetryOptions } from '../retry/policy.js';

/**
 * Options of one call; all optional. `M` is the type of the response metadata the callbacks get:
 * grpc-js's `Metadata` from the Node client, a `PlainMetadata` from the browser client.
 *
 * @example
 * const controller = new AbortController();
 * await client.foodStorage.listFoods({ pageSize: 100 }, {
 *   deadlineMs: 2_000,
 *   signal: controller.signal,
 *   metadata: { 'x-request-source': 'kitchen-tablet' },
 * });
 */
export interface CallOptions<M extends CallMetadata = CallMetadata> {
  /** Time allowed for the whole call, every retry and backoff included: a positive number (`Infinity` for none). Default: the client's. */
  deadlineMs?: number;
  /** Absolute deadline (a valid `Date` or epoch milliseconds); wins over `deadlineMs`. */
  deadline?: Date | number;
  /** Aborting it cancels the attempt in flight and any backoff sleep; the call rejects with `CANCELLED`. */
  signal?: AbortSignal;
  /** Request metadata: a {@link CallMetadata} (grpc-js `Metadata`) or a plain object of strings (keys ending in `-bin` take bytes). */
  metadata?: CallMetadata | Record<string, string | Uint8Array>;
  /** Retry settings for this call, over the client's; `false` for a single attempt. */
  retry?: RetryOptions | false;
  /** Receives the response headers. */
  onHeader?: (header: M) => void;
  /** Receives the response trailers. */
  onTrailer?: (trailer: M) => void;
}

/**
 * Every key of {@link CallOptions}, to reject misspelt ones.
 *
 * @example
 * CALL_OPTION_KEYS.has('deadlineMs') // true; 'timeout' is not a call option
 */
export const CALL_OPTION_KEYS: ReadonlySet<string> = new Set([
  'deadlineMs',
  'deadline',
  'signal',
  'metadata',
  'retry',
  'onHeader',
  'onTrailer',
]);

/**
 * Checks the type and range of every per-call option, as `createClient` checks client options:
 * the first problem throws a {@link PantryError} `INVALID_ARGUMENT` that names the option
 * (`call option deadlineMs must be a positive number of milliseconds, got "300"`). Unknown
 * keys are refused with the list of known ones.
 *
 * @example
 * checkCallOptions({ deadlineMs: 2_000, retry: false }, '/pantry.v1.FoodStorageService/GetFood'); // passes
 * checkCallOptions({ deadlineMs: '300' }, method); // throws: a string is not a number
 */
export function checkCallOptions(options: unknown, method: string): asserts options is CallOptions {
  const bad = (details: string, hint?: string) =>
    new PantryError({ code: Code.INVALID_ARGUMENT, details, method, hint });
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw bad(
      `call options must be an object, got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}`,
    );
  }
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!CALL_OPTION_KEYS.has(key))
      throw bad(`unknown call option "${key}"`, `known call options: ${[...CALL_OPTION_KEYS].join(', ')}`);
  }
  const got = (v: unknown) =>
    typeof v === 'string' ? JSON.stringify(v) : typeof v === 'number' ? String(v) : v === null ? 'null' : typeof v;
  const { deadlineMs, deadline, signal, metadata, retry, onHeader, onTrailer } = o;
  if (deadlineMs !== undefined && !(typeof deadlineMs === 'number' && deadlineMs > 0)) {
    throw bad(`call option deadlineMs must be a positive number of milliseconds, got ${got(deadlineMs)}`);
  }
  if (
    deadline !== undefined &&
    !(deadline instanceof Date ? !Number.isNaN(+deadline) : typeof deadline === 'number' && Number.isFinite(deadline))
  ) {
    throw bad(
      `call option deadline must be a valid Date or epoch milliseconds, got ${deadline instanceof Date ? 'an invalid Date' : got(deadline)}`,
    );
  }
  if (signal !== undefined && !(signal instanceof AbortSignal))
    throw bad(`call option signal must be an AbortSignal, got ${got(signal)}`);
  if (metadata !== undefined && !isCallMetadata(metadata)) {
    if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata))
      throw bad(
        `call option metadata must be a Metadata or a plain object of strings, got ${Array.isArray(metadata) ? 'an array' : got(metadata)}`,
      );
    for (const [key, value] of Object.entries(metadata)) {
      const binary = key.endsWith('-bin');
      if (binary ? !(value instanceof Uint8Array) : typeof value !== 'string')
        throw bad(
          `call option metadata "${key}" must be ${binary ? 'a Buffer (the key ends in -bin)' : 'a string'}, got ${got(value)}`,
        );
    }
  }
  if (retry !== undefined)
    resolveRetryPolicy(retry as RetryOptions | false, DEFAULT_RETRY, 'call option retry', method);
  for (const [name, fn] of [
    ['onHeader', onHeader],
    ['onTrailer', onTrailer],
  ] as const) {
    if (fn !== undefined && typeof fn !== 'function')
      throw bad(`call option ${name} must be a function, got ${got(fn)}`);
  }
}
