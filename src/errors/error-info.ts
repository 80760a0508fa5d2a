import type { Metadata } from '@grpc/grpc-js';
import { BinaryReader } from '@bufbuild/protobuf/wire';

/**
 * A `google.rpc.ErrorInfo` detail of a status: why the server refused a call, as a stable reason.
 *
 * @example
 * const info: ErrorInfo = { reason: 'REQUEST_ID_REUSED', domain: 'pantry.v1', metadata: { request_id: 'r1' } };
 */
export interface ErrorInfo {
  /** e.g. `REQUEST_ID_REUSED`. */
  reason: string;
  /** e.g. `pantry.v1`. */
  domain: string;
  metadata: Record<string, string>;
}

const ERROR_INFO_TYPE = 'type.googleapis.com/google.rpc.ErrorInfo';

/**
 * Reads the first `google.rpc.ErrorInfo` from the `grpc-status-details-bin` trailer (a
 * `google.rpc.Status` whose details are `Any`s), or `undefined` when there is none or it does
 * not parse. Only the wire format is read, so no generated `google.rpc` types are needed.
 *
 * @example
 * errorInfoOf(err.metadata)?.reason // 'REQUEST_ID_REUSED'
 */
export function errorInfoOf(metadata: Metadata | undefined): ErrorInfo | undefined {
  const bin = metadata?.get('grpc-status-details-bin')[0];
  if (!(bin instanceof Uint8Array)) return undefined;
  try {
    for (const any of fields(bin, 3)) {
      if (text(any, 1) !== ERROR_INFO_TYPE) continue;
      const [value] = fields(any, 2);
      if (!value) continue;
      const entries = fields(value, 3).map((entry) => [text(entry, 1), text(entry, 2)]);
      return { reason: text(value, 1), domain: text(value, 2), metadata: Object.fromEntries(entries) };
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/** The length-delimited values of field `field` in a message. */
function fields(bytes: Uint8Array, field: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  const reader = new BinaryReader(bytes);
  while (reader.pos < reader.len) {
    const [no, wireType] = reader.tag();
    if (no === field && wireType === 2) out.push(reader.bytes());
    else reader.skip(wireType, no);
  }
  return out;
}

/** The string in field `field` of a message, `''` when absent. */
function text(bytes: Uint8Array, field: number): string {
  const [value] = fields(bytes, field);
  return value ? new TextDecoder().decode(value) : '';
}

/**
 * The hint for a reason the pantry server gives in its `ErrorInfo`, or `undefined` for others.
 *
 * @example
 * hintForReason({ reason: 'REQUEST_ID_REUSED', domain: 'pantry.v1', metadata: { request_id: 'r1' } })
 * // 'request_id "r1" was reused with a different request body: …'
 */
export function hintForReason(info: ErrorInfo | undefined): string | undefined {
  if (info?.domain !== 'pantry.v1') return undefined;
  if (info.reason === 'REQUEST_ID_REUSED') {
    const id = Object.hasOwn(info.metadata, 'request_id') ? ` "${info.metadata.request_id}"` : '';
    return `request_id${id} was reused with a different request body: the server applied it to another request before, and applied nothing now. Give each new request its own request_id (or leave it empty: the client fills one in); repeat a request_id only to retry the very same request`;
  }
  return undefined;
}
