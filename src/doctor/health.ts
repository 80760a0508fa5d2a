import { Metadata, type Client } from '@grpc/grpc-js';
import { BinaryReader } from '@bufbuild/protobuf/wire';

/** `grpc.health.v1.HealthCheckResponse.ServingStatus` names. */
const STATUS = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'] as const;

/**
 * Calls `grpc.health.v1.Health/Check` for the whole server. The request is the empty message;
 * the response's one field (status, field 1) is read with @bufbuild/protobuf's reader.
 *
 * @example
 * const status = await healthCheck(grpcClient, Date.now() + 5000); // 'SERVING'
 */
export function healthCheck(client: Client, deadline: number): Promise<string> {
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(
      '/grpc.health.v1.Health/Check',
      (b: Buffer) => b,
      (bytes: Buffer) => {
        const reader = new BinaryReader(bytes);
        let status = 0;
        while (reader.pos < reader.len) {
          const [field, wire] = reader.tag();
          if (field === 1) status = reader.int32();
          else reader.skip(wire);
        }
        return STATUS[status] ?? `status ${status}`;
      },
      Buffer.alloc(0),
      new Metadata(),
      { deadline },
      (err, status) => (err ? reject(err) : resolve(status!)),
    );
  });
}
