import type { Metadata } from '@grpc/grpc-js';
import type { RetryOptions } from './retry-policy.js';

/**
 * Options of one call; all optional.
 *
 * @example
 * const controller = new AbortController();
 * await client.foodStorage.listFoods({ pageSize: 100 }, {
 *   deadlineMs: 2_000,
 *   signal: controller.signal,
 *   metadata: { 'x-request-source': 'kitchen-tablet' },
 * });
 */
export interface CallOptions {
  /** Time allowed for the whole call, every retry and backoff included. Default: the client's. */
  deadlineMs?: number;
  /** Absolute deadline; wins over `deadlineMs`. */
  deadline?: Date | number;
  /** Aborting it cancels the attempt in flight and any backoff sleep; the call rejects with `CANCELLED`. */
  signal?: AbortSignal;
  /** Request metadata: grpc-js `Metadata` or a plain object of strings (keys ending in `-bin` take Buffers). */
  metadata?: Metadata | Record<string, string | Buffer>;
  /** Retry settings for this call, over the client's; `false` for a single attempt. */
  retry?: RetryOptions | false;
  /** Receives the response headers. */
  onHeader?: (header: Metadata) => void;
  /** Receives the response trailers. */
  onTrailer?: (trailer: Metadata) => void;
}
