import type { CallMetadata } from '../metadata/call-metadata.js';
import type { CallObserver } from '../pipeline/call-observer.js';
import type { CallRequest, UnaryRequest } from '../pipeline/interceptor.js';

// The telemetry hooks of the client's fused unary path, in a file of their own that names no
// OpenTelemetry type: the package's public declarations reach it, and must compile without the
// optional peer @opentelemetry/api installed.

/**
 * The telemetry stages for the client's fused unary path, which makes its first attempt itself
 * and leaves attempts 2, 3, … to the `attempt` stage: the same call span, attempt spans, events,
 * metrics and propagated context as the two stages give a call of the pipeline.
 *
 * @example
 * const call = unary.startCall(req); // before the deadline: the call span covers the whole call
 * const attempt = call.startAttempt({ ...req, attempt: 1, observer: call });
 * attempt.send((metadata) => startUnary(…, metadata, …));
 * // the attempt settled: attempt.finish(err, message); the call settled: call.end(err)
 */
export interface UnaryTelemetry {
  /** Starts the span of a logical call, as the `call` stage does; pass it on as the request's `observer`. */
  startCall(req: CallRequest): TelemetryCall;
}

/** One logical call's span (see {@link UnaryTelemetry}). */
export interface TelemetryCall extends CallObserver {
  /** Starts attempt `req.attempt` as the `attempt` stage does: its span, metrics and propagated metadata. */
  startAttempt(req: UnaryRequest): TelemetryAttempt;
  /** Ends the call: with its final error (as the deadline stage passes it out), or `undefined`. */
  end(err: unknown): void;
}

/** One attempt started by {@link TelemetryCall.startAttempt}. */
export interface TelemetryAttempt {
  /** Runs `start` inside the attempt's context with the metadata to send (the propagator's fields injected). */
  send(start: (metadata: CallMetadata) => void): void;
  /** Ends the attempt: with its error, or with `undefined` and the response message. */
  finish(err: unknown, message?: unknown): void;
}
