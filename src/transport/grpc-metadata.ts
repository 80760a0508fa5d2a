import { Metadata } from '@grpc/grpc-js';
import type { CallMetadata } from '../metadata/call-metadata.js';

/**
 * The grpc-js `Metadata` to send for `md`: `md` itself when it is one (the Node client's own
 * metadata: no copy on the hot path), else a copy, e.g. of a `PlainMetadata` an interceptor
 * made. grpc-js checks the keys and values (`Buffer` for `-bin` keys) as it copies them.
 *
 * @example
 * call.start(grpcMetadata(req.metadata), listener);
 */
export function grpcMetadata(md: CallMetadata): Metadata {
  if (md instanceof Metadata) return md;
  const copy = new Metadata();
  for (const [key, values] of Object.entries(md.toJSON()))
    for (const v of values)
      copy.add(key, typeof v === 'string' ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength));
  return copy;
}
