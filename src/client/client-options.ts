import type { ChannelOptions } from '@grpc/grpc-js';
import type { Interceptor } from '../pipeline/interceptor.js';
import type { HedgingOptions } from '../retry/hedging.js';
import type { RetryOptions } from '../retry/policy.js';
import type { TlsInputs } from '../tls/material.js';
import type { LoadBalancing } from '../transport/channel.js';
import type { TraceOptions } from '../observability/tracer.js';
import type { TelemetryOptions } from '../telemetry/telemetry-options.js';

/**
 * Everything `createClient` accepts; every field is optional and most fall back to an
 * environment variable.
 *
 * @example
 * createClient({
 *   address: 'pantry.example.com:443',     // else PANTRY_ADDRESS, else GRPC_SERVER_ADDRESS
 *   certDir: './certs',                     // ca.crt, client.crt, client.key
 *   deadlineMs: 5_000,
 *   retry: { maxAttempts: 3 },
 *   trace: 'call,retry',
 * });
 */
export interface ClientOptions extends TlsInputs, TraceOptions {
  /** `host:port` of the proxy or server. Default: env `PANTRY_ADDRESS`, else `GRPC_SERVER_ADDRESS`. */
  address?: string;
  /** TLS name to send and check instead of the address's host (for IP targets). Default: env `PANTRY_SERVER_NAME`. */
  serverName?: string;
  /** Speak plaintext HTTP/2, e.g. to a server's own port inside a pod. Default false; never implied. */
  insecure?: boolean;
  /** Default deadline of unary calls in ms, retries included. Default: env `PANTRY_DEADLINE_MS`, else 10 000. */
  deadlineMs?: number;
  /** Default deadline of server streams in ms. Default: none (`Infinity`), so watches stay open. */
  streamDeadlineMs?: number;
  /** Deadline per method, by its proto or client name (`{ ListFoods: 30_000 }` or `{ listFoods: 30_000 }`); wins over `deadlineMs`. An unknown name throws. */
  methodDeadlineMs?: Record<string, number>;
  /** Retry settings for every call, or `false` for none. Default: see {@link RetryOptions}. */
  retry?: RetryOptions | false;
  /**
   * Hedged reads for every `NO_SIDE_EFFECTS` unary method (GetFood, ListFoods, Hello; never a
   * write): another attempt after `delayMs` without an answer, the first success wins. Default
   * off; `{}` for `{ delayMs: 100, maxAttempts: 2 }`. Shares the retry throttle and the deadline.
   */
  hedging?: HedgingOptions | false;
  /** gRFC A6 retry throttling per client. Default `{ maxTokens: 10, tokenRatio: 0.1 }`; `false` turns it off. */
  retryThrottle?: { maxTokens?: number; tokenRatio?: number } | false;
  /** Your stages, run once per logical call between the deadline and retry stages, first outermost. */
  interceptors?: Interceptor[];
  /** Your stages run once per attempt, inside the retry stage (a token refreshed per attempt), first outermost. */
  attemptInterceptors?: Interceptor[];
  /** Re-read certificate files for new connections when they are renewed. Default true when every piece comes from a file. */
  watchCertificates?: boolean;
  /** How often to look for renewed certificate files, in ms. Default 60 000. */
  certificateRefreshMs?: number;
  /**
   * More metadata key parts whose values trace lines must not print, e.g. `['tenant']`: a key
   * containing one (any case) is shown as `[redacted]`, on top of the default (keys containing
   * auth, token, secret, passw, key, session, cookie, credential or signature, and any `-bin` key).
   */
  redactKeys?: readonly string[];
  /**
   * How calls spread over the addresses of the target. `'pick_first'` (grpc-js's default): one
   * connection to the first address that answers. `'round_robin'`: a connection to every address,
   * calls in turn over the ready ones, for a multi-address target (`ipv4:10.0.0.7:8443,10.0.0.8:8443`
   * or `dns:///pantry-envoy.pantry.svc.cluster.local:8443`, resolved again when a connection is
   * lost, at most once a second); a hedged call's attempts go to different backends. Default
   * `'pick_first'`. A `grpc.service_config` in `channelOptions` wins over it.
   */
  loadBalancing?: LoadBalancing;
  /**
   * OpenTelemetry spans and gRFC A66 metrics through the optional peer `@opentelemetry/api`:
   * `true` for the app's global providers and propagator, or `{ tracerProvider, meterProvider }`.
   * Default off: the stage is not in the pipeline at all.
   */
  telemetry?: boolean | TelemetryOptions;
  /** Extra grpc-js channel options (keepalive, message sizes, …). grpc-js client interceptors are refused: use `interceptors`. */
  channelOptions?: Partial<ChannelOptions>;
  /** Where environment variables are read from. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

// Every key of ClientOptions, once: `satisfies` fails the build when a key is missing or extra.
const KEYS = {
  address: true,
  serverName: true,
  insecure: true,
  deadlineMs: true,
  streamDeadlineMs: true,
  methodDeadlineMs: true,
  retry: true,
  retryThrottle: true,
  hedging: true,
  loadBalancing: true,
  interceptors: true,
  attemptInterceptors: true,
  watchCertificates: true,
  certificateRefreshMs: true,
  channelOptions: true,
  env: true,
  ca: true,
  cert: true,
  key: true,
  certDir: true,
  trace: true,
  verbosity: true,
  logger: true,
  redactKeys: true,
  telemetry: true,
} as const satisfies Record<keyof ClientOptions, true>;

/**
 * Every key of {@link ClientOptions}, to reject misspelt ones (derived from the type: the
 * compiler refuses a list that misses or adds one).
 *
 * @example
 * CLIENT_OPTION_KEYS.has('deadlineMs') // true; 'timeout' is not an option
 */
export const CLIENT_OPTION_KEYS: ReadonlySet<string> = new Set(Object.keys(KEYS));
