import { type CallMetadata, isCallMetadata } from '../metadata/call-metadata.js';
import { PlainMetadata } from '../metadata/plain-metadata.js';
import { checkCallOptions, type CallOptions } from '../pipeline/call-options.js';
import { callSignal } from '../pipeline/signals.js';
import { Code } from '../errors/code.js';
import { finishCallError } from '../pipeline/call-error.js';
import { settleUnary } from '../pipeline/unary-result.js';
import type { CallFn, CallRequest, UnaryRequest } from '../pipeline/interceptor.js';
import type { FastUnary } from './fast-unary.js';
import type { MessageType } from '../schema/message-type.js';
import type { AddFoodInput, RequestInput } from '../schema/inputs.js';
import { methodInfo, type MethodDefinition, type MethodInfo, type ServiceDefinition } from '../schema/method-info.js';
import { PantryError } from '../errors/pantry-error.js';
import { checkShape, shapeFromDefaults, shapeOf, type Shape } from '../schema/request-shape.js';

/**
 * The typed client of one service: a Promise per unary method, an `AsyncIterable` per
 * server-streaming method (`M`: the metadata type its callbacks get). Requests are partial objects, filled in with `fromPartial`; fields the
 * server sets are not accepted (`addFood` takes an {@link AddFoodInput}, without `food.id`,
 * `createdAt`, `updatedAt`).
 *
 * @example
 * const { foods } = await client.foodStorage.listFoods({ pageSize: 20 });
 * for await (const { food, daysLeft } of client.foodStorage.watchExpiringFoods({ withinDays: 30 })) …
 */
export type ServiceClient<S extends ServiceDefinition, M extends CallMetadata = CallMetadata> = {
  [K in keyof S['methods']]: S['methods'][K] extends {
    name: infer Name;
    requestType: MessageType<infer Req>;
    responseType: MessageType<infer Res>;
    responseStream: infer Streaming;
  }
    ? Streaming extends true
      ? (request?: RequestInput<S['fullName'], Name, Req>, options?: CallOptions<M>) => AsyncIterable<Res>
      : (request?: RequestInput<S['fullName'], Name, Req>, options?: CallOptions<M>) => Promise<Res>
    : never;
};

export type { MethodDefinition, ServiceDefinition } from '../schema/method-info.js';

/**
 * Builds the typed client of a service whose every call goes through `pipeline`. When `closing`
 * aborts (the client's `close()`), every call in flight is cancelled with its reason, and so is
 * every later call. `newMetadata` makes each call's request metadata: grpc-js's `Metadata` for
 * the Node client (its transport sends it as it is), a {@link PlainMetadata} by default.
 *
 * @example
 * const hello = serviceClient(HelloServiceDefinition, pipeline);
 * await hello.hello({ name: 'pantry' });
 */
export function serviceClient<S extends ServiceDefinition, M extends CallMetadata = CallMetadata>(
  service: S,
  pipeline: CallFn,
  closing?: AbortSignal,
  fast?: FastUnary,
  newMetadata?: () => M,
): ServiceClient<S, M> {
  return typedServiceClient(service, pipeline, methodInfo, closing, fast, newMetadata);
}

/**
 * {@link serviceClient} with the method facts read by `describe`: `methodInfo` (with the request
 * descriptors: the full request shape check) or `methodFacts` (without: the browser client, whose
 * bundle then leaves the descriptors out).
 *
 * @example
 * const hello = typedServiceClient(HelloServiceDefinition, pipeline, methodFacts, closing.signal);
 */
export function typedServiceClient<S extends ServiceDefinition, M extends CallMetadata = CallMetadata>(
  service: S,
  pipeline: CallFn,
  describe: (service: ServiceDefinition, def: MethodDefinition) => MethodInfo,
  closing?: AbortSignal,
  fast?: FastUnary,
  newMetadata: () => M = newPlainMetadata as unknown as () => M,
): ServiceClient<S, M> {
  const client: Record<string, unknown> = {};
  for (const [key, def] of Object.entries(service.methods)) {
    const method = describe(service, def);
    client[key] =
      method.kind === 'unary'
        ? unaryMethod(method, pipeline, closing, newMetadata, fast)
        : serverStreamingMethod(method, pipeline, closing, newMetadata);
  }
  return Object.freeze(client) as ServiceClient<S, M>;
}

function unaryMethod(
  method: MethodInfo,
  pipeline: CallFn,
  closing: AbortSignal | undefined,
  newMetadata: () => CallMetadata,
  fast?: FastUnary,
) {
  return (request?: object, options: CallOptions = {}): Promise<unknown> => {
    let req: CallRequest | undefined;
    let release = noop;
    let call: ReturnType<CallFn>;
    try {
      ({ req, release } = startCall(method, request, options, closing, newMetadata));
      // No interceptor of yours and tracing off: one promise per call (see FastUnary); else the pipeline.
      if (fast?.handles(method, options)) return fast.call(req as UnaryRequest, release);
      call = pipeline(req);
    } catch (err) {
      release();
      return Promise.reject(req ? finishCallError(err, req) : err);
    }
    return settleUnary(call, req!, release);
  };
}

const noop = () => {};
const newPlainMetadata = () => new PlainMetadata();

function serverStreamingMethod(
  method: MethodInfo,
  pipeline: CallFn,
  closing: AbortSignal | undefined,
  newMetadata: () => CallMetadata,
) {
  return (request?: object, options: CallOptions = {}): AsyncIterable<unknown> => {
    return {
      [Symbol.asyncIterator](): AsyncIterator<unknown> {
        // The call starts at the first next(); errors of the call and of its messages are settled alike.
        let req: CallRequest | undefined;
        let release = noop;
        let messages: AsyncIterator<unknown> | undefined;
        const settle = (r: IteratorResult<unknown>) => {
          if (r.done) release();
          return r;
        };
        const fail = (err: unknown): never => {
          release();
          throw req ? finishCallError(err, req) : err;
        };
        const start = async (): Promise<IteratorResult<unknown>> => {
          try {
            ({ req, release } = startCall(method, request, options, closing, newMetadata));
            const res = await pipeline(req);
            if (res.kind !== 'server_streaming')
              throw new PantryError({
                code: Code.INTERNAL,
                details: `the pipeline answered a server stream with a ${res.kind} response`,
                method: method.path,
              });
            options.onHeader?.(res.header);
            messages = res.stream[Symbol.asyncIterator]();
            return settle(await messages.next());
          } catch (err) {
            return fail(err);
          }
        };
        return {
          next() {
            if (!messages) return start();
            // One promise per message on top of the stream's own.
            let next: Promise<IteratorResult<unknown>>;
            try {
              next = messages.next();
            } catch (err) {
              return Promise.resolve(err).then(fail);
            }
            return next.then(settle, fail);
          },
          async return() {
            release();
            await messages?.return?.();
            return { done: true, value: undefined };
          },
        };
      },
    };
  };
}

const shapes = new WeakMap<MethodInfo, Shape>();

function startCall(
  method: MethodInfo,
  request: object | undefined,
  options: CallOptions,
  closing: AbortSignal | undefined,
  newMetadata: () => CallMetadata,
): { req: CallRequest; release: () => void } {
  if (request !== undefined && (request === null || typeof request !== 'object' || Array.isArray(request))) {
    throw new PantryError({
      code: Code.INVALID_ARGUMENT,
      details: `request must be an object (a partial ${method.name}Request), got ${request === null ? 'null' : Array.isArray(request) ? 'an array' : typeof request}`,
      method: method.path,
    });
  }
  let shape = shapes.get(method);
  if (!shape) {
    shape = method.requestSchema ? shapeOf(method.requestSchema) : shapeFromDefaults(method.requestType);
    shapes.set(method, shape);
  }
  const problem = checkShape(shape, request);
  if (problem)
    throw new PantryError({
      code: Code.INVALID_ARGUMENT,
      details: `request field ${problem}`,
      method: method.path,
      hint: `see ${method.name}Request in the generated types`,
    });
  checkCallOptions(options, method.path);
  const message = method.requestType.fromPartial(request ?? {});
  const metadata = toMetadata(options.metadata, method.path, newMetadata);
  const { signal, release } = callSignal(options.signal, closing);
  const req: CallRequest = {
    kind: method.kind,
    method,
    message,
    metadata,
    deadline: Infinity,
    signal,
    options,
    attempt: 0,
    startedAt: Date.now(),
  };
  return { req, release };
}

function toMetadata(input: CallOptions['metadata'], method: string, newMetadata: () => CallMetadata): CallMetadata {
  if (isCallMetadata(input)) return input.clone();
  const md = newMetadata();
  if (input === undefined) return md;
  for (const [key, value] of Object.entries(input)) {
    try {
      md.set(key, value);
    } catch (err) {
      throw new PantryError({
        code: Code.INVALID_ARGUMENT,
        details: `metadata "${key}": ${(err as Error).message}`,
        method,
      });
    }
  }
  return md;
}
