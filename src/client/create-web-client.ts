import { Code } from '../errors/code.js';
import { configError } from '../errors/pantry-error.js';
import { HelloServiceDefinition } from '../generated/hello/v1/hello.js';
import { FoodStorageServiceDefinition } from '../generated/pantry/v1/food_storage_service.js';
import type { CallMetadata } from '../metadata/call-metadata.js';
import type { Logger } from '../observability/logger.js';
import { Tracer, type TraceOptions } from '../observability/tracer.js';
import { callTraceStage } from '../pipeline/call-trace.js';
import { deadlineStage, resolveMethodDeadlines } from '../pipeline/deadline.js';
import { composeInterceptors, type Interceptor } from '../pipeline/interceptor.js';
import { requestIdStage } from '../pipeline/request-id.js';
import { retryStage } from '../pipeline/retry-stage.js';
import { DEFAULT_RETRY, resolveRetryPolicy, type RetryOptions } from '../retry/policy.js';
import { RetryThrottle } from '../retry/throttle.js';
import { grpcWebTransport } from '../transport/grpc-web-transport.js';
import { methodFacts } from '../schema/method-info.js';
import { type ServiceClient, typedServiceClient } from './service-client.js';

/**
 * Options of {@link createWebClient}; all optional.
 *
 * @example
 * createWebClient('https://pantry.example.com:8443', {
 *   token: () => auth.currentToken(), // the JWT listener; leave out for the mutual-TLS one
 *   deadlineMs: 5_000,
 *   trace: 'call,retry', // to `logger`, else the console
 * });
 */
export interface WebClientOptions {
  /** The `fetch` to use. Default: the global `fetch`. */
  fetch?: typeof globalThis.fetch;
  /**
   * `credentials` of every request. Default `'include'` (a cross-origin page presents its client
   * certificate to the mutual-TLS listener), or `'omit'` when `token` is given (the JWT listener's CORS
   * policy needs no credentials).
   */
  credentials?: 'omit' | 'same-origin' | 'include';
  /** A bearer token, or a function returning one, fetched for every attempt: sent as `authorization: Bearer …` (JWT listener). */
  token?: string | (() => string | Promise<string>);
  /** Default deadline of unary calls in ms, retries included. Default 10 000. */
  deadlineMs?: number;
  /** Default deadline of server streams in ms. Default: none (`Infinity`), so watches stay open. */
  streamDeadlineMs?: number;
  /** Deadline per method, by its proto or client name (`{ listFoods: 30_000 }`). An unknown name throws. */
  methodDeadlineMs?: Record<string, number>;
  /** Retry settings for safe calls; `false` for a single attempt. Default: {@link DEFAULT_RETRY}. */
  retry?: RetryOptions | false;
  /** Your stages, run once per logical call between the deadline and retry stages, first outermost. */
  interceptors?: Interceptor[];
  /** Your stages, run once per attempt inside the retry stage, first outermost. */
  attemptInterceptors?: Interceptor[];
  /** Tracers to switch on: `'all'` or e.g. `'call,retry'`. Default none. */
  trace?: TraceOptions['trace'];
  /** Receives trace lines and warnings. Default: the console. */
  logger?: Logger;
  /** More metadata key parts whose values trace lines must not print (see the Node client's option). */
  redactKeys?: readonly string[];
}

const OPTION_KEYS = [
  'fetch',
  'credentials',
  'token',
  'deadlineMs',
  'streamDeadlineMs',
  'methodDeadlineMs',
  'retry',
  'interceptors',
  'attemptInterceptors',
  'trace',
  'logger',
  'redactKeys',
];

/**
 * The browser client: the same typed service clients as `createClient`, over gRPC-Web.
 *
 * @example
 * const { foods } = await client.foodStorage.listFoods({ pageSize: 20 });
 */
export interface PantryWebClient {
  readonly hello: ServiceClient<typeof HelloServiceDefinition, CallMetadata>;
  readonly foodStorage: ServiceClient<typeof FoodStorageServiceDefinition, CallMetadata>;
  /** The proxy's URL the client calls. */
  readonly baseUrl: string;
  /** Cancels every call and watch in flight (`CANCELLED`); later calls fail the same way. */
  close(): void;
}

/**
 * Creates the browser client of the pantry service: calls go through the same pipeline as the
 * Node client's (deadlines, safe retries with `request_id`, your interceptors, tracing,
 * `PantryError` with hints and details) and leave as gRPC-Web over `fetch` to an Envoy with the
 * `grpc_web` filter: its mutual-TLS listener (the browser presents its client certificate) or a
 * browser listener that checks a bearer `token`. Runs in browsers and in Node (global `fetch`).
 *
 * @example
 * import { createWebClient } from '@pantry/client/web';
 * const client = createWebClient('https://pantry.example.com:8443');
 * for await (const { food, daysLeft } of client.foodStorage.watchExpiringFoods({ withinDays: 7, follow: true }))
 *   render(food, daysLeft);
 */
export function createWebClient(baseUrl: string, options: WebClientOptions = {}): PantryWebClient {
  const url = checkBaseUrl(baseUrl);
  if (options === null || typeof options !== 'object' || Array.isArray(options))
    throw configError(Code.INVALID_ARGUMENT, 'createWebClient options must be an object');
  for (const key of Object.keys(options))
    if (!OPTION_KEYS.includes(key))
      throw configError(
        Code.INVALID_ARGUMENT,
        `unknown option "${key}" of createWebClient`,
        `known options: ${OPTION_KEYS.join(', ')}`,
      );
  const fetchFn = options.fetch ?? globalThis.fetch;
  if (typeof fetchFn !== 'function')
    throw configError(Code.INVALID_ARGUMENT, 'option fetch must be a function, and there is no global fetch');
  const credentials = options.credentials ?? (options.token === undefined ? 'include' : 'omit');
  if (!['omit', 'same-origin', 'include'].includes(credentials))
    throw configError(
      Code.INVALID_ARGUMENT,
      `option credentials must be 'omit', 'same-origin' or 'include', got ${JSON.stringify(credentials)}`,
    );
  const token = options.token;
  if (token !== undefined && typeof token !== 'string' && typeof token !== 'function')
    throw configError(Code.INVALID_ARGUMENT, `option token must be a string or a function, got ${typeof token}`);
  const ms = (value: unknown, from: string): number | undefined => {
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !(value > 0))
      throw configError(
        Code.INVALID_ARGUMENT,
        `${from} must be a positive number of milliseconds, got ${JSON.stringify(value)}`,
      );
    return value;
  };
  const services = [HelloServiceDefinition, FoodStorageServiceDefinition];
  const deadlines = {
    deadlineMs: ms(options.deadlineMs, 'option deadlineMs') ?? 10_000,
    streamDeadlineMs: ms(options.streamDeadlineMs, 'option streamDeadlineMs') ?? Number.POSITIVE_INFINITY,
    methodDeadlineMs: resolveMethodDeadlines(options.methodDeadlineMs, services, ms),
  };
  const retry = resolveRetryPolicy(options.retry, DEFAULT_RETRY, 'option retry');
  for (const name of ['interceptors', 'attemptInterceptors'] as const) {
    const list = options[name];
    if (list !== undefined && !(Array.isArray(list) && list.every((i) => typeof i === 'function')))
      throw configError(Code.INVALID_ARGUMENT, `option ${name} must be an array of interceptors (functions)`);
  }
  const tracer = new Tracer({ trace: options.trace ?? [], logger: options.logger });

  const stages: Interceptor[] = [
    deadlineStage(deadlines, tracer),
    requestIdStage(),
    ...(options.interceptors ?? []),
    retryStage(retry, new RetryThrottle(), tracer),
    ...(token === undefined ? [] : [bearer(token)]),
    ...(options.attemptInterceptors ?? []),
  ];
  if (tracer.enabled('call')) stages.push(callTraceStage(tracer, options.redactKeys));
  const transport = grpcWebTransport({
    baseUrl: url,
    fetch: (input, init) => fetchFn(input, init), // called unbound: a browser's fetch refuses another `this`
    credentials,
    hints: { address: url, insecure: url.startsWith('http:') },
  });
  const pipeline = composeInterceptors(stages, transport);
  const closing = new AbortController();
  return {
    hello: typedServiceClient(HelloServiceDefinition, pipeline, methodFacts, closing.signal),
    foodStorage: typedServiceClient(FoodStorageServiceDefinition, pipeline, methodFacts, closing.signal),
    baseUrl: url,
    close() {
      if (!closing.signal.aborted)
        closing.abort(configError(Code.CANCELLED, 'the client was closed', 'create a new client to make more calls'));
    },
  };
}

/** Sends the bearer token with every attempt (a function is asked each time, so a refreshed token is used). */
function bearer(token: string | (() => string | Promise<string>)): Interceptor {
  return (next) => async (req) => {
    const metadata = req.metadata.clone();
    metadata.set('authorization', `Bearer ${typeof token === 'string' ? token : await token()}`);
    return next({ ...req, metadata });
  };
}

function checkBaseUrl(baseUrl: unknown): string {
  let url: URL | undefined;
  try {
    url = typeof baseUrl === 'string' ? new URL(baseUrl) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:'))
    throw configError(
      Code.INVALID_ARGUMENT,
      `createWebClient baseUrl must be an http(s) URL such as "https://pantry.example.com:8443", got ${JSON.stringify(baseUrl)}`,
    );
  return url.href.replace(/\/+$/, '');
}
