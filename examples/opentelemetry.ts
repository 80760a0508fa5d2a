// Traces and metrics with OpenTelemetry: your app sets up the OpenTelemetry SDK (here by hand with
// in-memory exporters so that it prints what it got; in production NodeSDK with OTLP exporters),
// and the client reports to it with `telemetry: true`. No --require or --import hook is needed.
// Reads PANTRY_ADDRESS and PANTRY_CERT_DIR (ca.crt, client.crt, client.key).
import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createClient } from '@pantry/client';

// 1. The app's OpenTelemetry setup: a context manager, the W3C propagators, a tracer and a meter provider.
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(
  new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
);
const spans = new InMemorySpanExporter();
trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }));
const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 60_000 });
metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));

// 2. The client: one option.
const client = createClient({ telemetry: true });

// 3. A call made inside a span of the app becomes its child; traceparent and baggage go to the server.
const tracer = trace.getTracer('kitchen-app');
await tracer.startActiveSpan('restock', async (span) => {
  const ctx = propagation.setBaggage(context.active(), propagation.createBaggage({ tenant: { value: 'kitchen' } }));
  await context.with(ctx, () => client.foodStorage.addFood({ food: { name: '保存水 2L', quantity: 6 } }));
  await client.foodStorage.getFood({ id: 'no-such-food' }).catch(() => {}); // NOT_FOUND: an ERROR span
  span.end();
});
client.close();

// 4. What the SDK received.
for (const s of spans.getFinishedSpans()) {
  const parent = spans.getFinishedSpans().find((p) => p.spanContext().spanId === s.parentSpanContext?.spanId);
  console.log(
    `span ${s.name} status_code=${s.attributes['rpc.grpc.status_code'] ?? '-'} parent=${parent?.name ?? '-'}`,
  );
}
await reader.forceFlush();
for (const scope of metricExporter.getMetrics().at(-1)?.scopeMetrics ?? []) {
  for (const m of scope.metrics) {
    const statuses = m.dataPoints.map((p) => p.attributes['grpc.status'] ?? '-').join(',');
    console.log(`metric ${m.descriptor.name} (${m.descriptor.unit}) grpc.status=${statuses}`);
  }
}
