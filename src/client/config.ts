/**
 * `client/` owns what a user holds: `createClient`, its options, their one resolution
 * (`resolveConfig`) and the typed service clients. It assembles the other folders — resolve →
 * credentials (`tls/`) → channel (`transport/`) → pipeline (`pipeline/`, `retry/`) → client —
 * and may import all of them; only `doctor/`, `cli/` and `testing/` import it.
 */
import type { ChannelOptions } from '@grpc/grpc-js';
import { Code } from '../errors/code.js';
import { configError, PantryError } from '../errors/pantry-error.js';
import { HelloServiceDefinition } from '../generated/hello/v1/hello.js';
import { FoodStorageServiceDefinition } from '../generated/pantry/v1/food_storage_service.js';
import type { Logger } from '../observability/logger.js';
import type { Verbosity } from '../observability/tracer.js';
import { resolveMethodDeadlines } from '../pipeline/deadline.js';
import type { Interceptor } from '../pipeline/interceptor.js';
import { resolveHedgingPolicy, type HedgingPolicy } from '../retry/hedging.js';
import { DEFAULT_RETRY, resolveRetryPolicy, type RetryPolicy } from '../retry/policy.js';
import { RetryThrottle } from '../retry/throttle.js';
import { resolveTelemetry, type TelemetryOptions } from '../telemetry/telemetry-options.js';
import { parseAddress, type Address } from '../tls/address.js';
import type { PemInput } from '../tls/material.js';
import type { LoadBalancing } from '../transport/channel.js';
import { CLIENT_OPTION_KEYS, type ClientOptions } from './client-options.js';

/**
 * Where a setting came from: `'option address'`, `'env PANTRY_ADDRESS'` or `'default'`.
 *
 * @example
 * resolveConfig({}, { PANTRY_ADDRESS: 'pantry:443' }).sources.address // 'env PANTRY_ADDRESS'
 */
export type ConfigSource = `option ${string}` | `env ${string}` | 'default';

/**
 * A client's settings, resolved once from the options and the environment and checked: frozen,
 * every value in its final form, and `sources` saying where each came from. The TLS inputs are
 * kept as given: loading them (and recording each file's source) is the credentials' step.
 *
 * @example
 * const config: ClientConfig = resolveConfig({ address: 'pantry:443', deadlineMs: 2_000 });
 * config.deadlineMs; // 2000, config.sources.deadlineMs === 'option deadlineMs'
 */
export interface ClientConfig {
  readonly address: Address;
  readonly serverName: string | undefined;
  readonly insecure: boolean;
  readonly deadlineMs: number;
  readonly streamDeadlineMs: number;
  readonly methodDeadlineMs: Readonly<Record<string, number>>;
  readonly retry: RetryPolicy;
  /** Throttle settings; retries unthrottled (`retryThrottle: false`) are a bucket no failure empties below half. */
  readonly retryThrottle: { readonly maxTokens: number; readonly tokenRatio: number };
  /** `round_robin` or grpc-js's default `pick_first`. */
  readonly loadBalancing: LoadBalancing;
  /** Hedging of `NO_SIDE_EFFECTS` unary methods; `undefined` when off (the default). */
  readonly hedging: HedgingPolicy | undefined;
  readonly interceptors: readonly Interceptor[];
  readonly attemptInterceptors: readonly Interceptor[];
  readonly redactKeys: readonly string[];
  /** OpenTelemetry settings when on; `undefined` when off (the stage is left out). */
  readonly telemetry: Readonly<TelemetryOptions> | undefined;
  readonly watchCertificates: boolean | undefined;
  readonly certificateRefreshMs: number;
  /** The caller's grpc-js channel options (checked); the channel adds the SDK's around them. */
  readonly channelOptions: Readonly<Partial<ChannelOptions>>;
  readonly tls: {
    readonly ca?: PemInput;
    readonly cert?: PemInput;
    readonly key?: PemInput;
    readonly certDir?: string;
  };
  readonly trace: {
    readonly trace?: string | readonly string[];
    readonly verbosity?: Verbosity;
    readonly logger?: Logger;
  };
  readonly env: NodeJS.ProcessEnv;
  /** Where each resolved setting came from. */
  readonly sources: Readonly<
    Record<
      'address' | 'serverName' | 'deadlineMs' | 'streamDeadlineMs' | 'certificateRefreshMs' | 'retry' | 'retryThrottle',
      ConfigSource
    >
  >;
}

/**
 * Resolves and checks a client's settings — the one place options meet the environment, used by
 * `createClient`, `pantry-client doctor` and `pantry-client call`. Throws a {@link PantryError}
 * `INVALID_ARGUMENT` naming the option or variable of the first bad value.
 *
 * @example
 * const config = resolveConfig({ certDir: './certs' }, { GRPC_SERVER_ADDRESS: 'pantry:443' });
 * config.address.target  // 'pantry:443'
 * config.sources.address // 'env GRPC_SERVER_ADDRESS'
 */
export function resolveConfig(
  options: ClientOptions,
  env: NodeJS.ProcessEnv = options.env ?? process.env,
): ClientConfig {
  for (const key of Object.keys(options)) {
    if (!CLIENT_OPTION_KEYS.has(key))
      throw configError(
        Code.INVALID_ARGUMENT,
        `createClient: unknown option "${key}"`,
        `known options: ${[...CLIENT_OPTION_KEYS].join(', ')}`,
      );
  }
  const o = options;
  const [rawAddress, addressFrom] = pick(o.address, 'address', env, 'PANTRY_ADDRESS', 'GRPC_SERVER_ADDRESS');
  if (rawAddress === undefined)
    throw configError(
      Code.INVALID_ARGUMENT,
      'no address given',
      'pass createClient("host:port", certDir) or set PANTRY_ADDRESS',
    );
  const address = parseAddress(rawAddress, addressFrom);
  const [serverName, serverNameFrom] = pick(o.serverName, 'serverName', env, 'PANTRY_SERVER_NAME');
  if (serverName !== undefined && (typeof serverName !== 'string' || !/^[A-Za-z0-9.-]+$/.test(serverName))) {
    throw configError(
      Code.INVALID_ARGUMENT,
      `serverName "${String(serverName)}" (${serverNameFrom}) is not a DNS name`,
    );
  }

  // An ipv4: list checks each address against the certificates' IP SANs, a dns:/// name the name;
  // an xDS listener name is no name the certificates carry.
  if (address.scheme === 'xds' && serverName === undefined && o.insecure !== true)
    throw configError(
      Code.INVALID_ARGUMENT,
      `address "${address.target}" (${addressFrom}) is an xds: target: TLS needs serverName, the name the servers' certificates carry`,
      'add serverName (or PANTRY_SERVER_NAME), e.g. serverName: "pantry.internal"',
    );
  const optionDeadline = positiveMs(o.deadlineMs, 'option deadlineMs');
  const envDeadline =
    optionDeadline === undefined ? positiveMs(env.PANTRY_DEADLINE_MS, 'env PANTRY_DEADLINE_MS') : undefined;
  const streamDeadlineMs = positiveMs(o.streamDeadlineMs, 'option streamDeadlineMs');
  const refreshMs = positiveMs(o.certificateRefreshMs, 'option certificateRefreshMs');
  const methodDeadlineMs = Object.freeze(
    resolveMethodDeadlines(o.methodDeadlineMs, [HelloServiceDefinition, FoodStorageServiceDefinition], positiveMs),
  );
  const retry = resolveRetryPolicy(o.retry, DEFAULT_RETRY, 'option retry');
  const hedging = resolveHedgingPolicy(o.hedging, undefined, 'option hedging');
  const loadBalancing = o.loadBalancing ?? 'pick_first';
  if (loadBalancing !== 'pick_first' && loadBalancing !== 'round_robin')
    throw configError(
      Code.INVALID_ARGUMENT,
      `option loadBalancing must be 'pick_first' or 'round_robin', got ${JSON.stringify(loadBalancing)}`,
    );
  const throttle =
    o.retryThrottle === false
      ? new RetryThrottle({ maxTokens: 1000, tokenRatio: 1 })
      : rangeChecked(() => new RetryThrottle(o.retryThrottle || {}));
  const interceptors = functions(o.interceptors, 'interceptors');
  const attemptInterceptors = functions(o.attemptInterceptors, 'attemptInterceptors');
  const redactKeys = o.redactKeys ?? [];
  if (!Array.isArray(redactKeys) || !redactKeys.every((k) => typeof k === 'string' && k.length > 0))
    throw configError(
      Code.INVALID_ARGUMENT,
      'option redactKeys must be an array of non-empty strings (metadata key parts to redact in trace lines)',
    );
  if (o.insecure !== undefined && typeof o.insecure !== 'boolean')
    throw configError(
      Code.INVALID_ARGUMENT,
      `option insecure must be true or false, got ${JSON.stringify(o.insecure)}`,
    );
  if (o.insecure && (o.ca || o.cert || o.key || o.certDir))
    throw configError(
      Code.INVALID_ARGUMENT,
      'insecure: true together with ca, cert, key or certDir',
      'drop insecure to use TLS, or drop the certificates for a plaintext port',
    );
  if (o.watchCertificates !== undefined && typeof o.watchCertificates !== 'boolean')
    throw configError(
      Code.INVALID_ARGUMENT,
      `option watchCertificates must be true or false, got ${JSON.stringify(o.watchCertificates)}`,
    );

  return Object.freeze({
    address: Object.freeze(address),
    serverName,
    insecure: o.insecure === true,
    deadlineMs: optionDeadline ?? envDeadline ?? 10_000,
    streamDeadlineMs: streamDeadlineMs ?? Infinity,
    methodDeadlineMs,
    retry,
    retryThrottle: Object.freeze({ maxTokens: throttle.maxTokens, tokenRatio: throttle.tokenRatio }),
    hedging: hedging && Object.freeze(hedging),
    loadBalancing,
    interceptors,
    attemptInterceptors,
    redactKeys: Object.freeze([...redactKeys]),
    telemetry: resolveTelemetry(o.telemetry, 'option telemetry'),
    watchCertificates: o.watchCertificates,
    certificateRefreshMs: refreshMs ?? 60_000,
    channelOptions: Object.freeze({ ...checkedChannelOptions(o.channelOptions) }),
    tls: Object.freeze({ ca: o.ca, cert: o.cert, key: o.key, certDir: o.certDir }),
    trace: Object.freeze({ trace: o.trace, verbosity: o.verbosity, logger: o.logger }),
    env,
    sources: Object.freeze({
      address: addressFrom,
      serverName: serverName === undefined ? 'default' : serverNameFrom,
      deadlineMs:
        optionDeadline !== undefined
          ? 'option deadlineMs'
          : envDeadline !== undefined
            ? 'env PANTRY_DEADLINE_MS'
            : 'default',
      streamDeadlineMs: streamDeadlineMs !== undefined ? 'option streamDeadlineMs' : 'default',
      certificateRefreshMs: refreshMs !== undefined ? 'option certificateRefreshMs' : 'default',
      retry: o.retry !== undefined ? 'option retry' : 'default',
      retryThrottle: o.retryThrottle !== undefined ? 'option retryThrottle' : 'default',
    } as const),
  });
}

/** The option, else the first environment variable set, with where it came from. */
function pick(
  option: string | undefined,
  name: string,
  env: NodeJS.ProcessEnv,
  ...vars: string[]
): [string | undefined, ConfigSource] {
  if (option !== undefined) return [option, `option ${name}`];
  for (const v of vars) if (env[v] !== undefined) return [env[v], `env ${v}`];
  return [undefined, `env ${vars[0]}`];
}

function functions(value: unknown, name: string): readonly Interceptor[] {
  const list = value ?? [];
  if (!Array.isArray(list) || !list.every((i) => typeof i === 'function'))
    throw configError(
      Code.INVALID_ARGUMENT,
      `option ${name} must be an array of functions (next) => (request) => Promise<response>`,
    );
  return Object.freeze([...list]);
}

/** Checks option channelOptions before anything starts; grpc-js would throw a raw SyntaxError for a bad service config. */
function checkedChannelOptions(value: unknown): Partial<ChannelOptions> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw configError(
      Code.INVALID_ARGUMENT,
      `option channelOptions must be an object of grpc-js channel options, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`,
    );
  // Unary calls go straight to the channel (Channel#createCall), past grpc-js's client layer: its
  // interceptors would be ignored, so they are refused rather than silently dropped.
  for (const key of ['interceptors', 'interceptor_providers', 'callInvocationTransformer'])
    if ((value as Record<string, unknown>)[key] !== undefined)
      throw configError(
        Code.INVALID_ARGUMENT,
        `option channelOptions.${key} is not supported: the client does not run grpc-js's client interceptors`,
        'use the options interceptors (per call) or attemptInterceptors (per attempt) instead',
      );
  const config = (value as Record<string, unknown>)['grpc.service_config'];
  if (config !== undefined) {
    try {
      JSON.parse(String(config));
    } catch (err) {
      throw configError(
        Code.INVALID_ARGUMENT,
        `option channelOptions['grpc.service_config'] is not JSON: ${(err as Error).message}`,
        'give the service config as a JSON string, or leave it out',
      );
    }
  }
  return value as Partial<ChannelOptions>;
}

function positiveMs(value: unknown, from: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !(n > 0) || Number.isNaN(n))
    throw configError(
      Code.INVALID_ARGUMENT,
      `${from} must be a positive number of milliseconds, got ${JSON.stringify(value)}`,
    );
  return n;
}

function rangeChecked<T>(make: () => T): T {
  try {
    return make();
  } catch (err) {
    throw err instanceof PantryError ? err : configError(Code.INVALID_ARGUMENT, `option ${(err as Error).message}`);
  }
}
