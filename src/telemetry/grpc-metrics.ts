import type { Attributes, Counter, Histogram, Meter } from '@opentelemetry/api';

/** gRFC A66's latency buckets, in seconds. */
const LATENCY_BUCKETS = [
  0, 0.00001, 0.00005, 0.0001, 0.0003, 0.0006, 0.0008, 0.001, 0.002, 0.003, 0.004, 0.005, 0.006, 0.008, 0.01, 0.013,
  0.016, 0.02, 0.025, 0.03, 0.04, 0.05, 0.065, 0.08, 0.1, 0.13, 0.16, 0.2, 0.25, 0.3, 0.4, 0.5, 0.65, 0.8, 1, 2, 5, 10,
  20, 50, 100,
];
/** gRFC A66's size buckets, in bytes. */
const SIZE_BUCKETS = [
  0, 1024, 2048, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864, 268435456, 1073741824, 4294967296,
];

/**
 * The per-call and per-attempt client metrics of gRFC A66, with its names, units and bucket
 * boundaries. Attributes: `grpc.method` and `grpc.target` on all, `grpc.status` (`OK`,
 * `UNAVAILABLE`, …) on all but `grpc.client.attempt.started`.
 *
 * @example
 * const m = grpcClientMetrics(meterProvider.getMeter('@pantry/client'));
 * m.attemptStarted.add(1, { 'grpc.method': 'hello.v1.HelloService/Hello', 'grpc.target': 'dns:///pantry:443' });
 */
export interface GrpcClientMetrics {
  /** `grpc.client.attempt.started`: attempts started. */
  readonly attemptStarted: Counter<Attributes>;
  /** `grpc.client.attempt.duration`: seconds from an attempt's start to its end. */
  readonly attemptDuration: Histogram<Attributes>;
  /** `grpc.client.attempt.sent_total_compressed_message_size`: request bytes per attempt. */
  readonly attemptSentSize: Histogram<Attributes>;
  /** `grpc.client.attempt.rcvd_total_compressed_message_size`: response bytes per attempt. */
  readonly attemptRcvdSize: Histogram<Attributes>;
  /** `grpc.client.call.duration`: seconds a call took as its caller saw it, every attempt and backoff included. */
  readonly callDuration: Histogram<Attributes>;
}

/**
 * Creates the gRFC A66 client instruments on `meter`.
 *
 * @example
 * const metrics = grpcClientMetrics(api.metrics.getMeter('@pantry/client'));
 */
export function grpcClientMetrics(meter: Meter): GrpcClientMetrics {
  const latency = { unit: 's', advice: { explicitBucketBoundaries: LATENCY_BUCKETS } };
  const size = { unit: 'By', advice: { explicitBucketBoundaries: SIZE_BUCKETS } };
  return {
    attemptStarted: meter.createCounter('grpc.client.attempt.started', {
      unit: '{attempt}',
      description: 'Number of client call attempts started.',
    }),
    attemptDuration: meter.createHistogram('grpc.client.attempt.duration', {
      ...latency,
      description: 'Time taken to complete a client call attempt.',
    }),
    attemptSentSize: meter.createHistogram('grpc.client.attempt.sent_total_compressed_message_size', {
      ...size,
      description: 'Compressed message bytes sent per client call attempt.',
    }),
    attemptRcvdSize: meter.createHistogram('grpc.client.attempt.rcvd_total_compressed_message_size', {
      ...size,
      description: 'Compressed message bytes received per call attempt.',
    }),
    callDuration: meter.createHistogram('grpc.client.call.duration', {
      ...latency,
      description: "Time taken by gRPC to complete an RPC from application's perspective.",
    }),
  };
}
