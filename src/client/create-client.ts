import { Client, type ChannelOptions } from '@grpc/grpc-js';
import { setMaxListeners } from 'node:events';
import { inspect } from 'node:util';
import { parseAddress } from '../tls/address.js';
import { callTraceStage } from '../pipeline/call-trace.js';
import type { CertificateWatcher } from '../tls/certificate-watcher.js';
import { clientCredentials } from '../tls/credentials.js';
import { CLIENT_OPTION_KEYS, type ClientOptions } from './client-options.js';
import { Code } from '../errors/code.js';
import { watchConnectivity } from '../observability/connection-trace.js';
import { deadlineStage, resolveMethodDeadlines } from '../pipeline/deadline.js';
import { HelloServiceDefinition } from '../generated/hello/v1/hello.js';
import { FoodStorageServiceDefinition } from '../generated/pantry/v1/food_storage_service.js';
import { composeInterceptors, type Interceptor } from '../pipeline/interceptor.js';
import { configError, PantryError } from '../errors/pantry-error.js';
import { requestIdStage } from '../pipeline/request-id.js';
import { retryStage } from '../pipeline/retry-stage.js';
import { DEFAULT_RETRY, resolveRetryPolicy } from '../retry/policy.js';
import { RetryThrottle } from '../retry/throttle.js';
import { serviceClient, type ServiceClient } from './service-client.js';
import { Tracer } from '../observability/tracer.js';
import { grpcTransport } from '../transport/grpc-transport.js';

/**
 * A connected pantry client: one channel, typed stubs for both services.
 *
 * @example
 * await using client = createClient('pantry.example.com:443', './certs');
 * const { message } = await client.hello.hello({ name: 'pantry' });
 */
export interface PantryClient {
  /** `hello.v1.HelloService`. */
  readonly hello: ServiceClient<typeof HelloServiceDefinition>;
  /** `pantry.v1.FoodStorageService`. */
  readonly foodStorage: ServiceClient<typeof FoodStorageServiceDefinition>;
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
    throw err instanceof PantryError ? err : configError(Code.INVALID_ARGUMENT, `createClient: ${(err as Error)?.message ?? String(err)}`, 'check the options, channelOptions in particular', err);
  }
}

function startClient(a: string | ClientOptions | undefined, certDir: string | undefined, options: ClientOptions | undefined): PantryClient {
  const opts: ClientOptions = typeof a === 'object' && a !== null ? { ...a } : { ...options };
  if (typeof a === 'string') opts.address = a;
  else if (a !== undefined && (typeof a !== 'object' || a === null)) throw configError(Code.INVALID_ARGUMENT, `createClient: the first argument must be an address string or an options object, got ${a === null ? 'null' : typeof a}`);
  if (certDir !== undefined) {
    if (typeof certDir !== 'string') throw configError(Code.INVALID_ARGUMENT, `createClient: certDir must be a directory path string, got ${typeof certDir}`);
    opts.certDir = certDir;
  }
  for (const key of Object.keys(opts)) {
    if (!CLIENT_OPTION_KEYS.has(key)) throw configError(Code.INVALID_ARGUMENT, `createClient: unknown option "${key}"`, `known options: ${[...CLIENT_OPTION_KEYS].join(', ')}`);
  }
  const env = opts.env ?? process.env;
  const tracer = new Tracer(opts, env);

  const rawAddress = opts.address ?? env.PANTRY_ADDRESS ?? env.GRPC_SERVER_ADDRESS;
  const addressFrom = opts.address !== undefined ? 'option address' : env.PANTRY_ADDRESS !== undefined ? 'env PANTRY_ADDRESS' : 'env GRPC_SERVER_ADDRESS';
  if (rawAddress === undefined) throw configError(Code.INVALID_ARGUMENT, 'no address given', 'pass createClient("host:port", certDir) or set PANTRY_ADDRESS');
  const address = parseAddress(rawAddress, addressFrom);
  const serverName = opts.serverName ?? env.PANTRY_SERVER_NAME;
  if (serverName !== undefined && (typeof serverName !== 'string' || !/^[A-Za-z0-9.-]+$/.test(serverName))) {
    throw configError(Code.INVALID_ARGUMENT, `serverName "${String(serverName)}" (${opts.serverName !== undefined ? 'option serverName' : 'env PANTRY_SERVER_NAME'}) is not a DNS name`);
  }

  const deadlineMs = positiveMs(opts.deadlineMs, 'option deadlineMs') ?? positiveMs(env.PANTRY_DEADLINE_MS, 'env PANTRY_DEADLINE_MS') ?? 10_000;
  const streamDeadlineMs = positiveMs(opts.streamDeadlineMs, 'option streamDeadlineMs') ?? Infinity;
  const methodDeadlineMs = resolveMethodDeadlines(opts.methodDeadlineMs, [HelloServiceDefinition, FoodStorageServiceDefinition], positiveMs);
  const retryPolicy = resolveRetryPolicy(opts.retry, DEFAULT_RETRY, 'option retry');
  const throttle = opts.retryThrottle === false ? new RetryThrottle({ maxTokens: 1000, tokenRatio: 1 }) : rangeChecked(() => new RetryThrottle(opts.retryThrottle || {}));
  const userInterceptors = opts.interceptors ?? [];
  if (!Array.isArray(userInterceptors) || !userInterceptors.every((i) => typeof i === 'function')) throw configError(Code.INVALID_ARGUMENT, 'option interceptors must be an array of functions (next) => (request) => Promise<response>');

  const redactKeys = opts.redactKeys ?? [];
  if (!Array.isArray(redactKeys) || !redactKeys.every((k) => typeof k === 'string' && k.length > 0)) throw configError(Code.INVALID_ARGUMENT, 'option redactKeys must be an array of non-empty strings (metadata key parts to redact in trace lines)');
  const refreshMs = positiveMs(opts.certificateRefreshMs, 'option certificateRefreshMs') ?? 60_000;
  const channelOptions: Partial<ChannelOptions> = {
    // Retries are ours (p-retry, throttled); never let a DNS-provided service config add grpc-js's on top.
    'grpc.service_config_disable_resolution': 1,
    // Reconnect within a second of a proxy coming back (grpc-js backs off up to 120 s by default);
    // a refused connect to a proxy that is down costs next to nothing.
    'grpc.initial_reconnect_backoff_ms': 250,
    'grpc.max_reconnect_backoff_ms': 1000,
    // A ping every 30 s, idle or not, finds a dead connection (a proxy gone without a FIN) within
    // 40 s. Envoy accepts it; a grpc-go server must allow it (EnforcementPolicy MinTime ≤ 30 s,
    // PermitWithoutStream: true), as the pantry server does.
    'grpc.keepalive_time_ms': 30_000,
    'grpc.keepalive_timeout_ms': 10_000,
    'grpc.keepalive_permit_without_calls': 1,
    ...(serverName ? { 'grpc.ssl_target_name_override': serverName, 'grpc.default_authority': serverName } : {}),
    ...checkedChannelOptions(opts.channelOptions),
    // The SDK owns retries, and this is not negotiable per client: grpc-js would otherwise re-send a
    // call on its own when a proxy answers RST_STREAM REFUSED_STREAM (transparent retry), also after
    // the server applied it, outside the retry policy and the attempt count. With 0, grpc-js makes
    // exactly one attempt per call (no transparent retry, no service-config retry or hedging).
    'grpc.enable_retries': 0,
  };

  // Everything started from here on (certificate watcher, TLS probe, channel, traces) is stopped by
  // release(): by close(), or at once when a later step throws.
  const lifetime = new AbortController();
  let watcher: CertificateWatcher | undefined;
  let grpcClient: Client | undefined;
  let stopConnectivityTrace: (() => void) | undefined;
  const release = () => {
    lifetime.abort();
    stopConnectivityTrace?.();
    watcher?.close();
    grpcClient?.close();
  };
  try {
    const built = clientCredentials(opts, env, tracer, address, serverName, refreshMs, lifetime.signal);
    watcher = built.watcher;
    const { credentials, caSource } = built;
    const channel = new Client(address.target, credentials, channelOptions);
    grpcClient = channel;
    stopConnectivityTrace = tracer.enabled('connection') ? watchConnectivity(channel, tracer, address.target) : undefined;

    const stages: Interceptor[] = [
      deadlineStage({ deadlineMs, streamDeadlineMs, methodDeadlineMs }, tracer),
      requestIdStage(),
      ...userInterceptors,
      retryStage(retryPolicy, throttle, tracer),
    ];
    if (tracer.enabled('call')) stages.push(callTraceStage(tracer, redactKeys));
    const pipeline = composeInterceptors(stages, grpcTransport(channel, { address: address.target, insecure: opts.insecure === true, caSource }, { alwaysMetadata: userInterceptors.length > 0 }));

    // close() aborts this: every call and stream in flight (and in a retry backoff) is cancelled at
    // once, and later calls fail the same way. Each call listens on it while it runs.
    const closing = new AbortController();
    setMaxListeners(0, closing.signal);
    let closed = false;
    const client: PantryClient = {
      hello: serviceClient(HelloServiceDefinition, pipeline, closing.signal),
      foodStorage: serviceClient(FoodStorageServiceDefinition, pipeline, closing.signal),
      address: address.target,
      waitForReady(ms = deadlineMs) {
        return new Promise((resolve, reject) =>
          channel.waitForReady(Date.now() + ms, (err) =>
            err ? reject(configError(Code.UNAVAILABLE, `not connected to ${address.target} within ${ms} ms: ${err.message}`, `check the address, the proxy and the certificates (npx pantry-client doctor)`)) : resolve(),
          ),
        );
      },
      reloadCertificates: () => watcher?.reload() ?? false,
      close() {
        if (closed) return;
        closed = true;
        closing.abort(new PantryError({ code: Code.CANCELLED, details: `the client was closed (close() or await using) while the call was in flight or before it started`, hint: 'make calls before close(), or create a new client' }));
        release();
      },
      async [Symbol.asyncDispose]() {
        client.close();
      },
    };
    Object.defineProperty(client, inspect.custom, { value: () => `PantryClient { address: '${address.target}'${closed ? ', closed' : ''} }` });
    return client;
  } catch (err) {
    release();
    throw err;
  }
}

/** Checks option channelOptions before anything starts; grpc-js would throw a raw SyntaxError for a bad service config. */
function checkedChannelOptions(value: unknown): Partial<ChannelOptions> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw configError(Code.INVALID_ARGUMENT, `option channelOptions must be an object of grpc-js channel options, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`);
  const config = (value as Record<string, unknown>)['grpc.service_config'];
  if (config !== undefined) {
    try {
      JSON.parse(String(config));
    } catch (err) {
      throw configError(Code.INVALID_ARGUMENT, `option channelOptions['grpc.service_config'] is not JSON: ${(err as Error).message}`, 'give the service config as a JSON string, or leave it out');
    }
  }
  return value as Partial<ChannelOptions>;
}

function positiveMs(value: unknown, from: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !(n > 0) || Number.isNaN(n)) throw configError(Code.INVALID_ARGUMENT, `${from} must be a positive number of milliseconds, got ${JSON.stringify(value)}`);
  return n;
}

function rangeChecked<T>(make: () => T): T {
  try {
    return make();
  } catch (err) {
    throw configError(Code.INVALID_ARGUMENT, `option ${(err as Error).message}`);
  }
}
