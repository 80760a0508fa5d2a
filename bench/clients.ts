/**
 * The Node clients of the benchmark, behind one small interface: each makes one channel
 * (one HTTP/2 connection) to the server over mutual TLS and runs the three workloads on it.
 * Every client is used the way its own README shows, with its defaults unless said here.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

// Each client's libraries are imported only by the process that runs that client (dynamic
// imports below), so start-up time and peak RSS count what that client loads and nothing else.

/** The Node clients; `go` is the Go load client (server/cmd/pantry-load), run by the runner directly. */
export const NODE_CLIENTS = [
  'raw',
  'pantry',
  'pantry-trace',
  'nice-grpc',
  'connect',
  'raw-deadline',
  'pantry-dist',
  'pantry-otel',
] as const;
export type NodeClientName = (typeof NODE_CLIENTS)[number];
export type ClientName = NodeClientName | 'go';
export const CLIENTS: readonly ClientName[] = [...NODE_CLIENTS, 'go'];
/**
 * What `npm run bench` runs. Three more only on request (--clients): `raw-deadline`, the raw stubs
 * with a 10 s deadline per call, `pantry-dist`, @pantry/client's defaults from a tsc build of
 * src/ (bench/tmp/dist/, what the package ships) instead of src/ through tsx, and `pantry-otel`,
 * `telemetry: true` with no OpenTelemetry SDK registered (the API's no-op providers).
 */
export const DEFAULT_CLIENTS: readonly ClientName[] = CLIENTS.filter(
  (c) => c !== 'raw-deadline' && c !== 'pantry-dist' && c !== 'pantry-otel',
);

export const CLIENT_LABELS: Record<ClientName, string> = {
  raw: 'raw @grpc/grpc-js (ts-proto stubs)',
  pantry: '@pantry/client (defaults)',
  'pantry-trace': '@pantry/client PANTRY_TRACE=all',
  'nice-grpc': 'nice-grpc + retry & deadline',
  connect: 'connect-node gRPC transport',
  go: 'grpc-go load client',
  'raw-deadline': 'raw @grpc/grpc-js + 10 s deadline',
  'pantry-dist': '@pantry/client (defaults), tsc build',
  'pantry-otel': '@pantry/client telemetry: true, no-op OpenTelemetry',
};

/** Where `pantry-dist` loads the tsc build of src/ from (the runner builds it). */
export const PANTRY_DIST_DIR = join('bench', 'tmp', 'dist');

/** What each workload sends. */
export const PAGE_SIZE = 100;
export const WITHIN_DAYS = 30;
export const HELLO_NAME = 'bench';
/** The deadline given to clients whose stack has one on by default (pantry's default, set on nice-grpc to match). */
export const DEADLINE_MS = 10_000;

export interface BenchClient {
  hello(): Promise<unknown>;
  /** One ListFoods page; resolves with the number of foods. */
  list(): Promise<number>;
  /** One WatchExpiringFoods stream read to its end; resolves with the number of messages. */
  stream(): Promise<number>;
  close(): void;
}

export interface Target {
  address: string;
  certDir: string;
}

/** Reads the PEM files, as each client would at start-up (the cold path counts this). */
function pems(certDir: string): { ca: Buffer; cert: Buffer; key: Buffer } {
  return {
    ca: readFileSync(join(certDir, 'ca.crt')),
    cert: readFileSync(join(certDir, 'client.crt')),
    key: readFileSync(join(certDir, 'client.key')),
  };
}

const discard = { debug() {}, info() {}, warn() {}, error() {} };

type PantryModule = typeof import('../src/index.js');

/** `@pantry/client` from src/ through tsx, as the issue asks. */
function pantryModule(): Promise<PantryModule> {
  return import('../src/index.js');
}

/** Loads a client's modules without making a client (the cold workload times clients, not imports). */
export async function preload(name: NodeClientName): Promise<void> {
  const c = await makeClient(name, { address: '127.0.0.1:1', certDir: '' }).catch(() => undefined);
  c?.close();
}

export async function makeClient(name: NodeClientName, target: Target): Promise<BenchClient> {
  switch (name) {
    case 'raw':
    case 'raw-deadline':
      return rawClient(
        target,
        name === 'raw-deadline',
        await import('@grpc/grpc-js'),
        await import('../src/generated/hello/v1/hello.js'),
        await import('../src/generated/pantry/v1/food_storage_service.js'),
      );
    case 'pantry':
      return pantryClient(target, false, await pantryModule());
    case 'pantry-trace':
      return pantryClient(target, true, await pantryModule());
    case 'pantry-otel':
      return pantryClient(target, 'otel', await pantryModule());
    case 'pantry-dist':
      return pantryClient(
        target,
        false,
        (await import(pathToFileURL(resolve(PANTRY_DIST_DIR, 'index.js')).href)) as PantryModule,
      );
    case 'nice-grpc':
      return niceClient(
        target,
        await import('nice-grpc'),
        [
          (await import('nice-grpc-client-middleware-retry')).retryMiddleware,
          (await import('nice-grpc-client-middleware-deadline')).deadlineMiddleware,
        ],
        await import('../src/generated/hello/v1/hello.js'),
        await import('../src/generated/pantry/v1/food_storage_service.js'),
      );
    case 'connect':
      return connectClient(
        target,
        await import('@connectrpc/connect'),
        await import('@connectrpc/connect-node'),
        (await import('../src/generated/hello/v1/hello_pb.js')).HelloService,
        (await import('../src/generated/pantry/v1/food_storage_service_pb.js')).FoodStorageService,
      );
  }
}

type GrpcJs = typeof import('@grpc/grpc-js');
type ServiceError = import('@grpc/grpc-js').ServiceError;
type HelloTs = typeof import('../src/generated/hello/v1/hello.js');
type FoodsTs = typeof import('../src/generated/pantry/v1/food_storage_service.js');

/** A ts-proto generic service definition, as far as grpc-js stubs need it. */
interface GenericService {
  fullName: string;
  methods: Record<
    string,
    {
      name: string;
      requestStream: boolean;
      responseStream: boolean;
      requestType: { encode(m: never): { finish(): Uint8Array }; decode(b: Uint8Array): unknown };
      responseType: { encode(m: never): { finish(): Uint8Array }; decode(b: Uint8Array): unknown };
    }
  >;
}

/**
 * grpc-js callback stubs for a ts-proto generic definition: `makeGenericClientConstructor` with
 * the ts-proto codecs, the code ts-proto's `outputServices=grpc-js` generates (no longer
 * generated, since the SDK does not use it).
 */
function grpcJsStubs(grpc: GrpcJs, service: GenericService) {
  const methods: Record<string, unknown> = {};
  for (const [key, m] of Object.entries(service.methods)) {
    methods[key] = {
      path: `/${service.fullName}/${m.name}`,
      requestStream: m.requestStream,
      responseStream: m.responseStream,
      requestSerialize: (value: unknown) => Buffer.from(m.requestType.encode(value as never).finish()),
      requestDeserialize: (value: Buffer) => m.requestType.decode(value),
      responseSerialize: (value: unknown) => Buffer.from(m.responseType.encode(value as never).finish()),
      responseDeserialize: (value: Buffer) => m.responseType.decode(value),
    };
  }
  return grpc.makeGenericClientConstructor(methods as import('@grpc/grpc-js').ServiceDefinition, service.fullName);
}

// biome-ignore lint/suspicious/noExplicitAny: grpc-js stubs made at run time are untyped
type Stub = any;

/**
 * grpc-js callback stubs over the ts-proto codecs; no deadline (grpc-js's default), or with
 * `deadline`, one of 10 s per call as pantry's default (to tell what a deadline alone costs).
 */
function rawClient(
  { address, certDir }: Target,
  deadline: boolean,
  grpc: GrpcJs,
  { HelloRequest, HelloServiceDefinition }: HelloTs,
  { FoodStorageServiceDefinition, ListFoodsRequest, WatchExpiringFoodsRequest }: FoodsTs,
): BenchClient {
  const { ca, cert, key } = pems(certDir);
  const creds = grpc.credentials.createSsl(ca, key, cert);
  const hello: Stub = new (grpcJsStubs(grpc, HelloServiceDefinition))(address, creds);
  // The same channel for the second service: one connection, as the other clients have.
  const foods: Stub = new (grpcJsStubs(grpc, FoodStorageServiceDefinition))(address, creds, {
    channelOverride: hello.getChannel(),
  });
  const helloReq = HelloRequest.fromPartial({ name: HELLO_NAME });
  const listReq = ListFoodsRequest.fromPartial({ pageSize: PAGE_SIZE });
  const watchReq = WatchExpiringFoodsRequest.fromPartial({ withinDays: WITHIN_DAYS });
  return {
    hello: deadline
      ? () =>
          new Promise((resolve, reject) =>
            hello.hello(
              helloReq,
              new grpc.Metadata(),
              { deadline: Date.now() + DEADLINE_MS },
              (err: ServiceError | null, res: { foods: unknown[] }) => (err ? reject(err) : resolve(res)),
            ),
          )
      : () =>
          new Promise((resolve, reject) =>
            hello.hello(helloReq, (err: ServiceError | null, res: { foods: unknown[] }) =>
              err ? reject(err) : resolve(res),
            ),
          ),
    list: deadline
      ? () =>
          new Promise((resolve, reject) =>
            foods.listFoods(
              listReq,
              new grpc.Metadata(),
              { deadline: Date.now() + DEADLINE_MS },
              (err: ServiceError | null, res: { foods: unknown[] }) => (err ? reject(err) : resolve(res.foods.length)),
            ),
          )
      : () =>
          new Promise((resolve, reject) =>
            foods.listFoods(listReq, (err: ServiceError | null, res: { foods: unknown[] }) =>
              err ? reject(err) : resolve(res.foods.length),
            ),
          ),
    stream: () =>
      new Promise((resolve, reject) => {
        let n = 0;
        const call = foods.watchExpiringFoods(watchReq);
        call.on('data', () => n++);
        call.on('error', reject);
        call.on('end', () => resolve(n));
      }),
    close: () => hello.close(),
  };
}

/** `createClient(address, certDir)`: deadline 10 s, retries and throttling on; with `trace`, PANTRY_TRACE=all into a logger that drops every line. */
function pantryClient(
  { address, certDir }: Target,
  extra: boolean | 'otel',
  { createClient }: PantryModule,
): BenchClient {
  const client =
    extra === 'otel'
      ? createClient(address, certDir, { telemetry: true })
      : extra
        ? createClient(address, certDir, { trace: 'all', logger: discard })
        : createClient(address, certDir);
  return {
    hello: () => client.hello.hello({ name: HELLO_NAME }),
    list: async () => (await client.foodStorage.listFoods({ pageSize: PAGE_SIZE })).foods.length,
    stream: async () => {
      let n = 0;
      for await (const _ of client.foodStorage.watchExpiringFoods({ withinDays: WITHIN_DAYS })) n++;
      return n;
    },
    close: () => client.close(),
  };
}

/** nice-grpc over the same ts-proto generic definitions, with its retry and deadline middleware (retry outermost, as its README says). */
type Retry = typeof import('nice-grpc-client-middleware-retry').retryMiddleware;
type Deadline = typeof import('nice-grpc-client-middleware-deadline').deadlineMiddleware;

function niceClient(
  { address, certDir }: Target,
  { ChannelCredentials, createChannel, createClientFactory, Status }: typeof import('nice-grpc'),
  [retryMiddleware, deadlineMiddleware]: [Retry, Deadline],
  { HelloServiceDefinition }: HelloTs,
  { FoodStorageServiceDefinition }: FoodsTs,
): BenchClient {
  const { ca, cert, key } = pems(certDir);
  const channel = createChannel(address, ChannelCredentials.createSsl(ca, key, cert));
  const factory = createClientFactory().use(retryMiddleware).use(deadlineMiddleware);
  // Retries as pantry's defaults: safe methods (the proto's idempotency_level), UNAVAILABLE, 4 attempts in all.
  const defaults = { '*': { deadline: DEADLINE_MS, retryMaxAttempts: 3, retryableStatuses: [Status.UNAVAILABLE] } };
  const hello = factory.create(HelloServiceDefinition, channel, defaults);
  const foods = factory.create(FoodStorageServiceDefinition, channel, defaults);
  return {
    ...promiseWorkloads(hello, foods),
    close: () => channel.close(),
  };
}

/** The three workloads over a promise-and-async-iterable client (nice-grpc's and connect's have that shape). */
function promiseWorkloads(
  hello: { hello(r: { name: string }): Promise<unknown> },
  foods: {
    listFoods(r: { pageSize: number }): Promise<{ foods: unknown[] }>;
    watchExpiringFoods(r: { withinDays: number }): AsyncIterable<unknown>;
  },
): Omit<BenchClient, 'close'> {
  return {
    hello: () => hello.hello({ name: HELLO_NAME }),
    list: async () => (await foods.listFoods({ pageSize: PAGE_SIZE })).foods.length,
    stream: async () => {
      let n = 0;
      for await (const _ of foods.watchExpiringFoods({ withinDays: WITHIN_DAYS })) n++;
      return n;
    },
  };
}

/** connect-node's gRPC transport (HTTP/2, binary) with its defaults: no timeout, no retries. */
function connectClient(
  { address, certDir }: Target,
  { createClient }: typeof import('@connectrpc/connect'),
  { createGrpcTransport, Http2SessionManager }: typeof import('@connectrpc/connect-node'),
  HelloService: typeof import('../src/generated/hello/v1/hello_pb.js').HelloService,
  FoodStorageService: typeof import('../src/generated/pantry/v1/food_storage_service_pb.js').FoodStorageService,
): BenchClient {
  const { ca, cert, key } = pems(certDir);
  const baseUrl = `https://${address}`;
  // The manager createGrpcTransport would make from these options, kept here so close() can end the session.
  const sessionManager = new Http2SessionManager(baseUrl, {}, { ca, cert, key });
  const transport = createGrpcTransport({ baseUrl, sessionManager });
  const hello = createClient(HelloService, transport);
  const foods = createClient(FoodStorageService, transport);
  return {
    ...promiseWorkloads(hello, foods),
    close: () => sessionManager.abort(),
  };
}
