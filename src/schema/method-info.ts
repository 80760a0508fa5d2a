import type { DescMessage } from '@bufbuild/protobuf';
import type { MessageType } from './message-type.js';
import { schemaOf } from './registry.js';

/** One method of a ts-proto generic service definition (`outputServices=generic-definitions`). */
export interface MethodDefinition {
  readonly name: string;
  readonly requestType: MessageType<unknown>;
  readonly responseType: MessageType<unknown>;
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

/** How a method may be retried, read from the proto's `idempotency_level`. */
export type Idempotency = 'NO_SIDE_EFFECTS' | 'IDEMPOTENT' | 'IDEMPOTENCY_UNKNOWN';

/**
 * The kinds of call the client makes (client and bidi streams are not supported).
 *
 * @example
 * const kind: CallKind = FoodStorageServiceDefinition.methods.watchExpiringFoods.responseStream ? 'server_streaming' : 'unary';
 */
export type CallKind = 'unary' | 'server_streaming';

/**
 * Static facts about one RPC, shared by every call of it.
 *
 * @example
 * const info: MethodInfo = req.method;
 * if (info.kind === 'unary' && info.idempotency === 'NO_SIDE_EFFECTS') …
 */
export interface MethodInfo {
  /** Full path, e.g. `/pantry.v1.FoodStorageService/AddFood`. */
  readonly path: string;
  /** Method name as in the proto, e.g. `AddFood`. */
  readonly name: string;
  /** Full service name, e.g. `pantry.v1.FoodStorageService`. */
  readonly service: string;
  readonly kind: CallKind;
  readonly idempotency: Idempotency;
  /** True when the request carries a `request_id` idempotency key (AddFood, ConsumeFood, DeleteFood). */
  readonly hasRequestId: boolean;
  /** Codec of the request message (ts-proto generated). */
  readonly requestType: MessageType<unknown>;
  /** Codec of the response message (ts-proto generated). */
  readonly responseType: MessageType<unknown>;
  /**
   * Descriptor of the request message (protoc-gen-es generated): field names and types, for the
   * request shape check. The browser client goes without (see {@link methodFacts}).
   */
  readonly requestSchema?: DescMessage;
}

/**
 * Reads the static facts of a method from its definition: path, kind, the proto's
 * `idempotency_level`, and whether the request has a `request_id` idempotency key.
 *
 * @example
 * methodInfo(FoodStorageServiceDefinition, FoodStorageServiceDefinition.methods.addFood).hasRequestId // true
 */
export function methodInfo(service: ServiceDefinition, def: MethodDefinition): MethodInfo {
  return Object.freeze({ ...methodFacts(service, def), requestSchema: schemaOf(def.requestType) });
}

/**
 * The facts of {@link methodInfo} read from the ts-proto definition alone, without the request's
 * descriptor: what the browser client uses, so that its bundle leaves out protoc-gen-es's
 * descriptors and `@bufbuild/protobuf`'s reflection (the request shape check is then the
 * top-level field names only).
 *
 * @example
 * methodFacts(FoodStorageServiceDefinition, FoodStorageServiceDefinition.methods.addFood).hasRequestId // true
 */
export function methodFacts(service: ServiceDefinition, def: MethodDefinition): MethodInfo {
  if (def.requestStream) throw new Error(`${service.fullName}/${def.name}: client-streaming methods are not supported`);
  const level = def.options.idempotencyLevel;
  return Object.freeze({
    path: `/${service.fullName}/${def.name}`,
    name: def.name,
    service: service.fullName,
    kind: def.responseStream ? 'server_streaming' : 'unary',
    idempotency: level === 'NO_SIDE_EFFECTS' || level === 'IDEMPOTENT' ? level : 'IDEMPOTENCY_UNKNOWN',
    // ts-proto's fromPartial({}) holds every field of the message, each at its default.
    hasRequestId: Object.hasOwn(def.requestType.fromPartial({}) as object, 'requestId'),
    requestType: def.requestType,
    responseType: def.responseType,
  });
}
