import type { Metadata } from '@grpc/grpc-js';
import type { Attributes, Context, Span, TextMapSetter, Tracer } from '@opentelemetry/api';
import { Code, codeName } from '../errors/code.js';
import { PantryError } from '../errors/pantry-error.js';
import { asPantryError } from '../pipeline/call-error.js';
import type { CallObserver } from '../pipeline/call-observer.js';
import type { CallFn, CallRequest, CallResponse, Interceptor } from '../pipeline/interceptor.js';
import { isTransparentRetry, pushbackMs, type RetryDecision } from '../retry/policy.js';
import type { MessageType } from '../schema/message-type.js';
import type { MethodInfo } from '../schema/method-info.js';
import { grpcClientMetrics, type GrpcClientMetrics } from './grpc-metrics.js';
import type { OtelApi } from './otel-api.js';
import type { TelemetryOptions } from './telemetry-options.js';

/**
 * The server a client dials, for `server.address` / `server.port` and `grpc.target`.
 *
 * @example
 * const target: TelemetryTarget = { target: 'pantry.example.com:443', host: 'pantry.example.com', port: 443 };
 */
export interface TelemetryTarget {
  /** `host:port` as the channel dials it. */
  readonly target: string;
  readonly host: string;
  readonly port: number;
}

/**
 * The two stages of OpenTelemetry in a client's pipeline. `call` goes outermost: one CLIENT span
 * per logical call, named like `pantry.v1.FoodStorageService/AddFood` (with `rpc.system`,
 * `rpc.service`, `rpc.method`, `rpc.grpc.status_code`, `server.address`, `server.port`; on
 * failure an ERROR status, `error.type`, the error's hint as `pantry.error.hint` and an exception
 * event), the retry stage's backoff and the server's pushback as events, and
 * `grpc.client.call.duration`. `attempt` goes first inside the retry stage: one child span per
 * attempt named by gRFC A72 (`Attempt.pantry.v1.FoodStorageService.AddFood`, with
 * `previous-rpc-attempts`, `transparent-retry` and message events), the attempt's context injected
 * into its metadata through the global propagator (W3C `traceparent`, and `baggage` when the
 * app's propagator has it), and the gRFC A66 attempt metrics. Server streams end their spans when
 * the stream ends. Message sizes are the protobuf-encoded sizes (the client sends uncompressed).
 *
 * @example
 * const { call, attempt } = telemetryStages(loadOtelApi(), {}, { target: 'pantry:443', host: 'pantry', port: 443 }, '0.1.0');
 * composeInterceptors([call, deadline, retry, attempt], transport);
 */
export function telemetryStages(
  api: OtelApi,
  options: Readonly<TelemetryOptions>,
  server: TelemetryTarget,
  version: string,
): { call: Interceptor; attempt: Interceptor } {
  const tracer = ((options.tracerProvider as ReturnType<OtelApi['trace']['getTracerProvider']>) ?? api.trace).getTracer(
    '@pantry/client',
    version,
  );
  const meter = ((options.meterProvider as ReturnType<OtelApi['metrics']['getMeterProvider']>) ?? api.metrics).getMeter(
    '@pantry/client',
    version,
  );
  const metrics = grpcClientMetrics(meter);
  const grpcTarget = `dns:///${server.target}`;
  // With the API's no-op meter (no SDK registered) nothing reads the sizes: they are not measured.
  const meterIsNoop = meter.constructor === api.createNoopMeter().constructor;
  const parts: Parts = { api, tracer, metrics, grpcTarget, server, meterIsNoop };
  return {
    call: (next) => (req) => runCall(parts, next, req),
    attempt: (next) => (req) => runAttempt(parts, next, req),
  };
}

interface Parts {
  readonly api: OtelApi;
  readonly tracer: Tracer;
  readonly metrics: GrpcClientMetrics;
  readonly grpcTarget: string;
  readonly server: TelemetryTarget;
  readonly meterIsNoop: boolean;
}

/** One logical call's span, which the retry stage tells its decisions (see {@link CallObserver}). */
class CallSpan implements CallObserver {
  /** Whether the next attempt is a transparent retry (gRFC A6) of a refused one. */
  transparent = false;
  constructor(
    readonly span: Span,
    readonly context: Context,
  ) {}

  retryDecided(error: unknown, attempt: number, d: RetryDecision): void {
    const pushback = error instanceof PantryError ? pushbackMs(error) : undefined;
    if (pushback !== undefined)
      this.span.addEvent('pushback', {
        'grpc.retry.attempt': attempt,
        ...(pushback === 'stop' ? { 'grpc.retry.pushback': 'stop' } : { 'grpc.retry.pushback_ms': pushback }),
      });
    if (d.retry) {
      this.transparent = isTransparentRetry(error, attempt);
      this.span.addEvent('backoff', { 'grpc.retry.attempt': attempt, 'grpc.retry.delay_ms': d.delayMs });
    } else this.span.addEvent('no retry', { 'grpc.retry.attempt': attempt, 'grpc.retry.reason': d.reason });
  }
}

function runCall(p: Parts, next: CallFn, req: CallRequest): Promise<CallResponse> {
  const { api, server } = p;
  const parent = api.context.active();
  const span = p.tracer.startSpan(
    req.method.path.slice(1),
    {
      kind: api.SpanKind.CLIENT,
      attributes: {
        'rpc.system': 'grpc',
        'rpc.service': req.method.service,
        'rpc.method': req.method.name,
        'server.address': server.host,
        'server.port': server.port,
      },
    },
    parent,
  );
  const observer = new CallSpan(span, api.trace.setSpan(parent, span));
  const started = performance.now();
  const end = (err: unknown) => {
    const code = settleSpan(p.api, span, req.method, err);
    p.metrics.callDuration.record((performance.now() - started) / 1000, metricAttributes(p, req.method, code));
    span.end();
  };
  return settle(() => next({ ...req, observer }), end);
}

function runAttempt(p: Parts, next: CallFn, req: CallRequest): Promise<CallResponse> {
  const { api, metrics } = p;
  const call = req.observer instanceof CallSpan ? req.observer : undefined;
  const parent = call?.context ?? api.context.active();
  const span = p.tracer.startSpan(
    `Attempt.${req.method.path.slice(1).replace('/', '.')}`,
    {
      kind: api.SpanKind.INTERNAL,
      attributes: {
        'previous-rpc-attempts': Math.max(0, req.attempt - 1),
        'transparent-retry': call?.transparent ?? false,
      },
    },
    parent,
  );
  const context = api.trace.setSpan(parent, span);
  const metadata = req.metadata.clone();
  api.propagation.inject(context, metadata, metadataSetter);
  const method = req.method;
  metrics.attemptStarted.add(1, { 'grpc.method': method.path.slice(1), 'grpc.target': p.grpcTarget });
  const recording = span.isRecording();
  const sizes = recording || !p.meterIsNoop;
  const sent = sizes ? encodedSize(method.requestType, req.message) : 0;
  if (recording) span.addEvent('Outbound message', messageEvent(0, sent));
  let received = 0;
  let messages = 0;
  const started = performance.now();
  const onMessage = (message: unknown) => {
    if (!sizes) return;
    const size = encodedSize(method.responseType, message);
    received += size;
    if (recording) span.addEvent('Inbound message', messageEvent(messages, size));
    messages++;
  };
  const end = (err: unknown) => {
    const code = settleSpan(api, span, method, err);
    const attributes = metricAttributes(p, method, code);
    metrics.attemptDuration.record((performance.now() - started) / 1000, attributes);
    metrics.attemptSentSize.record(sent, attributes);
    metrics.attemptRcvdSize.record(received, attributes);
    span.end();
  };
  return settle(() => api.context.with(context, next, undefined, { ...req, metadata }), end, onMessage);
}

/**
 * Runs `start` and calls `end` once when the call is over: at once for a unary response (after
 * `onMessage` saw its message) or an error, at the end of a server stream (its end, its error, or
 * the caller leaving it early, which ends as `CANCELLED`).
 */
function settle(
  start: () => Promise<CallResponse>,
  end: (err: unknown) => void,
  onMessage?: (message: unknown) => void,
): Promise<CallResponse> {
  let pending: Promise<CallResponse>;
  try {
    pending = start();
  } catch (err) {
    end(err);
    throw err;
  }
  return pending.then(
    (res) => {
      if (res.kind === 'server_streaming') return { ...res, stream: observed(res.stream, end, onMessage) };
      onMessage?.(res.message);
      end(undefined);
      return res;
    },
    (err: unknown) => {
      end(err);
      throw err;
    },
  );
}

function observed(
  stream: AsyncIterable<unknown>,
  end: (err: unknown) => void,
  onMessage?: (message: unknown) => void,
): AsyncIterable<unknown> {
  let ended = false;
  const once = (err: unknown) => {
    if (ended) return;
    ended = true;
    end(err);
  };
  return {
    [Symbol.asyncIterator]() {
      const inner = stream[Symbol.asyncIterator]();
      return {
        next: () =>
          inner.next().then(
            (r) => {
              if (r.done) once(undefined);
              else onMessage?.(r.value);
              return r;
            },
            (err: unknown) => {
              once(err);
              throw err;
            },
          ),
        return: async () => {
          once(new PantryError({ code: Code.CANCELLED, details: 'the caller stopped reading the stream' }));
          return (await inner.return?.()) ?? { done: true, value: undefined };
        },
      };
    },
  };
}

/** Sets the status of a call or attempt span from how it ended; returns its gRPC code. */
function settleSpan(api: OtelApi, span: Span, method: MethodInfo, err: unknown): Code {
  if (err === undefined) {
    span.setAttribute('rpc.grpc.status_code', Code.OK);
    return Code.OK;
  }
  const e = asPantryError(err, method.path);
  span.setAttribute('rpc.grpc.status_code', e.code);
  if (!span.isRecording()) return e.code;
  span.setAttribute('error.type', e.codeName);
  if (e.hint) span.setAttribute('pantry.error.hint', e.hint);
  span.recordException({ name: e.name, message: e.message });
  span.setStatus({ code: api.SpanStatusCode.ERROR, message: `${e.codeName}: ${e.details}` });
  return e.code;
}

function metricAttributes(p: Parts, method: MethodInfo, code: Code): Attributes {
  return { 'grpc.method': method.path.slice(1), 'grpc.target': p.grpcTarget, 'grpc.status': codeName(code) };
}

function messageEvent(sequence: number, size: number): Attributes {
  return { 'sequence-number': sequence, 'message-size': size, 'message-size-compressed': size };
}

function encodedSize(type: MessageType<unknown>, message: unknown): number {
  try {
    return type.encode(message).finish().length;
  } catch {
    return 0; // a message the transport could not encode either: its attempt fails on its own
  }
}

/** Writes the propagator's fields (`traceparent`, `tracestate`, `baggage`) into request metadata. */
const metadataSetter: TextMapSetter<Metadata> = {
  set(carrier, key, value) {
    carrier.set(key, value);
  },
};
