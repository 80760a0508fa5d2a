import { Metadata, type ServerErrorResponse, type status as GrpcStatus } from '@grpc/grpc-js';
import { Code } from '../../errors/code.js';
import { PantryError } from '../../errors/pantry-error.js';
import { detailTypeName, type StatusDetail } from '../../errors/status-details.js';
import { Status } from '../../generated/google/rpc/status.js';

/** The type URL prefix of `google.protobuf.Any`, as grpc-go writes it. */
const TYPE_URL_PREFIX = 'type.googleapis.com/';

/**
 * A status detail for the fake to send: a `google.rpc` error detail (`BadRequest`, `ErrorInfo`,
 * `ResourceInfo`, …) or any message with a codec of your own, given with its full name.
 *
 * @example
 * throw fakeStatus(Code.NOT_FOUND, 'no such food', [detail(ResourceInfo, { resourceName: 'food-1' })]);
 */
export function detail<T>(
  codec: { encode(message: T): { finish(): Uint8Array }; fromPartial(object: never): T },
  message: object,
  typeName?: string,
): StatusDetail {
  const type = typeName ?? detailTypeName(codec as never);
  if (type === undefined)
    throw new PantryError({
      code: Code.INVALID_ARGUMENT,
      details: 'detail(): the codec is not a google.rpc error detail type; pass its full name as typeName',
    });
  const value = codec.encode(codec.fromPartial(message as never)).finish();
  return { type, value, message: codec.fromPartial(message as never) };
}

/**
 * A status for a handler of the fake to throw (or for a scripted fault): the client receives
 * `code`, `message` as the status message and `details` in `grpc-status-details-bin`, as from
 * the Go server. It is a {@link PantryError}; a handler may throw any PantryError.
 *
 * @example
 * const fake = await createFakePantry({
 *   handlers: { getFood: async () => { throw fakeStatus(Code.PERMISSION_DENIED, 'not yours'); } },
 * });
 */
export function fakeStatus(code: Code, message: string, details: readonly StatusDetail[] = []): PantryError {
  return new PantryError({ code, details: message, statusDetails: details });
}

/**
 * The grpc-js server error for a status the fake answers with: the details go into
 * `grpc-status-details-bin` (only when there are some, as grpc-go does), `trailers` beside it.
 *
 * @example
 * callback(serverError(fakeStatus(Code.NOT_FOUND, 'gone')));
 */
export function serverError(status: PantryError, trailers?: Metadata): ServerErrorResponse {
  const metadata = trailers?.clone() ?? new Metadata();
  if (status.statusDetails.length > 0) {
    const details = status.statusDetails.map((d) => ({
      typeUrl: `${TYPE_URL_PREFIX}${d.type}`,
      value: Buffer.from(d.value),
    }));
    const bin = Status.encode({ code: status.code, message: status.details, details }).finish();
    metadata.set('grpc-status-details-bin', Buffer.from(bin));
  }
  return Object.assign(new Error(status.details), {
    code: status.code as number as GrpcStatus, // the same numbers: errors/code.ts mirrors grpc-js's table
    details: status.details,
    metadata,
  });
}

/**
 * What a handler threw, as a status: a PantryError as it is, anything else `UNKNOWN` with its
 * message (as grpc-go answers a handler's plain error).
 *
 * @example
 * asStatus(new Error('boom')).code // Code.UNKNOWN
 */
export function asStatus(thrown: unknown): PantryError {
  if (PantryError.is(thrown)) return thrown;
  return fakeStatus(Code.UNKNOWN, thrown instanceof Error ? thrown.message : String(thrown));
}
