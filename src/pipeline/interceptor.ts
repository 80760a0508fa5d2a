/**
 * `pipeline/` owns one call's way through the client: the request and response types
 * (readonly, discriminated by call kind), interceptors and their composition, call options,
 * the deadline, request ids, abort signals, the retry stage (over `retry/`), call tracing, and
 * what a failed call reports. It may import `errors/`, `observability/`, `schema/` and `retry/`;
 * never `transport/`, `tls/`, `client/` or above.
 */
import type { CallMetadata } from '../metadata/call-metadata.js';
import type { CallKind, MethodInfo } from '../schema/method-info.js';
import type { CallObserver } from './call-observer.js';
import type { CallOptions } from './call-options.js';

interface RequestOf<K extends CallKind> {
  /** The kind of call: `'unary'` resolves with one message, `'server_streaming'` with a stream. */
  readonly kind: K;
  readonly method: MethodInfo;
  /** The complete request message (filled in from the partial the caller gave). */
  readonly message: unknown;
  /**
   * Request metadata sent with the attempt (grpc-js's `Metadata` in Node, a `PlainMetadata` in browsers).
   * Give a stage its own with `next({ ...req, metadata })`.
   */
  readonly metadata: CallMetadata;
  /** Absolute deadline in epoch milliseconds covering all attempts; `Infinity` for none (set by the deadline stage). */
  readonly deadline: number;
  /** Cancels the call (and any backoff sleep) when aborted: the caller's `signal` and the client's `close()`. */
  readonly signal?: AbortSignal;
  /** The options the caller gave this call. */
  readonly options: Readonly<CallOptions>;
  /** 0 outside the retry stage (per-call interceptors); 1, 2, … inside it (per-attempt interceptors, the transport). */
  readonly attempt: number;
  /** When the logical call started (epoch ms). */
  readonly startedAt: number;
  /** Told what the retry stage decides after each failed attempt (set by the telemetry stage); usually absent. */
  readonly observer?: CallObserver;
}

/**
 * A unary call as it travels down the pipeline. Stages never change it: they pass `{ ...req, … }` on.
 *
 * @example
 * if (req.kind === 'unary') console.log(req.method.path, req.attempt);
 */
export type UnaryRequest = RequestOf<'unary'>;
/**
 * A server-streaming call as it travels down the pipeline.
 *
 * @example
 * if (req.kind === 'server_streaming') console.log('stream', req.method.path);
 */
export type ServerStreamRequest = RequestOf<'server_streaming'>;

/**
 * One call as it travels down the pipeline: readonly, discriminated by `kind`. A stage that
 * changes something passes a new request on (`next({ ...req, metadata })`); the deadline stage
 * sets `deadline` and the retry stage `attempt` the same way.
 *
 * @example
 * const logKind: Interceptor = (next) => (req) => (req.kind === 'unary' ? next(req) : next(req));
 */
export type CallRequest = UnaryRequest | ServerStreamRequest;

/**
 * The result of a unary call.
 *
 * @example
 * const res: UnaryResponse = { kind: 'unary', message: { message: 'Hello, cache!' } };
 */
export interface UnaryResponse {
  readonly kind: 'unary';
  /** The response message. */
  readonly message: unknown;
  /** Response headers: only when a header/trailer callback or an interceptor can see them. */
  readonly header?: CallMetadata;
  /** Trailers, under the same condition. */
  readonly trailer?: CallMetadata;
}

/**
 * The result of a server-streaming call: resolved once its first message (or its clean end) arrived.
 *
 * @example
 * const res = await next(req);
 * if (res.kind === 'server_streaming') for await (const m of res.stream) console.log(m);
 */
export interface ServerStreamResponse {
  readonly kind: 'server_streaming';
  /** The messages; the first one has already arrived. */
  readonly stream: AsyncIterable<unknown>;
  /** Response headers. */
  readonly header: CallMetadata;
}

/**
 * The result of one call, discriminated by `kind` like its request.
 *
 * @example
 * const res = await next(req);
 * if (res.kind === 'server_streaming') for await (const m of res.stream) …; else console.log(res.message);
 */
export type CallResponse = UnaryResponse | ServerStreamResponse;

/**
 * A call, or the rest of the pipeline as seen from a stage.
 *
 * @example
 * const transport: CallFn = async (req) => ({ kind: 'unary', message: {} });
 */
export type CallFn = (request: CallRequest) => Promise<CallResponse>;

/**
 * A stage of the call pipeline: a layered onion around the transport. Deadlines, retries
 * and tracing are interceptors. Yours go in one of two slots: `interceptors` run once per
 * logical call between the deadline and retry stages (they see the final error);
 * `attemptInterceptors` run once per attempt, inside the retry stage (`req.attempt` is 1, 2, …).
 *
 * @example
 * const auth: Interceptor = (next) => async (req) => {
 *   const metadata = req.metadata.clone();
 *   metadata.set('authorization', `Bearer ${await getToken()}`);
 *   return next({ ...req, metadata });
 * };
 * createClient({ address, certDir, attemptInterceptors: [auth] });
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
