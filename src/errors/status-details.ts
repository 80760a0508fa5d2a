import type { CallMetadata } from '../metadata/call-metadata.js';
import {
  BadRequest,
  DebugInfo,
  ErrorInfo,
  Help,
  LocalizedMessage,
  PreconditionFailure,
  QuotaFailure,
  RequestInfo,
  ResourceInfo,
  RetryInfo,
} from '../generated/google/rpc/error_details.js';
import { Status } from '../generated/google/rpc/status.js';

/**
 * A message type `findDetails` can look for: a generated codec (`BadRequest`, `RetryInfo`, … or
 * any ts-proto message codec of your own, given with its full name).
 *
 * @example
 * const type: DetailType<BadRequest> = BadRequest;
 */
export interface DetailType<T> {
  decode(input: Uint8Array): T;
}

/**
 * One detail of a status (`google.rpc.Status.details`, an `Any`), as the server sent it.
 *
 * @example
 * err.statusDetails.map((d) => d.type) // ['google.rpc.BadRequest']
 */
export interface StatusDetail {
  /** Full message name, e.g. `'google.rpc.BadRequest'` (the type URL without its prefix). */
  readonly type: string;
  /** The encoded message. */
  readonly value: Uint8Array;
  /** The decoded message when `type` is one of the `google.rpc` error details, else `undefined`. */
  readonly message?: unknown;
}

/** The `google.rpc` error detail types, by full name. */
const KNOWN = new Map<string, DetailType<unknown>>([
  ['google.rpc.ErrorInfo', ErrorInfo],
  ['google.rpc.RetryInfo', RetryInfo],
  ['google.rpc.DebugInfo', DebugInfo],
  ['google.rpc.QuotaFailure', QuotaFailure],
  ['google.rpc.PreconditionFailure', PreconditionFailure],
  ['google.rpc.BadRequest', BadRequest],
  ['google.rpc.RequestInfo', RequestInfo],
  ['google.rpc.ResourceInfo', ResourceInfo],
  ['google.rpc.Help', Help],
  ['google.rpc.LocalizedMessage', LocalizedMessage],
]);

/**
 * The full name of a `google.rpc` error detail type, or `undefined` for another codec.
 *
 * @example
 * detailTypeName(BadRequest) // 'google.rpc.BadRequest'
 */
export function detailTypeName(type: DetailType<unknown>): string | undefined {
  for (const [name, codec] of KNOWN) if (codec === type) return name;
  return undefined;
}

/**
 * Decodes the `grpc-status-details-bin` trailer (a `google.rpc.Status`) into its details; `[]`
 * when there is none or it does not parse. Details of the `google.rpc` types are decoded too.
 *
 * @example
 * statusDetailsOf(serviceError.metadata)[0]?.type // 'google.rpc.BadRequest'
 */
export function statusDetailsOf(metadata: CallMetadata | undefined): StatusDetail[] {
  const bin = metadata?.get('grpc-status-details-bin')[0];
  if (!(bin instanceof Uint8Array)) return [];
  let status: Status;
  try {
    status = Status.decode(bin);
  } catch {
    return [];
  }
  return status.details.map(({ typeUrl, value }) => {
    const type = typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
    const codec = KNOWN.get(type);
    let message: unknown;
    try {
      message = codec?.decode(value);
    } catch {
      message = undefined;
    }
    return Object.freeze(message === undefined ? { type, value } : { type, value, message });
  });
}

/**
 * The details of type `type` among `details`, decoded; `typeName` is needed only for a codec of
 * your own (the `google.rpc` types are known). Details that do not decode are left out.
 *
 * @example
 * findDetailsIn(err.statusDetails, BadRequest)[0]?.fieldViolations
 */
export function findDetailsIn<T>(details: readonly StatusDetail[], type: DetailType<T>, typeName?: string): T[] {
  const name = typeName ?? detailTypeName(type as DetailType<unknown>);
  if (name === undefined) return [];
  const out: T[] = [];
  for (const d of details) {
    if (d.type !== name) continue;
    if (d.message !== undefined && KNOWN.get(name) === type) out.push(d.message as T);
    else {
      try {
        out.push(type.decode(d.value));
      } catch {
        // not this type after all: left out
      }
    }
  }
  return out;
}

/**
 * The retry delay a `google.rpc.RetryInfo` detail asks for, in whole milliseconds (rounded up),
 * `'stop'` for a negative one, `undefined` when there is none.
 *
 * @example
 * retryInfoDelayMs(err.statusDetails) // 250 for retry_delay { nanos: 250000000 }
 */
export function retryInfoDelayMs(details: readonly StatusDetail[]): number | 'stop' | undefined {
  const [info] = findDetailsIn(details, RetryInfo);
  const d = info?.retryDelay;
  if (!d) return undefined;
  const ms = d.seconds * 1000 + d.nanos / 1e6;
  if (!Number.isFinite(ms) || ms < 0 || ms > 999_999_999) return 'stop';
  return Math.ceil(ms);
}
