import { ErrorInfo } from '../generated/google/rpc/error_details.js';
import { findDetailsIn, type StatusDetail } from './status-details.js';

/**
 * The first `google.rpc.ErrorInfo` among a status's details (the generated type), or
 * `undefined` when there is none.
 *
 * @example
 * errorInfoOf(statusDetailsOf(serviceError.metadata))?.reason // 'REQUEST_ID_REUSED'
 */
export function errorInfoOf(details: readonly StatusDetail[]): ErrorInfo | undefined {
  return findDetailsIn(details, ErrorInfo)[0];
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
