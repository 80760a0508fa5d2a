/**
 * `errors/` owns what a failure says: the status codes, `PantryError`, the hints that name a
 * cause and its fix, and the `google.rpc` status details (`BadRequest`, `RetryInfo`,
 * `ErrorInfo` reasons, …) decoded with the generated types. It is the bottom layer: it imports
 * only `metadata/`, @bufbuild/protobuf and src/generated/, and every other folder may import it.
 */
import { type CallMetadata, isCallMetadata } from '../metadata/call-metadata.js';
import { PlainMetadata } from '../metadata/plain-metadata.js';
import { BadRequest, type ErrorInfo } from '../generated/google/rpc/error_details.js';
import { Code, codeName, type CodeName } from './code.js';
import { errorInfoOf } from './error-info.js';
import { type DetailType, findDetailsIn, type StatusDetail, statusDetailsOf } from './status-details.js';

/** What a {@link PantryError} is made from; everything but `code` and `details` is optional. */
export interface PantryErrorInit {
  code: Code;
  /** The raw status message from the server or from grpc-js. */
  details: string;
  /** Full method path, e.g. `/pantry.v1.FoodStorageService/AddFood`; empty for errors raised by `createClient`. */
  method?: string;
  attempts?: number;
  elapsedMs?: number;
  metadata?: CallMetadata;
  /** The status details; decoded from `metadata`'s `grpc-status-details-bin` when not given. */
  statusDetails?: readonly StatusDetail[];
  /** What is most likely wrong and how to fix it. */
  hint?: string;
  cause?: unknown;
}

/**
 * Marks a PantryError of any copy of this package (a second install in the same process):
 * `Symbol.for` is one symbol per process, not per copy.
 */
const BRAND = Symbol.for('@pantry/client.PantryError');

/** The fields that are read-only at run time too (set once; the call's facts through recordCall). */
const FIELDS = [
  'code',
  'codeName',
  'details',
  'method',
  'attempts',
  'elapsedMs',
  'metadata',
  'statusDetails',
  'reason',
  'hint',
] as const;

/**
 * The one error type of `@pantry/client`: every failed call and every bad option rejects with it.
 *
 * `message` reads `[CODE] method: details` followed by the hint, so a log line alone says what to
 * fix; the field violations of a `google.rpc.BadRequest` detail are always in it. Every field is
 * read-only. The server's `google.rpc` details are in {@link statusDetails} and
 * {@link findDetails}; {@link PantryError.is} (and `instanceof`) also recognise a PantryError of
 * another copy of the package.
 *
 * @example
 * try {
 *   await client.foodStorage.addFood({ food: { name: '' } });
 * } catch (err) {
 *   if (!PantryError.is(err)) throw err;
 *   for (const v of err.findDetails(BadRequest).flatMap((d) => d.fieldViolations))
 *     console.log(v.field, v.description); // food.name must be 1 to 200 characters
 * }
 */
export class PantryError extends Error {
  override readonly name = 'PantryError';
  /** gRPC status code. */
  readonly code: Code;
  /** Name of {@link code}, e.g. `'UNAVAILABLE'`. */
  readonly codeName: CodeName;
  /** The raw status message (for a server's status, exactly what it sent). */
  readonly details: string;
  /** Full method path, or `''` for configuration errors. */
  readonly method: string;
  /** How many attempts the call made (1 when it was not retried, 0 when it never started). */
  readonly attempts: number;
  /** Time from the start of the logical call to the error, in milliseconds. */
  readonly elapsedMs: number;
  /** Trailing metadata the server sent with the status, if any. */
  readonly metadata: CallMetadata;
  /**
   * The details of the server's `google.rpc.Status` (trailer `grpc-status-details-bin`), in the
   * order sent; `[]` when it sent none. Read typed ones with {@link findDetails}.
   */
  readonly statusDetails: readonly StatusDetail[];
  /** The `reason` of the first `google.rpc.ErrorInfo` detail, e.g. `'REQUEST_ID_REUSED'`; else undefined. */
  readonly reason?: string;
  /** The likely cause and its fix, when the failure has a known shape. */
  readonly hint?: string;

  constructor(init: PantryErrorInit) {
    const statusDetails = Object.freeze([...(init.statusDetails ?? statusDetailsOf(init.metadata))]);
    super(formatMessage(init, statusDetails), init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.codeName = codeName(init.code);
    this.details = init.details;
    this.method = init.method ?? '';
    this.attempts = init.attempts ?? 0;
    this.elapsedMs = init.elapsedMs ?? 0;
    this.metadata = init.metadata ?? new PlainMetadata();
    this.statusDetails = statusDetails;
    const info: ErrorInfo | undefined = errorInfoOf(statusDetails);
    if (info) this.reason = info.reason;
    if (init.hint !== undefined) this.hint = init.hint;
    for (const key of FIELDS)
      if (Object.hasOwn(this, key)) Object.defineProperty(this, key, { writable: false, configurable: true });
  }

  /**
   * The details of one type, decoded: `findDetails(BadRequest)`, `findDetails(RetryInfo)`,
   * `findDetails(ErrorInfo)`, `findDetails(PreconditionFailure)`, `findDetails(ResourceInfo)`, …
   * (every `google.rpc` error detail type is exported). For a message type of your own, pass its
   * ts-proto codec and full name. `[]` when there is none.
   *
   * @example
   * const [bad] = err.findDetails(BadRequest);
   * bad?.fieldViolations.map((v) => v.field) // ['food.name']
   * err.findDetails(MyDetail, 'acme.v1.MyDetail')
   */
  findDetails<T>(type: DetailType<T>, typeName?: string): T[] {
    return findDetailsIn(this.statusDetails, type, typeName);
  }

  /**
   * True for a PantryError of this or any other copy of `@pantry/client` loaded in the process
   * (where `instanceof` of a class alone would say false); `instanceof PantryError` answers the same.
   *
   * @example
   * if (PantryError.is(err) && err.code === Code.NOT_FOUND) return undefined;
   */
  static is(value: unknown): value is PantryError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  /**
   * `err instanceof PantryError` is {@link PantryError.is}: true across copies of the package.
   * (A subclass keeps the ordinary prototype check.)
   *
   * @example
   * err instanceof PantryError // true also for an error thrown by another copy
   */
  static [Symbol.hasInstance](value: unknown): value is PantryError {
    // biome-ignore lint/complexity/noThisInStatic: a subclass must keep the prototype check
    if (this !== PantryError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return PantryError.is(value);
  }

  /**
   * Any thrown value as a PantryError: a PantryError (of any copy) itself; a gRPC status error
   * (grpc-js `ServiceError` or alike: a numeric `code`) with its code, details and metadata; an
   * `AbortError` as `CANCELLED`, a `TimeoutError` as `DEADLINE_EXCEEDED`; anything else as
   * `UNKNOWN`, with the original as `cause`.
   *
   * @example
   * catch (e) { const err = PantryError.from(e); log(err.codeName, err.message); }
   */
  static from(value: unknown): PantryError {
    if (PantryError.is(value)) return value;
    const v = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
    if (typeof v.code === 'number' && Number.isInteger(v.code) && v.code >= 0 && v.code <= 16) {
      const metadata = isCallMetadata(v.metadata) ? v.metadata : undefined;
      return new PantryError({
        code: v.code as Code,
        details: typeof v.details === 'string' ? v.details : typeof v.message === 'string' ? v.message : '',
        metadata,
        cause: value,
      });
    }
    const message = value instanceof Error ? value.message : String(value);
    const code =
      value instanceof Error && value.name === 'AbortError'
        ? Code.CANCELLED
        : value instanceof Error && value.name === 'TimeoutError'
          ? Code.DEADLINE_EXCEEDED
          : Code.UNKNOWN;
    return new PantryError({ code, details: message, cause: value });
  }
}

Object.defineProperty(PantryError.prototype, BRAND, { value: true });

/**
 * Records what a finished call reports on its error (the attempts made, the time taken): the
 * SDK's own way to set these read-only fields.
 *
 * @example
 * recordCall(err, { attempts: 3, elapsedMs: 120 });
 */
export function recordCall(err: PantryError, facts: { attempts?: number; elapsedMs?: number }): PantryError {
  for (const [key, value] of Object.entries(facts))
    if (value !== undefined) Object.defineProperty(err, key, { value, writable: false, configurable: true });
  return err;
}

function formatMessage(init: PantryErrorInit, details: readonly StatusDetail[]): string {
  const where = init.method ? ` ${init.method.replace(/^\//, '')}:` : '';
  // The field violations, each once: grpc-go servers often list them in the status message already.
  const missing = findDetailsIn(details, BadRequest)
    .flatMap((d) => d.fieldViolations)
    .map((v) => `${v.field}: ${v.description}`)
    .filter((text, i, all) => !init.details.includes(text) && all.indexOf(text) === i);
  const text = [init.details, ...missing].filter((s) => s !== '').join('; ');
  const hint = init.hint ? `\n  hint: ${init.hint}` : '';
  return `[${codeName(init.code)}]${where} ${text}${hint}`;
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
