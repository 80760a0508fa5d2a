import type { ServiceDefinition as GrpcServiceDefinition } from '@grpc/grpc-js';

/** A ts-proto message codec, as the generic service definitions carry them. */
export interface MessageCodec<T = unknown> {
  encode(message: T): { finish(): Uint8Array };
  decode(input: Uint8Array): T;
  fromPartial(object: unknown): T;
}

/** One method of a ts-proto generic service definition (`outputServices=generic-definitions`). */
export interface GenericMethod {
  readonly name: string;
  readonly requestType: MessageCodec;
  readonly responseType: MessageCodec;
  readonly requestStream: boolean;
  readonly responseStream: boolean;
}

/** A ts-proto generic service definition: `FoodStorageServiceDefinition`, `HelloServiceDefinition`. */
export interface GenericService {
  readonly fullName: string;
  readonly methods: Readonly<Record<string, GenericMethod>>;
}

/**
 * The grpc-js server definition of a generated generic service definition: the same paths and
 * codecs the client sends with, so the fake and the client cannot disagree about the wire.
 * Responses pass through `fromPartial`, so a handler may leave fields out.
 *
 * @example
 * server.addService(grpcServiceOf(HelloServiceDefinition), { hello: (call, done) => done(null, { message: 'hi' }) });
 */
export function grpcServiceOf(service: GenericService): GrpcServiceDefinition {
  const definition: Record<string, GrpcServiceDefinition[string]> = {};
  for (const [key, m] of Object.entries(service.methods)) {
    definition[key] = {
      path: `/${service.fullName}/${m.name}`,
      originalName: m.name,
      requestStream: m.requestStream,
      responseStream: m.responseStream,
      requestSerialize: (value: unknown) => Buffer.from(m.requestType.encode(value).finish()),
      requestDeserialize: (bytes: Buffer) => m.requestType.decode(bytes),
      responseSerialize: (value: unknown) =>
        Buffer.from(m.responseType.encode(m.responseType.fromPartial(value)).finish()),
      responseDeserialize: (bytes: Buffer) => m.responseType.decode(bytes),
    };
  }
  return definition;
}
