import { Metadata, type ChannelInterface, type ServiceError } from '@grpc/grpc-js';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type HistogramMetricData,
  type MetricData,
  type SumMetricData,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type CallFn,
  type CallMetadata,
  type CallRequest,
  type CallResponse,
  Code,
  createClient,
  PantryError,
} from '../../src/index.js';
import { HelloServiceDefinition } from '../../src/generated/hello/v1/hello.js';
import { FoodStorageServiceDefinition as S } from '../../src/generated/pantry/v1/food_storage_service.js';
import { Tracer } from '../../src/observability/tracer.js';
import { deadlineStage } from '../../src/pipeline/deadline.js';
import { composeInterceptors } from '../../src/pipeline/interceptor.js';
import { retryStage } from '../../src/pipeline/retry-stage.js';
import { DEFAULT_RETRY } from '../../src/retry/policy.js';
import { RetryThrottle } from '../../src/retry/throttle.js';
import { methodInfo, type MethodInfo } from '../../src/schema/method-info.js';
import { loadOtelApi } from '../../src/telemetry/otel-api.js';
import { telemetryStages } from '../../src/telemetry/telemetry-stage.js';
import { fastUnary } from '../../src/client/fast-unary.js';
import { retrying } from '../../src/pipeline/retry-stage.js';
import type { UnaryRequest } from '../../src/pipeline/interceptor.js';

// The OpenTelemetry stages with the SDK's in-memory exporters, around the real deadline and retry
// stages and a scripted transport: the span tree of a retried call, status codes, events, the
// traceparent each attempt sends, and the gRFC A66 metrics with their attributes and values.
// The unary tests run twice: through the pipeline, and through the client's fused unary path
// (fastUnary with the telemetry hooks), whose first attempt goes to a channel that answers from
// the same scripted transport (attempts 2, 3, … go through the attempt stage to the transport).

const counted = vi.hoisted(() => ({ fastCalls: 0 }));

// A channel of the fused path's tests carries its scripted transport: the first attempt is
// answered from it (its errors as they are); any other channel is grpc-js's.
vi.mock('../../src/transport/unary-call.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/transport/unary-call.js')>();
  const startUnary: typeof real.startUnary = (channel, ...rest) => {
    const scripted = (channel as { scripted?: CallFn }).scripted;
    if (!scripted) return real.startUnary(channel, ...rest);
    const [, , , metadata, , , done] = rest;
    scripted({ metadata } as CallRequest).then(
      (res) => (res.kind === 'unary' ? done(null, res.message, undefined, undefined) : undefined),
      (err: unknown) => done(err as ServiceError, undefined, undefined, undefined),
    );
  };
  return { ...real, startUnary };
});

// Counts the calls every client's fused unary path takes.
vi.mock('../../src/client/fast-unary.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/client/fast-unary.js')>();
  const fastUnary: typeof real.fastUnary = (parts) => {
    const fast = real.fastUnary(parts);
    return {
      handles: fast.handles,
      call(req, release) {
        counted.fastCalls++;
        return fast.call(req, release);
      },
    };
  };
  return { ...real, fastUnary };
});

const hello = methodInfo(HelloServiceDefinition, HelloServiceDefinition.methods.hello);
const getFood = methodInfo(S, S.methods.getFood);
const watch = methodInfo(S, S.methods.watchExpiringFoods);
const quiet = new Tracer({ trace: '' }, {});
const server = { target: 'pantry.test:443', host: 'pantry.test', port: 443 };

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
});
afterAll(() => {
  context.disable();
  propagation.disable();
  trace.disable();
});

type Path = 'pipeline' | 'fast';

/** Fresh SDK providers with in-memory exporters, and the pipeline of a client around `transport`. */
const setup = (transport: CallFn) => setupOn('pipeline', transport);

/**
 * Fresh SDK providers with in-memory exporters, and a client's calls around `transport`: through
 * the pipeline, or (`fast`) unary calls through the fused path with the telemetry hooks, its
 * first attempt answered by `transport` too (server streams still take the pipeline).
 */
function setupOn(path: Path, transport: CallFn) {
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const { call, attempt, unary } = telemetryStages(loadOtelApi(), { tracerProvider, meterProvider }, server, '0.1.0');
  const retry = { ...DEFAULT_RETRY, initialBackoffMs: 1, maxBackoffMs: 2 };
  const deadlines = { deadlineMs: 10_000, streamDeadlineMs: Infinity, methodDeadlineMs: {} };
  const throttle = new RetryThrottle();
  const full = composeInterceptors(
    [call, deadlineStage(deadlines, quiet), retryStage(retry, throttle, quiet), attempt],
    transport,
  );
  const pipeline =
    path === 'pipeline' ? full : viaFastPath(full, transport, unary, attempt, retry, throttle, deadlines);
  const metrics = async (): Promise<MetricData[]> => {
    await reader.forceFlush();
    return (
      metricExporter
        .getMetrics()
        .at(-1)
        ?.scopeMetrics.flatMap((s) => s.metrics) ?? []
    );
  };
  return { pipeline, spans: () => spans.getFinishedSpans(), metrics };
}

/** What a client with `fast` set does: its unary calls through the fused path, the rest through the pipeline. */
function viaFastPath(
  full: CallFn,
  transport: CallFn,
  unary: ReturnType<typeof telemetryStages>['unary'],
  attempt: ReturnType<typeof telemetryStages>['attempt'],
  retry: typeof DEFAULT_RETRY,
  throttle: RetryThrottle,
  deadlines: { deadlineMs: number; streamDeadlineMs: number; methodDeadlineMs: Record<string, number> },
): CallFn {
  const fast = fastUnary({
    channel: { scripted: transport } as unknown as ChannelInterface,
    hints: { address: server.target, insecure: false },
    deadlines,
    retries: retrying(retry, throttle, quiet),
    throttle,
    transport: attempt(transport),
    telemetry: unary,
  });
  return (req) =>
    fast.handles(req.method, req.options)
      ? fast.call(req as UnaryRequest, () => {}).then((message) => ({ kind: 'unary', message }))
      : full(req);
}

function request(method: MethodInfo, message: unknown = {}): CallRequest {
  return {
    kind: method.kind,
    method,
    message: method.requestType.fromPartial(message as object),
    metadata: new Metadata(),
    deadline: Infinity,
    options: {},
    attempt: 0,
    startedAt: Date.now(),
  } as CallRequest;
}

const unavailable = () =>
  new PantryError({ code: Code.UNAVAILABLE, details: 'connection refused', method: getFood.path, hint: 'is it up?' });

/** A transport that fails the first `failures` attempts with `error()`, keeping each attempt's metadata. */
function scripted(failures: number, error: () => PantryError, response: CallResponse) {
  const seen: CallMetadata[] = [];
  const transport: CallFn = async (req) => {
    seen.push(req.metadata);
    if (seen.length <= failures) throw error();
    return response;
  };
  return { transport, seen };
}

const byName = (spans: ReadableSpan[], name: string) => spans.filter((s) => s.name === name);
const metric = (all: MetricData[], name: string) => {
  const m = all.find((x) => x.descriptor.name === name);
  if (!m) throw new Error(`no metric ${name} among ${all.map((x) => x.descriptor.name).join(', ')}`);
  return m;
};

for (const path of ['pipeline', 'fast'] as const) {
  const setup = (transport: CallFn) => setupOn(path, transport);

  describe(`through the ${path === 'fast' ? "client's fused unary path" : 'pipeline'}`, () => {
    it(path === 'fast' ? 'takes the fused path for unary calls' : 'takes the pipeline', async () => {
      const before = counted.fastCalls;
      const { transport, seen } = scripted(2, unavailable, { kind: 'unary', message: {} });
      await setup(transport).pipeline(request(getFood, { id: 'f-1' }));
      expect(seen).toHaveLength(3);
      expect(counted.fastCalls - before).toBe(path === 'fast' ? 1 : 0);
    });
  });

  describe('a call retried twice', () => {
    const food = { food: { id: 'f-1', name: '保存水 2L', quantity: 6 } };
    const body = getFood.requestType.encode(getFood.requestType.fromPartial({ id: 'f-1' })).finish().length;
    const answer = getFood.responseType.encode(getFood.responseType.fromPartial(food)).finish().length;

    it('makes one CLIENT call span with three attempt spans under it, each sending its own traceparent', async () => {
      const { transport, seen } = scripted(2, unavailable, {
        kind: 'unary',
        message: getFood.responseType.fromPartial(food),
      });
      const t = setup(transport);
      await t.pipeline(request(getFood, { id: 'f-1' }));
      const spans = t.spans();
      expect(spans).toHaveLength(4);
      const [callSpan] = byName(spans, 'pantry.v1.FoodStorageService/GetFood');
      expect(callSpan!.kind).toBe(SpanKind.CLIENT);
      expect(callSpan!.attributes).toEqual({
        'rpc.system': 'grpc',
        'rpc.service': 'pantry.v1.FoodStorageService',
        'rpc.method': 'GetFood',
        'server.address': 'pantry.test',
        'server.port': 443,
        'rpc.grpc.status_code': Code.OK,
      });
      expect(callSpan!.status.code).toBe(SpanStatusCode.UNSET);
      expect(callSpan!.events.map((e) => [e.name, e.attributes?.['grpc.retry.attempt']])).toEqual([
        ['backoff', 1],
        ['backoff', 2],
      ]);
      expect(callSpan!.events[0]!.attributes!['grpc.retry.delay_ms']).toBeGreaterThanOrEqual(0);

      const attempts = byName(spans, 'Attempt.pantry.v1.FoodStorageService.GetFood');
      expect(attempts).toHaveLength(3);
      expect(attempts.map((a) => a.attributes['previous-rpc-attempts'])).toEqual([0, 1, 2]);
      expect(attempts.map((a) => a.attributes['transparent-retry'])).toEqual([false, false, false]);
      expect(attempts.map((a) => a.attributes['rpc.grpc.status_code'])).toEqual([
        Code.UNAVAILABLE,
        Code.UNAVAILABLE,
        Code.OK,
      ]);
      expect(attempts.map((a) => a.status.code)).toEqual([
        SpanStatusCode.ERROR,
        SpanStatusCode.ERROR,
        SpanStatusCode.UNSET,
      ]);
      expect(attempts[0]!.status.message).toBe('UNAVAILABLE: connection refused');
      expect(attempts[0]!.attributes['pantry.error.hint']).toBe('is it up?');
      expect(attempts[2]!.events.map((e) => [e.name, e.attributes?.['message-size']])).toEqual([
        ['Outbound message', body],
        ['Inbound message', answer],
      ]);
      const traceId = callSpan!.spanContext().traceId;
      for (const [i, a] of attempts.entries()) {
        expect(a.parentSpanContext?.spanId).toBe(callSpan!.spanContext().spanId);
        expect(a.spanContext().traceId).toBe(traceId);
        // What went on the wire for attempt i: its own span as the parent.
        expect(seen[i]!.get('traceparent')).toEqual([`00-${traceId}-${a.spanContext().spanId}-01`]);
      }
    });

    it('records the gRFC A66 metrics: 3 attempts started, 2 UNAVAILABLE and 1 OK, one OK call', async () => {
      const { transport } = scripted(2, unavailable, {
        kind: 'unary',
        message: getFood.responseType.fromPartial(food),
      });
      const t = setup(transport);
      await t.pipeline(request(getFood, { id: 'f-1' }));
      const all = await t.metrics();
      const base = { 'grpc.method': 'pantry.v1.FoodStorageService/GetFood', 'grpc.target': 'dns:///pantry.test:443' };

      const started = metric(all, 'grpc.client.attempt.started') as SumMetricData;
      expect(started.descriptor.unit).toBe('{attempt}');
      expect(started.dataPoints.map((p) => [p.attributes, p.value])).toEqual([[base, 3]]);

      const histogram = (name: string) => {
        const m = metric(all, name) as HistogramMetricData;
        return Object.fromEntries(m.dataPoints.map((p) => [String(p.attributes['grpc.status']), p]));
      };
      const duration = histogram('grpc.client.attempt.duration');
      expect(duration.UNAVAILABLE!.attributes).toEqual({ ...base, 'grpc.status': 'UNAVAILABLE' });
      expect(duration.UNAVAILABLE!.value.count).toBe(2);
      expect(duration.OK!.value.count).toBe(1);
      expect(duration.OK!.value.sum).toBeGreaterThan(0);
      expect(duration.OK!.value.sum).toBeLessThan(5); // seconds, not milliseconds
      expect((metric(all, 'grpc.client.attempt.duration') as HistogramMetricData).descriptor.unit).toBe('s');

      const sent = histogram('grpc.client.attempt.sent_total_compressed_message_size');
      expect([sent.UNAVAILABLE!.value.sum, sent.OK!.value.sum]).toEqual([2 * body, body]);
      const rcvd = histogram('grpc.client.attempt.rcvd_total_compressed_message_size');
      expect([rcvd.UNAVAILABLE!.value.sum, rcvd.OK!.value.sum]).toEqual([0, answer]);
      expect(
        (metric(all, 'grpc.client.attempt.sent_total_compressed_message_size') as HistogramMetricData).descriptor.unit,
      ).toBe('By');

      const calls = histogram('grpc.client.call.duration');
      expect(Object.keys(calls)).toEqual(['OK']);
      expect(calls.OK!.value.count).toBe(1);
      // The call covers its attempts and the backoffs between them.
      expect(calls.OK!.value.sum).toBeGreaterThanOrEqual(duration.OK!.value.sum!);
    });
  });

  describe('a failed call', () => {
    it('ends its call span with ERROR, the code, the hint, and why it was not retried', async () => {
      const notFound = () =>
        new PantryError({
          code: Code.NOT_FOUND,
          details: 'no food "f-9"',
          method: getFood.path,
          hint: 'list the foods',
        });
      const t = setup(scripted(9, notFound, { kind: 'unary', message: {} }).transport);
      const err = await t.pipeline(request(getFood, { id: 'f-9' })).catch((e: unknown) => e);
      expect((err as PantryError).code).toBe(Code.NOT_FOUND);
      const [callSpan] = byName(t.spans(), 'pantry.v1.FoodStorageService/GetFood');
      expect(callSpan!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'NOT_FOUND: no food "f-9"' });
      expect(callSpan!.attributes['rpc.grpc.status_code']).toBe(Code.NOT_FOUND);
      expect(callSpan!.attributes['error.type']).toBe('NOT_FOUND');
      expect(callSpan!.attributes['pantry.error.hint']).toBe('list the foods');
      expect(callSpan!.events.map((e) => e.name)).toEqual(['no retry', 'exception']);
      expect(callSpan!.events[0]!.attributes!['grpc.retry.reason']).toBe('NOT_FOUND is not retryable');
      const calls = metric(await t.metrics(), 'grpc.client.call.duration') as HistogramMetricData;
      expect(calls.dataPoints.map((p) => p.attributes['grpc.status'])).toEqual(['NOT_FOUND']);
    });

    it('puts the server pushback and the backoff it chose on the call span', async () => {
      const exhausted = () => {
        const metadata = new Metadata();
        metadata.set('grpc-retry-pushback-ms', '25');
        return new PantryError({ code: Code.RESOURCE_EXHAUSTED, details: 'slow down', method: hello.path, metadata });
      };
      const t = setup(scripted(1, exhausted, { kind: 'unary', message: {} }).transport);
      await t.pipeline(request(hello));
      const [callSpan] = byName(t.spans(), 'hello.v1.HelloService/Hello');
      expect(callSpan!.events.map((e) => [e.name, e.attributes])).toEqual([
        ['pushback', { 'grpc.retry.attempt': 1, 'grpc.retry.pushback_ms': 25 }],
        ['backoff', { 'grpc.retry.attempt': 1, 'grpc.retry.delay_ms': 25 }],
      ]);
    });
  });

  describe('pushback that says stop', () => {
    it('is an event, and so is the retry it prevented', async () => {
      const stop = () => {
        const metadata = new Metadata();
        metadata.set('grpc-retry-pushback-ms', '-1');
        return new PantryError({ code: Code.UNAVAILABLE, details: 'draining', method: hello.path, metadata });
      };
      const t = setup(scripted(1, stop, { kind: 'unary', message: {} }).transport);
      await t.pipeline(request(hello)).catch(() => {});
      const [callSpan] = byName(t.spans(), 'hello.v1.HelloService/Hello');
      expect(callSpan!.events.slice(0, 2).map((e) => [e.name, e.attributes])).toEqual([
        ['pushback', { 'grpc.retry.attempt': 1, 'grpc.retry.pushback': 'stop' }],
        ['no retry', { 'grpc.retry.attempt': 1, 'grpc.retry.reason': 'server pushback says stop' }],
      ]);
    });
  });

  describe('context', () => {
    it('sends no traceparent when no global propagator is registered', async () => {
      propagation.disable();
      try {
        const { transport, seen } = scripted(0, unavailable, { kind: 'unary', message: {} });
        const t = setup(transport);
        await t.pipeline(request(hello));
        expect(t.spans()).toHaveLength(2);
        expect(seen[0]!.get('traceparent')).toEqual([]);
      } finally {
        propagation.setGlobalPropagator(
          new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
        );
      }
    });

    it("makes the call span a child of the app's active span and sends the app's baggage", async () => {
      const { transport, seen } = scripted(0, unavailable, { kind: 'unary', message: {} });
      const t = setup(transport);
      const appTracer = new BasicTracerProvider().getTracer('app');
      const appSpan = appTracer.startSpan('handle request');
      const ctx = propagation.setBaggage(
        trace.setSpan(context.active(), appSpan),
        propagation.createBaggage({ tenant: { value: 'kitchen' } }),
      );
      await context.with(ctx, () => t.pipeline(request(hello)));
      appSpan.end();
      const [callSpan] = byName(t.spans(), 'hello.v1.HelloService/Hello');
      expect(callSpan!.parentSpanContext?.spanId).toBe(appSpan.spanContext().spanId);
      expect(callSpan!.spanContext().traceId).toBe(appSpan.spanContext().traceId);
      expect(seen[0]!.get('baggage')).toEqual(['tenant=kitchen']);
    });
  });
}

describe('a server stream', () => {
  it('ends its spans when the stream ends, counting every message received', async () => {
    const message = (name: string) =>
      watch.responseType.fromPartial({ food: { id: name, name, quantity: 1 }, daysLeft: 3 });
    const sent = [message('rice'), message('beans')];
    const t = setup(async () => ({
      kind: 'server_streaming',
      header: new Metadata(),
      stream: (async function* () {
        yield* sent;
      })(),
    }));
    const res = await t.pipeline(request(watch, { withinDays: 30 }));
    expect(t.spans()).toHaveLength(0); // open while the stream is
    if (res.kind !== 'server_streaming') throw new Error('not a stream');
    const got: unknown[] = [];
    for await (const m of res.stream) got.push(m);
    expect(got).toHaveLength(2);
    const [attemptSpan] = byName(t.spans(), 'Attempt.pantry.v1.FoodStorageService.WatchExpiringFoods');
    expect(attemptSpan!.events.filter((e) => e.name === 'Inbound message')).toHaveLength(2);
    expect(byName(t.spans(), 'pantry.v1.FoodStorageService/WatchExpiringFoods')).toHaveLength(1);
    const rcvd = metric(
      await t.metrics(),
      'grpc.client.attempt.rcvd_total_compressed_message_size',
    ) as HistogramMetricData;
    const bytes = sent.reduce((n: number, m) => n + watch.responseType.encode(m).finish().length, 0);
    expect(rcvd.dataPoints.map((p) => [p.attributes['grpc.status'], p.value.sum])).toEqual([['OK', bytes]]);
  });

  it('ends as CANCELLED when the caller leaves the stream early', async () => {
    const t = setup(async () => ({
      kind: 'server_streaming',
      header: new Metadata(),
      stream: (async function* () {
        yield watch.responseType.fromPartial({ daysLeft: 1 });
        yield watch.responseType.fromPartial({ daysLeft: 2 });
      })(),
    }));
    const res = await t.pipeline(request(watch));
    if (res.kind !== 'server_streaming') throw new Error('not a stream');
    for await (const _ of res.stream) break;
    const codes = t.spans().map((s) => s.attributes['rpc.grpc.status_code']);
    expect(codes).toEqual([Code.CANCELLED, Code.CANCELLED]);
  });
});

describe('with no SDK registered (the API no-ops)', () => {
  it('passes responses and streams through unchanged and sends no traceparent', async () => {
    const { transport, seen } = scripted(1, unavailable, { kind: 'unary', message: { message: 'hi' } });
    const { call, attempt } = telemetryStages(loadOtelApi(), {}, server, '0.1.0');
    const retry = retryStage({ ...DEFAULT_RETRY, initialBackoffMs: 1, maxBackoffMs: 2 }, new RetryThrottle(), quiet);
    const res = await composeInterceptors([call, retry, attempt], transport)(request(hello));
    expect(res).toEqual({ kind: 'unary', message: { message: 'hi' } });
    expect(seen.map((m) => m.get('traceparent'))).toEqual([[], []]);
  });
});

describe('with no SDK registered, on the fused unary path', () => {
  it('passes the response through, sends no traceparent and sends the request metadata uncopied', async () => {
    const { transport, seen } = scripted(1, unavailable, { kind: 'unary', message: { message: 'hi' } });
    const api = loadOtelApi();
    const { call, attempt, unary } = telemetryStages(api, {}, server, '0.1.0');
    const retry = { ...DEFAULT_RETRY, initialBackoffMs: 1, maxBackoffMs: 2 };
    const throttle = new RetryThrottle();
    const deadlines = { deadlineMs: 10_000, streamDeadlineMs: Infinity, methodDeadlineMs: {} };
    const calls = viaFastPath(
      composeInterceptors([call, retryStage(retry, throttle, quiet), attempt], transport),
      transport,
      unary,
      attempt,
      retry,
      throttle,
      deadlines,
    );
    const before = counted.fastCalls;
    const req = request(hello);
    propagation.disable(); // the API's own no-op propagator, as in an app without the SDK
    try {
      const res = await calls(req);
      expect(res).toEqual({ kind: 'unary', message: { message: 'hi' } });
    } finally {
      propagation.setGlobalPropagator(
        new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
      );
    }
    expect(counted.fastCalls - before).toBe(1);
    expect(seen.map((m) => m.get('traceparent'))).toEqual([[], []]);
    // Nothing to inject: both attempts send the call's own metadata, not a copy.
    expect(seen).toEqual([req.metadata, req.metadata]);
    expect(seen[0]).toBe(req.metadata);
    expect(seen[1]).toBe(req.metadata);
  });
});

describe('createClient({ telemetry })', () => {
  it('with true, reports a real failed call through the global providers, the hint included', async () => {
    const spans = new InMemorySpanExporter();
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }));
    try {
      // Nothing listens on port 1: the call fails UNAVAILABLE at once, with a hint.
      const client = createClient({ address: '127.0.0.1:1', insecure: true, retry: false, telemetry: true });
      const before = counted.fastCalls;
      const err = (await client.hello.hello({}).catch((e: unknown) => e)) as PantryError;
      client.close();
      expect(counted.fastCalls - before).toBe(1); // telemetry on: still the fused unary path
      expect(err.code).toBe(Code.UNAVAILABLE);
      const [callSpan] = byName(spans.getFinishedSpans(), 'hello.v1.HelloService/Hello');
      expect(callSpan!.attributes['rpc.grpc.status_code']).toBe(Code.UNAVAILABLE);
      expect(callSpan!.attributes['server.address']).toBe('127.0.0.1');
      expect(callSpan!.attributes['server.port']).toBe(1);
      expect(callSpan!.attributes['pantry.error.hint']).toBe(err.hint);
      expect(err.hint).toBeTruthy();

      // Not enabled: no stage, no span.
      spans.reset();
      const off = createClient({ address: '127.0.0.1:1', insecure: true, retry: false });
      await off.hello.hello({}).catch(() => {});
      off.close();
      expect(spans.getFinishedSpans()).toHaveLength(0);
    } finally {
      trace.disable();
    }
  });

  it('refuses a malformed telemetry option, naming it', () => {
    const make = (telemetry: unknown) => () =>
      createClient({ address: '127.0.0.1:1', insecure: true, telemetry } as Parameters<typeof createClient>[0]);
    expect(make('yes')).toThrow(
      /option telemetry must be true, false or \{ tracerProvider\?, meterProvider\? \}, got string/,
    );
    expect(make({ tracerProvider: {} })).toThrow(
      /option telemetry\.tracerProvider must be an OpenTelemetry TracerProvider/,
    );
    expect(make({ tracer: {} })).toThrow(/option telemetry: unknown field "tracer"/);
  });
});
