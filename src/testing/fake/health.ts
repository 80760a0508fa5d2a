import { BinaryReader, BinaryWriter } from '@bufbuild/protobuf/wire';
import type { sendUnaryData, ServerUnaryCall, ServiceDefinition, UntypedServiceImplementation } from '@grpc/grpc-js';
import { Code } from '../../errors/code.js';
import { fakeStatus, serverError } from './status.js';

/** `grpc.health.v1.HealthCheckResponse.ServingStatus`: SERVING, NOT_SERVING. */
const SERVING = 1;
const NOT_SERVING = 2;

/**
 * `grpc.health.v1.Health/Check` as the Go server answers it (grpc-go's health server): SERVING
 * for the whole server (`""`) and for each of its services, NOT_SERVING once `closing` aborts,
 * `NOT_FOUND` "unknown service" for another name. The two one-field messages are read and
 * written with @bufbuild/protobuf's wire helpers (no generated health types in this package).
 *
 * @example
 * const { definition, implementation } = healthService(['hello.v1.HelloService'], closing.signal);
 * server.addService(definition, implementation);
 */
export function healthService(
  services: readonly string[],
  closing: AbortSignal,
): { definition: ServiceDefinition; implementation: UntypedServiceImplementation } {
  const known = new Set(['', ...services]);
  const definition: ServiceDefinition = {
    Check: {
      path: '/grpc.health.v1.Health/Check',
      requestStream: false,
      responseStream: false,
      requestSerialize: ({ service }: { service: string }) =>
        Buffer.from(new BinaryWriter().uint32(10).string(service).finish()),
      requestDeserialize: (bytes: Buffer) => {
        const reader = new BinaryReader(bytes);
        let service = '';
        while (reader.pos < reader.len) {
          const [field, wire] = reader.tag();
          if (field === 1) service = reader.string();
          else reader.skip(wire);
        }
        return { service }; // an object: grpc-js takes a falsy request for a missing one
      },
      responseSerialize: (status: number) => Buffer.from(new BinaryWriter().uint32(8).int32(status).finish()),
      responseDeserialize: (bytes: Buffer) => bytes, // the fake only serves
    },
  };
  const implementation: UntypedServiceImplementation = {
    Check: (call: ServerUnaryCall<{ service: string }, number>, done: sendUnaryData<number>) => {
      if (!known.has(call.request.service)) return done(serverError(fakeStatus(Code.NOT_FOUND, 'unknown service')));
      done(null, closing.aborted ? NOT_SERVING : SERVING);
    },
  };
  return { definition, implementation };
}
