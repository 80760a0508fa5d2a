import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { propagation } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type HistogramMetricData,
  type SumMetricData,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/index.js';
import { startPantryStack, type PantryStack } from '../../src/testing/index.js';
import { tempCerts } from '../helpers.js';

// One trace from the SDK through Envoy (and straight to the server) into the Go server traced by
// otelgrpc (-otel-trace-file): the server's span of each attempt has the SDK's trace id and the
// SDK's attempt span as its parent, and the A66 metrics of the same calls.

interface ServerSpan {
  Name: string;
  SpanContext: { TraceID: string; SpanID: string };
  Parent: { TraceID: string; SpanID: string };
}

let certs: Awaited<ReturnType<typeof tempCerts>>;
const stacks: Record<'envoy' | 'none', PantryStack> = {} as never;
const traceFile = (proxy: string) => join(certs.root, `server-spans-${proxy}.jsonl`);

beforeAll(async () => {
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  certs = await tempCerts();
  for (const proxy of ['envoy', 'none'] as const)
    stacks[proxy] = await startPantryStack({
      runtime: 'process',
      proxy,
      faultInjection: true,
      certDir: certs.dir,
      serverArgs: ['-otel-trace-file', traceFile(proxy)],
    });
}, 120_000);
afterAll(async () => {
  propagation.disable();
  await Promise.all(Object.values(stacks).map((s) => s?.stop()));
  await certs?.cleanup();
});

/** The server's spans of `traceId`, once `count` of them are in the file (each is written when its RPC ends). */
async function serverSpans(file: string, traceId: string, count: number): Promise<ServerSpan[]> {
  for (const until = Date.now() + 15_000; ; await new Promise((r) => setTimeout(r, 100))) {
    const text = await readFile(file, 'utf8').catch(() => '');
    const spans = text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as ServerSpan)
      .filter((s) => s.SpanContext.TraceID === traceId);
    if (spans.length >= count || Date.now() > until) return spans;
  }
}

describe.each(['envoy', 'none'] as const)('SDK → %s → Go server', (proxy) => {
  it('carries one trace: each server span is a child of the SDK attempt span that sent it', async () => {
    const stack = stacks[proxy];
    const spans = new InMemorySpanExporter();
    const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
    const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
    const meterProvider = new MeterProvider({ readers: [reader] });
    await using client = createClient({
      address: stack.address,
      certDir: stack.certDir,
      retry: { initialBackoffMs: 10, maxBackoffMs: 20 },
      telemetry: { tracerProvider, meterProvider },
    });
    // The server fails the first two attempts with UNAVAILABLE; Hello has no side effects, so it is retried.
    const faultKey = `otel-${proxy}-${Date.now()}`;
    const res = await client.hello.hello(
      { name: 'otel' },
      { metadata: { 'pantry-fault-code': 'UNAVAILABLE', 'pantry-fault-times': '2', 'pantry-fault-key': faultKey } },
    );
    expect(res.message).toContain('otel');

    const sdk = spans.getFinishedSpans();
    const call = sdk.find((s) => s.name === 'hello.v1.HelloService/Hello');
    const attempts = sdk.filter((s) => s.name === 'Attempt.hello.v1.HelloService.Hello');
    expect(attempts.map((a) => a.attributes['rpc.grpc.status_code'])).toEqual([14, 14, 0]);
    const traceId = call!.spanContext().traceId;

    const server = await serverSpans(traceFile(proxy), traceId, 3);
    expect(server.map((s) => s.Name)).toEqual(Array(3).fill('hello.v1.HelloService/Hello'));
    expect(server.map((s) => s.Parent.TraceID)).toEqual([traceId, traceId, traceId]);
    expect(server.map((s) => s.Parent.SpanID).sort()).toEqual(attempts.map((a) => a.spanContext().spanId).sort());

    await reader.forceFlush();
    const metrics = metricExporter
      .getMetrics()
      .at(-1)!
      .scopeMetrics.flatMap((s) => s.metrics);
    const base = { 'grpc.method': 'hello.v1.HelloService/Hello', 'grpc.target': `dns:///${stack.address}` };
    const started = metrics.find((m) => m.descriptor.name === 'grpc.client.attempt.started') as SumMetricData;
    expect(started.dataPoints.map((p) => [p.attributes, p.value])).toEqual([[base, 3]]);
    const statuses = (name: string) =>
      Object.fromEntries(
        (metrics.find((m) => m.descriptor.name === name) as HistogramMetricData).dataPoints.map((p) => [
          p.attributes['grpc.status'],
          p.value.count,
        ]),
      );
    expect(statuses('grpc.client.attempt.duration')).toEqual({ UNAVAILABLE: 2, OK: 1 });
    expect(statuses('grpc.client.attempt.sent_total_compressed_message_size')).toEqual({ UNAVAILABLE: 2, OK: 1 });
    expect(statuses('grpc.client.attempt.rcvd_total_compressed_message_size')).toEqual({ UNAVAILABLE: 2, OK: 1 });
    expect(statuses('grpc.client.call.duration')).toEqual({ OK: 1 });
  });
});
