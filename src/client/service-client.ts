import { Metadata } from '@grpc/grpc-js';
import { checkCallOptions, type CallOptions } from '../pipeline/call-options.js';
import { callSignal } from '../pipeline/signals.js';
import { Code } from '../errors/code.js';
import { finishCallError } from '../pipeline/call-error.js';
import type { CallFn, CallRequest, CallResponse, Idempotency, MethodInfo } from '../pipeline/interceptor.js';
import type { DeepPartial, MessageType } from '../schema/message-type.js';
import { PantryError } from '../errors/pantry-error.js';
import { checkShape, shapeOf, type Shape } from '../schema/request-shape.js';

/** One method of a ts-proto generic service definition (`outputServices=generic-definitions`). */
export interface MethodDefinition {
  readonly name: string;
  readonly requestType: MessageType<any>;
  readonly responseType: MessageType<any>;
  readonly requestStream: boolean;
  readonly responseStream: boolean;
  readonly options: { readonly idempotencyLevel?: string };
}

/** A ts-proto generic service definition, e.g. `FoodStorageServiceDefinition`. */
export interface ServiceDefinition {
  readonly name: string;
  readonly fullName: string;
  readonly methods: { readonly [name: string]: MethodDefinition };
}

/**
 * The typed client of one service: a Promise per unary method, an `AsyncIterable` per
 * server-streaming method. Requests are partial objects, filled in with `fromPartial`.
 *
 * @example
 * const { foods } = await client.foodStorage.listFoods({ pageSize: 20 });
 * for await (const { food, daysLeft } of client.foodStorage.watchExpiringFoods({ withinDays: 30 })) …
 */
export type ServiceClient<S extends ServiceDefinition> = {
  [K in keyof S['methods']]: S['methods'][K] extends { requestType: MessageType<infer Req>; responseType: MessageType<infer Res>; responseStream: infer Streaming }
    ? Streaming extends true
      ? (request?: DeepPartial<Req>, options?: CallOptions) => AsyncIterable<Res>
      : (request?: DeepPartial<Req>, options?: CallOptions) => Promise<Res>
    : never;
};

/**
 * Reads the static facts of a method from its definition: path, kind, the proto's
 * `idempotency_level`, and whether the request has a `request_id` idempotency key.
 *
 * @example
 * methodInfo(FoodStorageServiceDefinition, FoodStorageServiceDefinition.methods.addFood).hasRequestId // true
 */
export function methodInfo(service: ServiceDefinition, def: MethodDefinition): MethodInfo {
  if (def.requestStream) throw new Error(`${service.fullName}/${def.name}: client-streaming methods are not supported`);
  const level = def.options.idempotencyLevel;
  return Object.freeze({
    path: `/${service.fullName}/${def.name}`,
    name: def.name,
    service: service.fullName,
    kind: def.responseStream ? 'server_streaming' : 'unary',
    idempotency: (level === 'NO_SIDE_EFFECTS' || level === 'IDEMPOTENT' ? level : 'IDEMPOTENCY_UNKNOWN') as Idempotency,
    hasRequestId: 'requestId' in def.requestType.fromPartial({}),
    requestType: def.requestType,
    responseType: def.responseType,
  });
}

/**
 * Builds the typed client of a service whose every call goes through `pipeline`. When `closing`
 * aborts (the client's `close()`), every call in flight is cancelled with its reason, and so is
 * every later call.
 *
 * @example
 * const hello = serviceClient(HelloServiceDefinition, pipeline);
 * await hello.hello({ name: 'pantry' });
 */
export function serviceClient<S extends ServiceDefinition>(service: S, pipeline: CallFn, closing?: AbortSignal): ServiceClient<S> {
  const client: Record<string, unknown> = {};
  for (const [key, def] of Object.entries(service.methods)) {
    const method = methodInfo(service, def);
    client[key] = method.kind === 'unary' ? unaryMethod(method, pipeline, closing) : serverStreamingMethod(method, pipeline, closing);
  }
  return Object.freeze(client) as ServiceClient<S>;
}

function unaryMethod(method: MethodInfo, pipeline: CallFn, closing: AbortSignal | undefined) {
  return (request?: object, options: CallOptions = {}): Promise<unknown> => {
    let req: CallRequest | undefined;
    let release = noop;
    let call: Promise<CallResponse>;
    try {
      ({ req, release } = startCall(method, request, options, closing));
      call = pipeline(req);
    } catch (err) {
      release();
      return Promise.reject(req ? finishCallError(err, req) : err);
    }
    return call.then(
      (res) => {
        release();
        if (res.header) options.onHeader?.(res.header);
        if (res.trailer) options.onTrailer?.(res.trailer);
        return res.message;
      },
      (err) => {
        release();
        throw finishCallError(err, req!);
      },
    );
  };
}

const noop = () => {};

function serverStreamingMethod(method: MethodInfo, pipeline: CallFn, closing: AbortSignal | undefined) {
  return (request?: object, options: CallOptions = {}): AsyncIterable<unknown> => {
    return {
      [Symbol.asyncIterator](): AsyncIterator<unknown> {
        // The call starts at the first next(); errors of the call and of its messages are settled alike.
        let req: CallRequest | undefined;
        let release = noop;
        let messages: AsyncIterator<unknown> | undefined;
        return {
          async next() {
            try {
              if (!messages) {
                ({ req, release } = startCall(method, request, options, closing));
                const res = await pipeline(req);
                if (res.header) options.onHeader?.(res.header);
                messages = res.stream![Symbol.asyncIterator]();
              }
              const r = await messages.next();
              if (r.done) release();
              return r;
            } catch (err) {
              release();
              throw req ? finishCallError(err, req) : err;
            }
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

function startCall(method: MethodInfo, request: object | undefined, options: CallOptions, closing: AbortSignal | undefined): { req: CallRequest; release: () => void } {
  if (request !== undefined && (request === null || typeof request !== 'object' || Array.isArray(request))) {
    throw new PantryError({ code: Code.INVALID_ARGUMENT, details: `request must be an object (a partial ${method.name}Request), got ${request === null ? 'null' : Array.isArray(request) ? 'an array' : typeof request}`, method: method.path });
  }
  let shape = shapes.get(method);
  if (!shape) shapes.set(method, (shape = shapeOf(method.requestType)));
  const problem = checkShape(shape, request);
  if (problem) throw new PantryError({ code: Code.INVALID_ARGUMENT, details: `request field ${problem}`, method: method.path, hint: `see ${method.name}Request in the generated types` });
  checkCallOptions(options, method.path);
  const message = method.requestType.fromPartial(request ?? {});
  const metadata = toMetadata(options.metadata, method.path);
  const { signal, release } = callSignal(options.signal, closing);
  const req: CallRequest = {
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

function toMetadata(input: CallOptions['metadata'], method: string): Metadata {
  if (input instanceof Metadata) return input.clone();
  const md = new Metadata();
  if (input === undefined) return md;
  for (const [key, value] of Object.entries(input)) {
    try {
      md.set(key, value);
    } catch (err) {
      throw new PantryError({ code: Code.INVALID_ARGUMENT, details: `metadata "${key}": ${(err as Error).message}`, method });
    }
  }
  return md;
}
