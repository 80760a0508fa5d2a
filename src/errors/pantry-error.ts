/**
 * `errors/` owns what a failure says: the status codes, `PantryError`, the hints that name a
 * cause and its fix, and `google.rpc.ErrorInfo` reasons. It is the bottom layer: it imports only
 * grpc-js and @bufbuild/protobuf, and every other folder may import it.
 */
import { Metadata } from '@grpc/grpc-js';
import { type Code, codeName, type CodeName } from './code.js';

/** What a {@link PantryError} is made from; everything but `code` is optional. */
export interface PantryErrorInit {
  code: Code;
  /** The raw status message from the server or from grpc-js. */
  details: string;
  /** Full method path, e.g. `/pantry.v1.FoodStorageService/AddFood`; empty for errors raised by `createClient`. */
  method?: string;
  attempts?: number;
  elapsedMs?: number;
  metadata?: Metadata;
  /** What is most likely wrong and how to fix it. */
  hint?: string;
  cause?: unknown;
}

/**
 * The one error type of `@pantry/client`: every failed call and every bad option rejects with it.
 *
 * `message` reads `[CODE] method: details` followed by the hint, so a log line alone says what to fix.
 *
 * @example
 * try {
 *   await client.foodStorage.getFood({ id: 'food-00000042' });
 * } catch (err) {
 *   if (err instanceof PantryError && err.code === Code.NOT_FOUND) console.log('no such food');
 *   else throw err;
 * }
 */
export class PantryError extends Error {
  override name = 'PantryError';
  /** gRPC status code. */
  readonly code: Code;
  /** Name of {@link code}, e.g. `'UNAVAILABLE'`. */
  readonly codeName: CodeName;
  /** The raw status message. */
  readonly details: string;
  /** Full method path, or `''` for configuration errors. */
  readonly method: string;
  /** How many attempts the call made (1 when it was not retried, 0 when it never started). */
  attempts: number;
  /** Time from the start of the logical call to the error, in milliseconds. */
  elapsedMs: number;
  /** Trailing metadata the server sent with the status, if any. */
  readonly metadata: Metadata;
  /** The likely cause and its fix, when the failure has a known shape. */
  readonly hint?: string;

  constructor(init: PantryErrorInit) {
    super(formatMessage(init), init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.codeName = codeName(init.code);
    this.details = init.details;
    this.method = init.method ?? '';
    this.attempts = init.attempts ?? 0;
    this.elapsedMs = init.elapsedMs ?? 0;
    this.metadata = init.metadata ?? new Metadata();
    if (init.hint !== undefined) this.hint = init.hint;
  }
}

function formatMessage(init: PantryErrorInit): string {
  const where = init.method ? ` ${init.method.replace(/^\//, '')}:` : '';
  const hint = init.hint ? `\n  hint: ${init.hint}` : '';
  return `[${codeName(init.code)}]${where} ${init.details}${hint}`;
}

/**
 * A configuration error raised by `createClient` before any connection is made.
 *
 * @example
 * throw configError(Code.INVALID_ARGUMENT, 'address "pantry:99999": port must be 1 to 65535');
 */
export function configError(code: Code, details: string, hint?: string, cause?: unknown): PantryError {
  return new PantryError({ code, details, hint, cause });
}
