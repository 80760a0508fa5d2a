import type { Attributes, Context, Span, TextMapSetter, Tracer } from '@opentelemetry/api';
import { Code, codeName } from '../errors/code.js';
import { PantryError } from '../errors/pantry-error.js';
import type { CallMetadata } from '../metadata/call-metadata.js';
import { asPantryError } from '../pipeline/call-error.js';
import type { CallObserver } from '../pipeline/call-observer.js';
import type { CallFn, CallRequest, CallResponse, Interceptor, UnaryRequest } from '../pipeline/interceptor.js';
import { isTransparentRetry, pushbackMs, type RetryDecision } from '../retry/policy.js';
import type { MessageType } from '../schema/message-type.js';
import type { MethodInfo } from '../schema/method-info.js';
import { grpcClientMetrics, type GrpcClientMetrics } from './grpc-metrics.js';
import type { OtelApi } from './otel-api.js';
import type { TelemetryOptions } from './telemetry-options.js';
import type { TelemetryAttempt, TelemetryCall, UnaryTelemetry } from './unary-telemetry.js';

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
 * `unary` is the same two stages for the client's fused unary path ({@link UnaryTelemetry}).
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
): { call: Interceptor; attempt: Interceptor; unary: UnaryTelemetry } {
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
  const parts: Parts = { api, tracer, metrics, grpcTarget, server, meterIsNoop, methods: new Map() };
  return {
    call: (next) => (req) => runCall(parts, next, req),
    attempt: (next) => (req) => runAttempt(parts, next, req),
    unary: { startCall: (req) => new CallSpan(parts, req) },
  };
}

interface Parts {
  readonly api: OtelApi;
  readonly tracer: Tracer;
  readonly metrics: GrpcClientMetrics;
  readonly grpcTarget: string;
  readonly server: TelemetryTarget;
  readonly meterIsNoop: boolean;
  /** What each method's spans and metrics reuse, by method path. */
  readonly methods: Map<string, MethodParts>;
}

/** The names and metric attributes of one method, made once per client. */
interface MethodParts {
  readonly callName: string;
  readonly attemptName: string;
  readonly started: Attributes;
  /** By gRPC code; the metric SDK keeps attributes it is given as they are, so one object serves every record. */
  readonly byCode: Attributes[];
}

function methodParts(p: Parts, method: MethodInfo): MethodParts {
  let m = p.methods.get(method.path);
  if (!m) {
    const name = method.path.slice(1);
    m = {
      callName: name,
      attemptName: `Attempt.${name.replace('/', '.')}`,
      started: { 'grpc.method': name, 'grpc.target': p.grpcTarget },
      byCode: [],
    };
    p.methods.set(method.path, m);
  }
  return m;
}

function metricAttributes(p: Parts, method: MethodInfo, code: Code): Attributes {
  const m = methodParts(p, method);
  let attributes = m.byCode[code];
  if (!attributes) {
    attributes = { 'grpc.method': m.callName, 'grpc.target': p.grpcTarget, 'grpc.status': codeName(code) };
    m.byCode[code] = attributes;
  }
  return attributes;
}

/** One logical call's span, which the retry stage tells its decisions (see {@link CallObserver}). */
class CallSpan implements TelemetryCall {
  /** Whether the next attempt is a transparent retry (gRFC A6) of a refused one. */
  transparent = false;
  readonly span: Span;
  readonly context: Context;
  private readonly started = performance.now();

  constructor(
    private readonly p: Parts,
    private readonly req: CallRequest,
  ) {
    const { api, server } = p;
    const parent = api.context.active();
    this.span = p.tracer.startSpan(
      methodParts(p, req.method).callName,
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
    this.context = api.trace.setSpan(parent, this.span);
  }

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

  startAttempt(req: UnaryRequest): TelemetryAttempt {
    return new AttemptSpan(this.p, req, this);
  }

  end(err: unknown): void {
    const { p, req } = this;
    const code = settleSpan(p.api, this.span, req.method, err);
    if (!p.meterIsNoop)
      p.metrics.callDuration.record((performance.now() - this.started) / 1000, metricAttributes(p, req.method, code));
    this.span.end();
  }
}

/** One attempt's span, metrics and metadata. */
class AttemptSpan implements TelemetryAttempt {
  readonly span: Span;
  readonly context: Context;
  /** The attempt's metadata: the request's, copied only when the propagator writes into it. */
  readonly metadata: CallMetadata;
  private readonly recording: boolean;
  private readonly sizes: boolean;
  private readonly sent: number;
  private received = 0;
  private messages = 0;
  private readonly started: number;

  constructor(
    private readonly p: Parts,
    private readonly req: CallRequest,
    call: CallSpan | undefined,
  ) {
    const { api, metrics } = p;
    const parent = call?.context ?? api.context.active();
    const method = req.method;
    const m = methodParts(p, method);
    this.span = p.tracer.startSpan(
      m.attemptName,
      {
        kind: api.SpanKind.INTERNAL,
        attributes: {
          'previous-rpc-attempts': Math.max(0, req.attempt - 1),
          'transparent-retry': call?.transparent ?? false,
        },
      },
      parent,
    );
    this.context = api.trace.setSpan(parent, this.span);
    const carrier: Carrier = { base: req.metadata, copy: undefined };
    api.propagation.inject(this.context, carrier, metadataSetter);
    this.metadata = carrier.copy ?? req.metadata;
    if (!p.meterIsNoop) metrics.attemptStarted.add(1, m.started);
    this.recording = this.span.isRecording();
    this.sizes = this.recording || !p.meterIsNoop;
    this.sent = this.sizes ? encodedSize(method.requestType, req.message) : 0;
    if (this.recording) this.span.addEvent('Outbound message', messageEvent(0, this.sent));
    this.started = performance.now();
  }

  send(start: (metadata: CallMetadata) => void): void {
    this.p.api.context.with(this.context, start, undefined, this.metadata);
  }

  finish(err: unknown, message?: unknown): void {
    if (err === undefined) this.message(message);
    this.end(err);
  }

  message(message: unknown): void {
    if (!this.sizes) return;
    const size = encodedSize(this.req.method.responseType, message);
    this.received += size;
    if (this.recording) this.span.addEvent('Inbound message', messageEvent(this.messages, size));
    this.messages++;
  }

  end(err: unknown): void {
    const { p, req } = this;
    const code = settleSpan(p.api, this.span, req.method, err);
    if (!p.meterIsNoop) {
      const attributes = metricAttributes(p, req.method, code);
      p.metrics.attemptDuration.record((performance.now() - this.started) / 1000, attributes);
      p.metrics.attemptSentSize.record(this.sent, attributes);
      p.metrics.attemptRcvdSize.record(this.received, attributes);
    }
    this.span.end();
  }
}

function runCall(p: Parts, next: CallFn, req: CallRequest): Promise<CallResponse> {
  const observer = new CallSpan(p, req);
  return settle(
    () => next({ ...req, observer }),
    (err) => observer.end(err),
  );
}

function runAttempt(p: Parts, next: CallFn, req: CallRequest): Promise<CallResponse> {
  const a = new AttemptSpan(p, req, req.observer instanceof CallSpan ? req.observer : undefined);
  return settle(
    () => p.api.context.with(a.context, next, undefined, { ...req, metadata: a.metadata }),
    (err) => a.end(err),
    (message) => a.message(message),
  );
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

/** An attempt's metadata while the propagator writes: the request's, and its copy once a field is written. */
interface Carrier {
  readonly base: CallMetadata;
  copy: CallMetadata | undefined;
}

/**
 * Writes the propagator's fields (`traceparent`, `tracestate`, `baggage`) into a copy of the
 * request's metadata, made at the first field: a propagator that writes nothing (none registered)
 * costs no copy, and the request's metadata, which every attempt starts from, is never changed.
 */
const metadataSetter: TextMapSetter<Carrier> = {
  set(carrier, key, value) {
    if (!carrier.copy) carrier.copy = carrier.base.clone();
    carrier.copy.set(key, value);
  },
};
