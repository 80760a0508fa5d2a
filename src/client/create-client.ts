import { type Client, Metadata } from '@grpc/grpc-js';
import { setMaxListeners } from 'node:events';
import { inspect } from 'node:util';
import { Code } from '../errors/code.js';
import { configError, PantryError } from '../errors/pantry-error.js';
import { HelloServiceDefinition } from '../generated/hello/v1/hello.js';
import { FoodStorageServiceDefinition } from '../generated/pantry/v1/food_storage_service.js';
import { watchConnectivity } from '../observability/connection-trace.js';
import { Tracer } from '../observability/tracer.js';
import { VERSION } from '../observability/version.js';
import { callTraceStage } from '../pipeline/call-trace.js';
import { deadlineStage } from '../pipeline/deadline.js';
import { composeInterceptors, type CallFn, type Interceptor } from '../pipeline/interceptor.js';
import { requestIdStage } from '../pipeline/request-id.js';
import { retrying, retryStage } from '../pipeline/retry-stage.js';
import { isHedgeable } from '../retry/hedging.js';
import { RetryThrottle } from '../retry/throttle.js';
import { loadOtelApi } from '../telemetry/otel-api.js';
import { telemetryStages } from '../telemetry/telemetry-stage.js';
import type { UnaryTelemetry } from '../telemetry/unary-telemetry.js';
import type { CertificateWatcher } from '../tls/certificate-watcher.js';
import { clientCredentials } from '../tls/credentials.js';
import { createChannel } from '../transport/channel.js';
import { tracedRoundRobin } from '../transport/traced-round-robin.js';
import { grpcTransport } from '../transport/grpc-transport.js';
import type { ClientOptions } from './client-options.js';
import { resolveConfig, type ClientConfig } from './config.js';
import { fastUnary, type FastUnary } from './fast-unary.js';
import { serviceClient, type ServiceClient } from './service-client.js';

/**
 * A connected pantry client: one channel, typed stubs for both services.
 *
 * @example
 * await using client = createClient('pantry.example.com:443', './certs');
 * const { message } = await client.hello.hello({ name: 'pantry' });
 */
export interface PantryClient {
  /** `hello.v1.HelloService`. */
  readonly hello: ServiceClient<typeof HelloServiceDefinition, Metadata>;
  /** `pantry.v1.FoodStorageService`. */
  readonly foodStorage: ServiceClient<typeof FoodStorageServiceDefinition, Metadata>;
  /** The `host:port` this client dials. */
  readonly address: string;
  /** Resolves when the channel is connected, or rejects with `UNAVAILABLE` (and a hint) at the deadline. */
  waitForReady(deadlineMs?: number): Promise<void>;
  /** Re-reads the certificate files now instead of at the next refresh; resolves true when they changed. */
  reloadCertificates(): boolean;
  /**
   * Closes the client: calls and streams in flight (also in a retry backoff) fail at once with
   * `CANCELLED` ("the client was closed"), later calls too, and nothing the client started keeps
   * the process alive. Idempotent.
   */
  close(): void;
  /** `await using client = createClient(…)` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Creates a client over mutual TLS. Every setting is checked here, before any connection:
 * a missing, empty, non-PEM, expired or mismatched certificate or key, or a malformed address,
 * throws a {@link PantryError} that names the file and the option or variable it came from.
 * It reads as resolve ({@link resolveConfig}) → credentials → channel → pipeline → client.
 *
 * @example
 * const client = createClient('pantry.example.com:443', './certs');
 * const { food } = await client.foodStorage.addFood({ food: { name: '保存水 2L', quantity: 6 } });
 *
 * @example
 * // Everything from the environment (PANTRY_ADDRESS, PANTRY_CERT_DIR, …):
 * const client = createClient();
 */
export function createClient(address?: string, certDir?: string, options?: ClientOptions): PantryClient;
export function createClient(options: ClientOptions): PantryClient;
export function createClient(a?: string | ClientOptions, certDir?: string, options?: ClientOptions): PantryClient {
  try {
    return startClient(a, certDir, options);
  } catch (err) {
    // Every error is a PantryError; one that is not yet names the step that threw (grpc-js's channel settings, most often).
    throw err instanceof PantryError
      ? err
      : configError(
          Code.INVALID_ARGUMENT,
          `createClient: ${(err as Error)?.message ?? String(err)}`,
          'check the options, channelOptions in particular',
          err,
        );
  }
}

function startClient(
  a: string | ClientOptions | undefined,
  certDir: string | undefined,
  options: ClientOptions | undefined,
): PantryClient {
  const config = resolveConfig(fromArguments(a, certDir, options));
  const tracer = new Tracer(config.trace, config.env);
  const { address } = config;

  // Everything started from here on (certificate watcher, TLS probe, channel, traces) is stopped by
  // release(): by close(), or at once when a later step throws.
  const lifetime = new AbortController();
  let watcher: CertificateWatcher | undefined;
  let channel: Client | undefined;
  let stopConnectivityTrace: (() => void) | undefined;
  let stopBackendTrace: (() => void) | undefined;
  const release = () => {
    lifetime.abort();
    stopConnectivityTrace?.();
    stopBackendTrace?.();
    watcher?.close();
    channel?.close();
  };
  try {
    const built = clientCredentials(
      { ...config.tls, insecure: config.insecure, watchCertificates: config.watchCertificates },
      config.env,
      tracer,
      address,
      config.serverName,
      config.certificateRefreshMs,
      lifetime.signal,
    );
    watcher = built.watcher;
    // round_robin with the connection tracer: every backend's connection state is traced too.
    const traced =
      config.loadBalancing === 'round_robin' && tracer.enabled('connection')
        ? tracedRoundRobin((m) => tracer.debug('connection', `${address.target} ${m}`))
        : undefined;
    stopBackendTrace = traced?.release;
    const grpcChannel = createChannel(address.target, built.credentials, {
      ...config,
      loadBalancingConfig: traced?.config,
    });
    channel = grpcChannel;
    stopConnectivityTrace = tracer.enabled('connection')
      ? watchConnectivity(grpcChannel, tracer, address.target)
      : undefined;
    // close() aborts this: every call and stream in flight (and in a retry backoff) is cancelled at
    // once, and later calls fail the same way. Each call listens on it while it runs.
    const closing = new AbortController();
    setMaxListeners(0, closing.signal);
    const { pipeline, fast } = buildPipeline(config, tracer, grpcChannel, built.caSource, closing.signal);
    let closed = false;
    const client: PantryClient = {
      hello: serviceClient(HelloServiceDefinition, pipeline, closing.signal, fast, newMetadata),
      foodStorage: serviceClient(FoodStorageServiceDefinition, pipeline, closing.signal, fast, newMetadata),
      address: address.target,
      waitForReady(ms = config.deadlineMs) {
        return new Promise((resolve, reject) =>
          grpcChannel.waitForReady(Date.now() + ms, (err) =>
            err
              ? reject(
                  configError(
                    Code.UNAVAILABLE,
                    `not connected to ${address.target} within ${ms} ms: ${err.message}`,
                    `check the address, the proxy and the certificates (npx pantry-client doctor)`,
                  ),
                )
              : resolve(),
          ),
        );
      },
      reloadCertificates: () => watcher?.reload() ?? false,
      close() {
        if (closed) return;
        closed = true;
        closing.abort(
          new PantryError({
            code: Code.CANCELLED,
            details: `the client was closed (close() or await using) while the call was in flight or before it started`,
            hint: 'make calls before close(), or create a new client',
          }),
        );
        release();
      },
      async [Symbol.asyncDispose]() {
        client.close();
      },
    };
    Object.defineProperty(client, inspect.custom, {
      value: () => `PantryClient { address: '${address.target}'${closed ? ', closed' : ''} }`,
    });
    return client;
  } catch (err) {
    release();
    throw err;
  }
}

/** The options of either overload as one object. */
function fromArguments(
  a: string | ClientOptions | undefined,
  certDir: string | undefined,
  options: ClientOptions | undefined,
): ClientOptions {
  const opts: ClientOptions = typeof a === 'object' && a !== null ? { ...a } : { ...options };
  if (typeof a === 'string') opts.address = a;
  else if (a !== undefined && (typeof a !== 'object' || a === null))
    throw configError(
      Code.INVALID_ARGUMENT,
      `createClient: the first argument must be an address string or an options object, got ${a === null ? 'null' : typeof a}`,
    );
  if (certDir !== undefined) {
    if (typeof certDir !== 'string')
      throw configError(
        Code.INVALID_ARGUMENT,
        `createClient: certDir must be a directory path string, got ${typeof certDir}`,
      );
    opts.certDir = certDir;
  }
  return opts;
}

/** The request metadata of a call of the Node client: grpc-js's own, which its transport sends as it is. */
const newMetadata = () => new Metadata();

/**
 * The stages of every call, outermost first: the telemetry call span (only when on), deadline,
 * request id, your per-call interceptors, retry, the telemetry attempt span (only when on), your
 * per-attempt interceptors, call tracing (only when on), then the transport. With no
 * interceptor of yours and tracing off, unary calls take the fused path ({@link fastUnary}),
 * which runs the same rules with one promise per call (and, with telemetry on, the same spans
 * and metrics through the telemetry stages' {@link UnaryTelemetry} hooks).
 */
function buildPipeline(
  config: ClientConfig,
  tracer: Tracer,
  channel: Client,
  caSource: string | undefined,
  closing: AbortSignal,
): { pipeline: CallFn; fast?: FastUnary } {
  const throttle = new RetryThrottle(config.retryThrottle);
  const { host, port, target } = config.address;
  const telemetry = config.telemetry
    ? telemetryStages(loadOtelApi(), config.telemetry, { host, port, target }, VERSION)
    : undefined;
  const stages: Interceptor[] = [
    ...(telemetry ? [telemetry.call] : []),
    deadlineStage(config, tracer),
    requestIdStage(),
    ...config.interceptors,
    retryStage(config.retry, throttle, tracer, config.hedging),
    ...(telemetry ? [telemetry.attempt] : []),
    ...config.attemptInterceptors,
  ];
  if (tracer.enabled('call')) stages.push(callTraceStage(tracer, config.redactKeys));
  const hints = { address: config.address.target, insecure: config.insecure, caSource };
  const transport = grpcTransport(channel, hints);
  const pipeline = composeInterceptors(stages, transport);
  if (config.interceptors.length + config.attemptInterceptors.length > 0 || tracer.any) return { pipeline };
  const retries = retrying(config.retry, throttle, tracer);
  return {
    pipeline,
    fast: fastUnary({
      channel: channel.getChannel(),
      hints,
      deadlines: config,
      retries,
      throttle,
      // Attempts 2, 3, … as the pipeline makes them: the telemetry attempt stage (when on), then the transport.
      transport: telemetry ? telemetry.attempt(transport) : transport,
      telemetry: telemetry?.unary,
      closing,
      hedged: config.hedging ? isHedgeable : undefined,
    }),
  };
}
