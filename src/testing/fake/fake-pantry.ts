import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Metadata,
  Server,
  ServerCredentials,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServerWritableStream,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { Code } from '../../errors/code.js';
import { PantryError } from '../../errors/pantry-error.js';
import { HelloServiceDefinition } from '../../generated/hello/v1/hello.js';
import type { Food } from '../../generated/pantry/v1/food.js';
import { FoodStorageServiceDefinition } from '../../generated/pantry/v1/food_storage_service.js';
import { writeDevCertificates } from '../dev-certificates.js';
import { type Fault, Faults, type FaultScript } from './faults.js';
import { FoodStore } from './food-store.js';
import { foodStorageService } from './food-storage.js';
import { type GenericService, grpcServiceOf } from './grpc-service.js';
import type { HandlerContext } from './handler-context.js';
import { helloService } from './hello.js';
import { asStatus, fakeStatus, serverError } from './status.js';
import { watchExpiringFoods } from './watch.js';

type FoodMethods = (typeof FoodStorageServiceDefinition)['methods'];
type HelloMethods = (typeof HelloServiceDefinition)['methods'];
type Methods = FoodMethods & HelloMethods;

/** A method of the fake, by its client name: `'addFood'`, `'getFood'`, …, `'watchExpiringFoods'`, `'hello'`. */
export type FakeMethod = keyof Methods;
/** The request type of a method, e.g. `FakeRequest<'getFood'>` is `GetFoodRequest`. */
export type FakeRequest<M extends FakeMethod> = ReturnType<Methods[M]['requestType']['decode']>;
/** The response type of a method (a stream's message type for the watch). */
export type FakeResponse<M extends FakeMethod> = ReturnType<Methods[M]['responseType']['decode']>;
/** What a handler may return: the response, fields left out meaning their defaults. */
export type FakeResponseInput<M extends FakeMethod> = Parameters<Methods[M]['responseType']['fromPartial']>[0];

/**
 * A handler of one method of the fake, replacing its own behaviour: a unary method returns its
 * response (or a promise of it), the watch an async iterable of messages. Throw a
 * {@link PantryError} (`fakeStatus(code, message, details)`) to answer with a status; `ctx.next`
 * is the fake's own behaviour.
 *
 * @example
 * const slowGet: FakeHandler<'getFood'> = async (req, ctx) => {
 *   await new Promise((r) => setTimeout(r, 100));
 *   return ctx.next(req);
 * };
 */
export type FakeHandler<M extends FakeMethod> = Methods[M]['responseStream'] extends true
  ? (
      request: FakeRequest<M>,
      ctx: HandlerContext<FakeRequest<M>, AsyncIterable<FakeResponse<M>>>,
    ) => AsyncIterable<FakeResponseInput<M>>
  : (
      request: FakeRequest<M>,
      ctx: HandlerContext<FakeRequest<M>, Promise<FakeResponse<M>>>,
    ) => Promise<FakeResponseInput<M>> | FakeResponseInput<M>;

/** Handlers by method; see {@link FakeHandler}. */
export type FakeHandlers = { [M in FakeMethod]?: FakeHandler<M> };

/** One call the fake received, for a test to assert on. */
export interface FakeCall {
  readonly method: FakeMethod;
  readonly request: unknown;
  readonly metadata: Metadata;
}

/** Options of {@link createFakePantry}; all optional. */
export interface FakePantryOptions {
  /** Handlers replacing the fake's own behaviour, e.g. `{ getFood: async (req, ctx) => … }`. */
  handlers?: FakeHandlers;
  /** A directory with `ca.crt`, `server.crt`, `server.key` (and the client's); default fresh dev certificates. */
  certDir?: string;
  /** The clock: timestamps and the watch's "today" (UTC). Default `() => new Date()`. */
  now?: () => Date;
  /**
   * Also read the Go server's fault-injection metadata (`pantry-fault-code`, `-delay-ms`, `-times`
   * with `-key`, `-after`, `-pushback-ms`, `-stream-after`), as `startPantryStack({ faultInjection: true })`
   * does; `pantry-fault-drop` answers `UNAVAILABLE` without dropping the connection. Default false.
   */
  faultInjection?: boolean;
}

/** A running fake pantry; see {@link createFakePantry}. */
export interface FakePantry extends AsyncDisposable {
  /** `127.0.0.1:<port>`, for `createClient(fake.address, fake.certDir)`. */
  readonly address: string;
  /** Certificates the client dials with (`ca.crt`, `client.crt`, `client.key`). */
  readonly certDir: string;
  /** Scripts a failure for the next calls of `method`; scripts of one method apply in order. */
  fault(method: FakeMethod, script: FaultScript): void;
  /** Replaces the handler of `method` (`undefined` restores the fake's own). */
  handle<M extends FakeMethod>(method: M, handler: FakeHandler<M> | undefined): void;
  /** The calls received so far (every attempt), oldest first; only those of `method` when given. */
  calls(method?: FakeMethod): readonly FakeCall[];
  /** The foods in stock, in id order. */
  foods(): Food[];
  /** Ends following watches with `UNAVAILABLE`, stops the server and removes the certificates it made. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts an in-process pantry for unit tests: a grpc-js server of `pantry.v1.FoodStorageService`
 * and `hello.v1.HelloService` on loopback with mutual TLS (dev certificates), in memory, that
 * answers as the Go server does (validation with `BadRequest` details, `NOT_FOUND` with
 * `ResourceInfo`, request_id dedupe and `REQUEST_ID_REUSED`, paging, update masks, the watch
 * stream). Reach it with the real `createClient`; it needs no Go, Docker or proxy. Needs the
 * optional peers `@peculiar/x509` and `reflect-metadata` for its certificates unless `certDir`
 * is given.
 *
 * @example
 * import { createClient } from '@pantry/client';
 * import { createFakePantry } from '@pantry/client/testing';
 * await using fake = await createFakePantry();
 * await using client = createClient(fake.address, fake.certDir);
 * await client.foodStorage.addFood({ food: { name: '保存水 2L', quantity: 6 } });
 */
export async function createFakePantry(options: FakePantryOptions = {}): Promise<FakePantry> {
  checkOptions(options);
  const now = options.now ?? (() => new Date());
  const made = options.certDir === undefined ? await mkdtemp(join(tmpdir(), 'pantry-fake-')) : undefined;
  try {
    const certDir = options.certDir ?? (await writeDevCertificates(join(made!, 'certs'))).dir;
    const [ca, cert, key] = await Promise.all(['ca.crt', 'server.crt', 'server.key'].map((f) => certFile(certDir, f)));
    const credentials = ServerCredentials.createSsl(ca!, [{ cert_chain: cert!, private_key: key! }], true);
    const fake = new Fake(now, options.faultInjection ?? false, options.handlers ?? {});
    const server = new Server();
    server.addService(grpcServiceOf(FoodStorageServiceDefinition as GenericService), fake.implementation('food'));
    server.addService(grpcServiceOf(HelloServiceDefinition as GenericService), fake.implementation('hello'));
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', credentials, (err, p) => (err ? reject(err) : resolve(p))),
    );
    let closed: Promise<void> | undefined;
    const close = () =>
      (closed ??= (async () => {
        fake.closing.abort();
        await new Promise<void>((resolve) => {
          const force = setTimeout(() => server.forceShutdown(), 1_000);
          server.tryShutdown(() => {
            clearTimeout(force);
            resolve();
          });
        });
        if (made) await rm(made, { recursive: true, force: true });
      })());
    return {
      address: `127.0.0.1:${port}`,
      certDir,
      fault: (method, script) => fake.faults.script(knownMethod(method, 'fault'), script),
      handle: (method, handler) => {
        knownMethod(method, 'handle');
        if (handler === undefined) delete fake.handlers[method];
        else if (typeof handler === 'function') fake.handlers[method] = handler as never;
        else throw bad(`handle(${method}): the handler must be a function, got ${typeof handler}`);
      },
      calls: (method) => (method === undefined ? [...fake.received] : fake.received.filter((c) => c.method === method)),
      foods: () => fake.store.snapshot(),
      close,
      [Symbol.asyncDispose]: close,
    };
  } catch (err) {
    if (made) await rm(made, { recursive: true, force: true });
    throw err;
  }
}

/** Every method of the fake, by its client name. */
const METHODS: ReadonlySet<string> = new Set([
  ...Object.keys(FoodStorageServiceDefinition.methods),
  ...Object.keys(HelloServiceDefinition.methods),
]);
const OPTION_KEYS: ReadonlySet<string> = new Set(['handlers', 'certDir', 'now', 'faultInjection']);

const bad = (details: string, hint?: string) => new PantryError({ code: Code.INVALID_ARGUMENT, details, hint });

function knownMethod<M extends string>(method: M, caller: string): M {
  if (!METHODS.has(method))
    throw bad(`${caller}(): unknown method ${JSON.stringify(method)}`, `the methods: ${[...METHODS].join(', ')}`);
  return method;
}

/** Refuses unknown options, handlers of unknown methods and values of the wrong type, naming them. */
function checkOptions(options: FakePantryOptions): void {
  if (options === null || typeof options !== 'object') throw bad('createFakePantry: options must be an object');
  for (const key of Object.keys(options))
    if (!OPTION_KEYS.has(key))
      throw bad(`createFakePantry: unknown option "${key}"`, `known options: ${[...OPTION_KEYS].join(', ')}`);
  const { handlers, certDir, now, faultInjection } = options;
  if (certDir !== undefined && (typeof certDir !== 'string' || certDir === ''))
    throw bad('createFakePantry: certDir must be a non-empty path');
  if (now !== undefined && typeof now !== 'function')
    throw bad('createFakePantry: now must be a function returning a Date');
  if (faultInjection !== undefined && typeof faultInjection !== 'boolean')
    throw bad('createFakePantry: faultInjection must be true or false');
  if (handlers !== undefined && (handlers === null || typeof handlers !== 'object'))
    throw bad('createFakePantry: handlers must be an object of functions by method name');
  for (const [method, handler] of Object.entries(handlers ?? {})) {
    knownMethod(method, 'createFakePantry: handlers');
    if (typeof handler !== 'function') throw bad(`createFakePantry: handlers.${method} must be a function`);
  }
}

/** A certificate file of `certDir`, or a PantryError naming the missing file. */
async function certFile(certDir: string, name: string): Promise<Buffer> {
  try {
    return await readFile(join(certDir, name));
  } catch (err) {
    throw new PantryError({
      code: Code.FAILED_PRECONDITION,
      details: `createFakePantry: cannot read ${name} in certDir ${certDir}`,
      hint: 'certDir needs ca.crt, server.crt and server.key for the fake and client.crt, client.key for the client; writeDevCertificates makes them',
      cause: err,
    });
  }
}

type UnaryImpl = (request: never, ctx: HandlerContext) => Promise<unknown>;
type StreamImpl = (request: never, ctx: HandlerContext) => AsyncIterable<unknown>;

/** The state of one fake and the grpc-js handlers over it. */
class Fake {
  readonly store: FoodStore;
  readonly faults: Faults;
  readonly received: FakeCall[] = [];
  readonly closing = new AbortController();
  private readonly own: Record<string, UnaryImpl | StreamImpl>;

  constructor(
    now: () => Date,
    faultInjection: boolean,
    readonly handlers: Record<string, unknown>,
  ) {
    this.store = new FoodStore(now);
    this.faults = new Faults(faultInjection);
    const watch = watchExpiringFoods(this.store, now);
    this.own = {
      ...foodStorageService(this.store),
      ...helloService(),
      watchExpiringFoods: (req: never, ctx: HandlerContext) => watch(req, ctx.signal, this.closing.signal),
    } as Record<string, UnaryImpl | StreamImpl>;
  }

  /** The grpc-js implementation of one service. */
  implementation(service: 'food' | 'hello'): UntypedServiceImplementation {
    const methods = service === 'food' ? FoodStorageServiceDefinition.methods : HelloServiceDefinition.methods;
    const impl: UntypedServiceImplementation = {};
    for (const [name, m] of Object.entries(methods)) {
      impl[name] = m.responseStream
        ? (call: ServerWritableStream<unknown, unknown>) => void this.serveStream(name as FakeMethod, call)
        : (call: ServerUnaryCall<unknown, unknown>, done: sendUnaryData<unknown>) =>
            void this.serveUnary(name as FakeMethod, call, done);
    }
    return impl;
  }

  private context(
    call: ServerUnaryCall<unknown, unknown> | ServerWritableStream<unknown, unknown>,
    method: FakeMethod,
  ) {
    const aborted = new AbortController();
    call.on('cancelled', () => aborted.abort());
    const headers = new Metadata();
    const own = this.own[method] as (req: unknown, ctx: HandlerContext) => unknown;
    const ctx: HandlerContext = {
      metadata: call.metadata,
      signal: AbortSignal.any([aborted.signal, this.closing.signal]),
      setHeader: (key, value) => headers.set(key, value),
      next: (req) => own(req, ctx),
    };
    const handler = (this.handlers[method] ?? own) as (req: unknown, ctx: HandlerContext) => unknown;
    this.received.push({ method, request: call.request, metadata: call.metadata });
    const sendHeaders = () => {
      if (Object.keys(headers.getMap()).length > 0) call.sendMetadata(headers);
    };
    return { ctx, handler, sendHeaders, cancelled: aborted.signal };
  }

  private async serveUnary(
    method: FakeMethod,
    call: ServerUnaryCall<unknown, unknown>,
    done: sendUnaryData<unknown>,
  ): Promise<void> {
    const { ctx, handler, sendHeaders, cancelled } = this.context(call, method);
    const fail = (status: PantryError, fault?: Fault) => {
      sendHeaders();
      done(serverError(status, pushback(fault)));
    };
    let fault: Fault | undefined;
    try {
      fault = this.faults.take(method, call.metadata);
      if (fault?.delayMs) await sleep(fault.delayMs, cancelled);
    } catch (err) {
      return fail(asStatus(err));
    }
    // As the Go server: a call whose client left during the delay is not run (nothing is applied).
    if (cancelled.aborted) return fail(fakeStatus(Code.CANCELLED, 'the client cancelled the call'));
    if (fault?.status && !fault.after) return fail(fault.status, fault);
    let response: unknown;
    try {
      response = await handler(call.request, ctx);
    } catch (err) {
      if (!(fault?.status && fault.after)) return fail(asStatus(err));
    }
    if (fault?.status && fault.after) return fail(fault.status, fault);
    sendHeaders();
    done(null, response);
  }

  private async serveStream(method: FakeMethod, call: ServerWritableStream<unknown, unknown>): Promise<void> {
    const { ctx, handler, sendHeaders, cancelled } = this.context(call, method);
    const fail = (status: PantryError, fault?: Fault) => {
      sendHeaders();
      call.emit('error', serverError(status, pushback(fault)));
    };
    let fault: Fault | undefined;
    try {
      fault = this.faults.take(method, call.metadata);
      if (fault?.delayMs) await sleep(fault.delayMs, cancelled);
    } catch (err) {
      return fail(asStatus(err));
    }
    if (cancelled.aborted) return fail(fakeStatus(Code.CANCELLED, 'the client cancelled the call'));
    const cutAfter = fault?.streamAfter ?? -1;
    if (fault?.status && !fault.after && cutAfter < 0) return fail(fault.status, fault);
    const cutStatus = fault?.status ?? fakeStatus(Code.UNAVAILABLE, fault?.message ?? '');
    let sent = 0;
    try {
      if (cutAfter !== 0) {
        const messages = handler(call.request, ctx) as AsyncIterable<unknown>;
        for await (const message of messages) {
          if (cancelled.aborted) return;
          if (sent === 0) sendHeaders();
          if (!call.write(message)) await new Promise((resolve) => call.once('drain', resolve));
          if (++sent === cutAfter) break;
        }
      }
    } catch (err) {
      if (cutAfter < 0 && !(fault?.status && fault.after)) return fail(asStatus(err));
    }
    if (cancelled.aborted) return;
    if (cutAfter >= 0) return fail(cutStatus, fault);
    if (fault?.status && fault.after) return fail(fault.status, fault);
    sendHeaders();
    call.end();
  }
}

/** The trailer of gRFC A6 a fault asks for. */
function pushback(fault: Fault | undefined): Metadata | undefined {
  if (fault?.pushbackMs === undefined) return undefined;
  const md = new Metadata();
  md.set('grpc-retry-pushback-ms', fault.pushbackMs);
  return md;
}

/** Waits `ms`, or until `signal` aborts (the call is over; nothing will be sent). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
