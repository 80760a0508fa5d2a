import type { Metadata } from '@grpc/grpc-js';
import type { CallOptions } from './call-options.js';
import type { MessageType } from '../schema/message-type.js';

/** How a method may be retried, read from the proto's `idempotency_level`. */
export type Idempotency = 'NO_SIDE_EFFECTS' | 'IDEMPOTENT' | 'IDEMPOTENCY_UNKNOWN';

/** Static facts about one RPC, shared by every call of it. */
export interface MethodInfo {
  /** Full path, e.g. `/pantry.v1.FoodStorageService/AddFood`. */
  readonly path: string;
  /** Method name as in the proto, e.g. `AddFood`. */
  readonly name: string;
  /** Full service name, e.g. `pantry.v1.FoodStorageService`. */
  readonly service: string;
  readonly kind: 'unary' | 'server_streaming';
  readonly idempotency: Idempotency;
  /** True when the request carries a `request_id` idempotency key (AddFood, ConsumeFood, DeleteFood). */
  readonly hasRequestId: boolean;
  /** Codec of the request message (ts-proto generated). */
  readonly requestType: MessageType<any>;
  /** Codec of the response message (ts-proto generated). */
  readonly responseType: MessageType<any>;
}

/** One call as it travels down the pipeline; stages may change any field but `method`. */
export interface CallRequest {
  readonly method: MethodInfo;
  /** The complete request message (already filled in from the partial the caller gave). */
  message: unknown;
  /** Request metadata sent with every attempt. */
  metadata: Metadata;
  /** Absolute deadline in epoch milliseconds covering all attempts; `Infinity` for none. */
  deadline: number;
  /** Cancels the call (and any backoff sleep) when aborted; from `options.signal`. */
  signal?: AbortSignal;
  /** The options the caller gave this call. */
  readonly options: CallOptions;
  /** The attempt in flight, or the last one made: 1 for the first; set by the retry stage. */
  attempt: number;
  /** When the logical call started (epoch ms). */
  readonly startedAt: number;
}

/** The result of one call. */
export interface CallResponse {
  /** The response message of a unary call. */
  message?: unknown;
  /** The messages of a server-streaming call; the first one has already arrived. */
  stream?: AsyncIterable<unknown>;
  /** Response headers; on unary calls only when a header/trailer callback or an interceptor can see them. */
  header?: Metadata;
  /** Trailers of a unary call, under the same condition. */
  trailer?: Metadata;
}

/** A call, or the rest of the pipeline as seen from a stage. */
export type CallFn = (request: CallRequest) => Promise<CallResponse>;

/**
 * A stage of the call pipeline: a layered onion around the transport. Deadlines, retries
 * and tracing are interceptors; yours run between the deadline and retry stages, once per
 * logical call, and see the filled-in request and the final error.
 *
 * @example
 * const auth: Interceptor = (next) => async (req) => {
 *   req.metadata.set('authorization', `Bearer ${await getToken()}`);
 *   return next(req);
 * };
 * createClient({ address, certDir, interceptors: [auth] });
 */
export type Interceptor = (next: CallFn) => CallFn;

/**
 * Wraps `transport` in `interceptors`, the first outermost.
 *
 * @example
 * const call = composeInterceptors([deadline, retry], transport);
 */
export function composeInterceptors(interceptors: readonly Interceptor[], transport: CallFn): CallFn {
  return interceptors.reduceRight<CallFn>((next, interceptor) => interceptor(next), transport);
}
