import type { ChannelInterface } from '@grpc/grpc-js';
import { toPantryError } from '../errors/grpc-status.js';
import type { HintContext } from '../errors/hints.js';
import { Code } from '../errors/code.js';
import { PantryError } from '../errors/pantry-error.js';
import { finishCallError } from '../pipeline/call-error.js';
import type { CallOptions } from '../pipeline/call-options.js';
import { callDeadline, deadlineFailure, type DeadlinePolicy } from '../pipeline/deadline.js';
import { settleUnary } from '../pipeline/unary-result.js';
import type { CallFn, CallResponse, UnaryRequest } from '../pipeline/interceptor.js';
import type { CallMetadata } from '../metadata/call-metadata.js';
import type { retrying } from '../pipeline/retry-stage.js';
import type { RetryThrottle } from '../retry/throttle.js';
import { encodeRequest } from '../schema/encode-request.js';
import type { MethodInfo } from '../schema/method-info.js';
import { deserializerOf } from '../transport/grpc-transport.js';
import { CallGroup, startUnary, type UnaryDone } from '../transport/unary-call.js';
import type { TelemetryAttempt, TelemetryCall, UnaryTelemetry } from '../telemetry/unary-telemetry.js';

/**
 * The unary calls a client makes with no interceptor of yours and tracing off, fused into one
 * promise: the deadline stage's deadline, the first attempt straight on the channel, and on
 * success the throttle's refill and the header/trailer callbacks. With telemetry on, the
 * telemetry stages' call span wraps the call and their attempt span the first attempt
 * ({@link UnaryTelemetry}); `transport` then starts with the attempt stage. What this path does not do it
 * leaves to the pipeline's own code: a failed first attempt goes on through the retry stage's
 * rules ({@link retrying}, attempts 2, 3, … through `transport`), the deadline stage's hint and
 * the call's final error. Calls it does not take (server streams, methods with a `request_id`,
 * a per-call `retry` or `hedging` option, hedged methods) run the whole pipeline.
 */
export interface FastUnary {
  /** True when this path takes the call; the caller runs the pipeline otherwise. */
  handles(method: MethodInfo, options: CallOptions): boolean;
  /**
   * Runs the call (checked and started as the pipeline would see it); resolves with the response
   * message or rejects with the call's final error, calling `release` when the call ends.
   */
  call(req: UnaryRequest, release: () => void): Promise<unknown>;
}

/**
 * Builds the fused unary path of a client.
 *
 * @example
 * const fast = fastUnary({ channel: client.getChannel(), hints, deadlines: config, retries, throttle, transport });
 */
export function fastUnary(parts: {
  channel: ChannelInterface;
  hints: HintContext;
  deadlines: DeadlinePolicy;
  retries: ReturnType<typeof retrying>;
  throttle: RetryThrottle;
  /** The pipeline's transport: attempts 2, 3, … (with telemetry on, behind the telemetry attempt stage). */
  transport: CallFn;
  /** With telemetry on: the call span around each call, the attempt span around the first attempt. */
  telemetry?: UnaryTelemetry;
  /** The client's `close()` signal: the calls that have no signal of their own wait on it as one group. */
  closing?: AbortSignal;
  /** True for the methods the client hedges: they take the pipeline. */
  hedged?: (method: MethodInfo) => boolean;
}): FastUnary {
  const { channel, hints, deadlines, retries, throttle, transport, closing, hedged, telemetry } = parts;
  const group = closing ? new CallGroup(closing) : undefined;

  /** After a failed first attempt: the pipeline's retry stage and deadline stage, then what the caller gets. */
  const afterFirstFailure = (
    req: UnaryRequest,
    deadline: number,
    firstError: unknown,
    release: () => void,
    span: TelemetryCall | undefined,
  ) => {
    const call = retries.afterFirstFailure(transport, req, firstError).catch((err: unknown) => {
      throw deadlineFailure(err, deadline, req);
    });
    return settleUnary(span ? ended(call, span) : call, req, release);
  };

  return {
    handles: (method, options) =>
      method.kind === 'unary' &&
      !method.hasRequestId &&
      options.retry === undefined &&
      options.hedging === undefined &&
      !hedged?.(method),
    call(req0, release) {
      const span = telemetry?.startCall(req0); // before the deadline, as the call stage is outside the deadline stage
      const deadline = callDeadline(deadlines, req0);
      const req: UnaryRequest = span
        ? { ...req0, deadline, attempt: 1, observer: span }
        : { ...req0, deadline, attempt: 1 };
      const method = req.method;
      return new Promise((resolve, reject) => {
        let attempt: TelemetryAttempt | undefined;
        const done: UnaryDone = (err, message, header, trailer) => {
          if (err) {
            const e = toPantryError(err, method.path, hints);
            attempt?.finish(e);
            return resolve(afterFirstFailure(req, deadline, e, release, span));
          }
          if (span) {
            attempt!.finish(undefined, message);
            if (!throttle.full) throttle.onSuccess();
            span.end(undefined);
          } else if (!throttle.full) throttle.onSuccess();
          release();
          const o = req.options;
          try {
            if (header && o.onHeader) o.onHeader(header);
            if (trailer && o.onTrailer) o.onTrailer(trailer);
          } catch (callbackError) {
            return reject(callbackError); // as the pipeline's path: a throwing callback rejects the call with its error
          }
          resolve(message);
        };
        const send = (metadata: CallMetadata) => {
          const bytes = encodeRequest(method, req.message);
          startUnary(channel, method.path, bytes, deserializerOf(method), metadata, deadline, req.signal, done, group);
        };
        if (!span) {
          try {
            send(req.metadata);
          } catch (err) {
            resolve(afterFirstFailure(req, deadline, err, release, undefined));
          }
          return;
        }
        // Telemetry on: the attempt's span, metrics and propagated metadata around the same first attempt.
        try {
          attempt = span.startAttempt(req);
        } catch (err) {
          // The attempt could not start (the propagator threw): the pipeline's stages would not retry it either.
          span.end(err);
          release();
          return reject(finishCallError(err, req));
        }
        try {
          attempt.send(send);
        } catch (err) {
          attempt.finish(err); // as the attempt stage, when the transport rejects
          resolve(afterFirstFailure(req, deadline, err, release, span));
        }
      });
    },
  };
}

/** `call` with the call span ended when it settles (before the caller's callbacks, as the call stage is inside them). */
function ended(call: Promise<CallResponse>, span: TelemetryCall): Promise<CallResponse> {
  return call.then(
    (res) => {
      span.end(undefined);
      return res;
    },
    (err: unknown) => {
      span.end(err);
      throw err;
    },
  );
}
