import { Metadata } from '@grpc/grpc-js';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Client } from '@grpc/grpc-js';
import { FoodStorageServiceDefinition } from '../../src/generated/pantry/v1/food_storage_service.js';
import { Code, PantryError, type CallRequest, type ServerStreamResponse } from '../../src/index.js';
import { methodInfo } from '../../src/schema/method-info.js';
import { grpcTransport } from '../../src/transport/grpc-transport.js';

// The transport reads a grpc-js server stream from its 'data' events: in order, every message
// received before an error first, with backpressure, and a cancel when the reader leaves early.

function fakeStream() {
  const stream = Object.assign(new Readable({ objectMode: true, read() {} }), { cancelled: false, paused: 0 });
  Object.assign(stream, {
    cancel() {
      stream.cancelled = true;
    },
  });
  const pause = stream.pause.bind(stream);
  stream.pause = () => {
    stream.paused++;
    return pause();
  };
  const client = { getChannel: () => ({}), makeServerStreamRequest: () => stream } as unknown as Client;
  return { stream, client };
}

const method = methodInfo(FoodStorageServiceDefinition, FoodStorageServiceDefinition.methods.watchExpiringFoods);
const req: CallRequest = {
  kind: 'server_streaming',
  method,
  message: { withinDays: 30 },
  metadata: new Metadata(),
  deadline: Infinity,
  options: {},
  attempt: 1,
  startedAt: Date.now(),
};
const hints = { address: 'localhost:1', insecure: false };

async function open(client: Client) {
  return (await grpcTransport(client, hints)(req)) as ServerStreamResponse;
}

describe('the server-stream transport', () => {
  it('reads every message in order, pausing the stream while the reader is behind', async () => {
    const { stream, client } = fakeStream();
    setImmediate(() => {
      for (let i = 0; i < 500; i++) stream.push(i);
      stream.push(null);
    });
    const res = await open(client);
    const got: unknown[] = [];
    for await (const m of res.stream) got.push(m);
    expect(got).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(stream.paused).toBeGreaterThan(0);
  });

  it('gives the messages received before an error, then the error', async () => {
    const { stream, client } = fakeStream();
    setImmediate(() => {
      for (let i = 0; i < 300; i++) stream.push(i);
      stream.push(null); // as grpc-js: end, then 'error' for a non-OK status
      stream.emit(
        'error',
        Object.assign(new Error('14 UNAVAILABLE: gone'), { code: 14, details: 'gone', metadata: new Metadata() }),
      );
    });
    const res = await open(client);
    const got: unknown[] = [];
    const err = await (async () => {
      for await (const m of res.stream) got.push(m);
    })().catch((e) => e);
    expect(got).toHaveLength(300);
    expect(err).toBeInstanceOf(PantryError);
    expect((err as PantryError).code).toBe(Code.UNAVAILABLE);
  });

  it('cancels the call when the reader leaves early', async () => {
    const { stream, client } = fakeStream();
    setImmediate(() => {
      for (let i = 0; i < 10; i++) stream.push(i);
    });
    const res = await open(client);
    for await (const m of res.stream) if (m === 3) break;
    expect(stream.cancelled).toBe(true);
  });
});
