import { Metadata } from '@grpc/grpc-js';
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import { describe, expect, it } from 'vitest';
import { errorInfoOf, hintForReason } from '../../src/errors/error-info.js';
import { statusDetailsOf } from '../../src/errors/status-details.js';

/** A google.rpc.Status trailer with one ErrorInfo detail, as grpc-go sends it. */
function statusWithErrorInfo(reason: string, domain: string, meta: Record<string, string>): Metadata {
  const info = new BinaryWriter().uint32(10).string(reason).uint32(18).string(domain);
  for (const [k, v] of Object.entries(meta))
    info.uint32(26).bytes(new BinaryWriter().uint32(10).string(k).uint32(18).string(v).finish());
  const any = new BinaryWriter()
    .uint32(10)
    .string('type.googleapis.com/google.rpc.ErrorInfo')
    .uint32(18)
    .bytes(info.finish())
    .finish();
  const other = new BinaryWriter()
    .uint32(10)
    .string('type.googleapis.com/google.rpc.PreconditionFailure')
    .uint32(18)
    .bytes(new Uint8Array([10, 0]))
    .finish();
  const status = new BinaryWriter()
    .uint32(8)
    .int32(9)
    .uint32(18)
    .string('refused')
    .uint32(26)
    .bytes(other)
    .uint32(26)
    .bytes(any)
    .finish();
  const md = new Metadata();
  md.set('grpc-status-details-bin', Buffer.from(status));
  return md;
}

describe('ErrorInfo from the status details', () => {
  it('reads the reason, domain and metadata, past other details', () => {
    expect(
      errorInfoOf(statusDetailsOf(statusWithErrorInfo('REQUEST_ID_REUSED', 'pantry.v1', { request_id: 'r1' }))),
    ).toEqual({
      reason: 'REQUEST_ID_REUSED',
      domain: 'pantry.v1',
      metadata: { request_id: 'r1' },
    });
  });

  it('is undefined without details, or with bytes that do not parse', () => {
    expect(errorInfoOf(statusDetailsOf(new Metadata()))).toBeUndefined();
    const md = new Metadata();
    md.set('grpc-status-details-bin', Buffer.from([26, 200]));
    expect(errorInfoOf(statusDetailsOf(md))).toBeUndefined();
  });

  it('hints at a reused request_id, naming it', () => {
    expect(
      hintForReason(
        errorInfoOf(statusDetailsOf(statusWithErrorInfo('REQUEST_ID_REUSED', 'pantry.v1', { request_id: 'r1' }))),
      ),
    ).toMatch(/request_id "r1" was reused with a different request body/);
    expect(hintForReason({ reason: 'REQUEST_ID_REUSED', domain: 'example.com', metadata: {} })).toBeUndefined();
  });
});

describe('hintForReason', () => {
  it('hints at REQUEST_ID_REUSED only, without a name when the metadata has no request_id', () => {
    expect(hintForReason({ reason: 'REQUEST_ID_REUSED', domain: 'pantry.v1', metadata: {} })).toBe(
      'request_id was reused with a different request body: the server applied it to another request before, and applied nothing now. Give each new request its own request_id (or leave it empty: the client fills one in); repeat a request_id only to retry the very same request',
    );
    expect(
      hintForReason({ reason: 'QUOTA_EXCEEDED', domain: 'pantry.v1', metadata: { request_id: 'r1' } }),
    ).toBeUndefined();
    expect(hintForReason(undefined)).toBeUndefined();
  });
});
