import {
  credentials,
  Metadata,
  Server,
  ServerCredentials,
  status,
  type ServerUnaryCall,
  type ServerWritableStream,
  type sendUnaryData,
} from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FoodStorageServiceDefinition as S } from '../../src/generated/pantry/v1/food_storage_service.js';
import { Code, createClient, PantryError, type CallRequest } from '../../src/index.js';
import { inspect } from 'node:util';
import { methodInfo } from '../../src/schema/method-info.js';
import { createChannel } from '../../src/transport/channel.js';
import { grpcTransport } from '../../src/transport/grpc-transport.js';
import { watchConnectivity } from '../../src/observability/connection-trace.js';
import { Tracer } from '../../src/observability/tracer.js';
import { captureLogger } from '../helpers.js';

// The grpc-js transport against an in-process grpc-js server on loopback (plaintext): a unary
// call with its headers, trailers and deadline, a status turned into a PantryError with its hint,
// cancellation, and a server stream read to its end, cut short, or failing.

const getFood = methodInfo(S, S.methods.getFood);
const watch = methodInfo(S, S.methods.watchExpiringFoods);
let server: Server;
let target: string;
const cancelled: string[] = [];

function def(m: typeof getFood, stream: boolean) {
  return {
    path: m.path,
    requestStream: false,
    responseStream: stream,
    requestSerialize: (v: unknown) => Buffer.from(m.requestType.encode(v).finish()),
    requestDeserialize: (b: Buffer) => m.requestType.decode(b),
    responseSerialize: (v: unknown) => Buffer.from(m.responseType.encode(v).finish()),
    responseDeserialize: (b: Buffer) => m.responseType.decode(b),
  };
}

beforeAll(async () => {
  server = new Server();
  server.addService(
    { GetFood: def(getFood, false), WatchExpiringFoods: def(watch, true) } as never,
    {
      GetFood: (call: ServerUnaryCall<{ id: string }, unknown>, callback: sendUnaryData<unknown>) => {
        const { id } = call.request;
        const header = new Metadata();
        header.set('x-header', 'h');
        call.sendMetadata(header);
        const trailer = new Metadata();
        trailer.set('x-trailer', 't');
        if (id === 'missing')
          return callback({ code: status.NOT_FOUND, details: 'no food "missing"', metadata: trailer });
        if (id === 'slow') {
          call.on('cancelled', () => cancelled.push('slow'));
          setTimeout(() => callback(null, { food: { id } }, trailer), 2000);
          return;
        }
        callback(null, getFood.responseType.fromPartial({ food: { id, name: `food ${id}` } }), trailer);
      },
      WatchExpiringFoods: (call: ServerWritableStream<{ withinDays: number }, unknown>) => {
        const n = call.request.withinDays;
        call.on('cancelled', () => cancelled.push(`stream ${n}`));
        if (n === 99) return void call.emit('error', { code: status.UNAVAILABLE, details: 'going away' });
        let i = 0;
        const next = () => {
          if (call.cancelled) return;
          if (n < 0 && i === 1) return void call.emit('error', { code: status.INTERNAL, details: 'broke mid-stream' });
          if (i >= Math.abs(n) && n < 50) return call.end();
          call.write(watch.responseType.fromPartial({ food: { id: `f${i++}` } }));
          setTimeout(next, n >= 50 ? 20 : 0);
        };
        next();
      },
    } as never,
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  target = `127.0.0.1:${port}`;
});

afterAll(() => {
  server.forceShutdown();
});

const channel = () => createChannel(target, credentials.createInsecure());
const hints = () => ({ address: target, insecure: true });
const unaryReq = (message: object, over: Partial<CallRequest> = {}): CallRequest =>
  ({
    kind: 'unary',
    method: getFood,
    message: getFood.requestType.fromPartial(message),
    metadata: new Metadata(),
    deadline: Infinity,
    options: {},
    attempt: 1,
    startedAt: Date.now(),
    ...over,
  }) as CallRequest;
const streamReq = (withinDays: number, over: Partial<CallRequest> = {}): CallRequest =>
  ({
    ...unaryReq({}),
    kind: 'server_streaming',
    method: watch,
    message: watch.requestType.fromPartial({ withinDays }),
    ...over,
  }) as CallRequest;

describe('grpcTransport: unary', () => {
  it('returns the message with headers and trailers', async () => {
    const c = channel();
    try {
      const res = await grpcTransport(c, hints())(unaryReq({ id: 'f1' }));
      if (res.kind !== 'unary') throw new Error('not unary');
      expect(res.message).toMatchObject({ food: { id: 'f1', name: 'food f1' } });
      expect(res.header?.get('x-header')).toEqual(['h']);
      expect(res.trailer?.get('x-trailer')).toEqual(['t']);
    } finally {
      c.close();
    }
  });

  it('turns a status into a PantryError with the trailers', async () => {
    const c = channel();
    try {
      const e = (await grpcTransport(c, hints())(unaryReq({ id: 'missing' })).catch((x) => x)) as PantryError;
      expect(e).toBeInstanceOf(PantryError);
      expect([e.code, e.details, e.method]).toEqual([Code.NOT_FOUND, 'no food "missing"', getFood.path]);
      expect(e.metadata.get('x-trailer')).toEqual(['t']);
    } finally {
      c.close();
    }
  });

  it('sends the deadline, and cancels the call when the signal aborts', async () => {
    const c = channel();
    try {
      const t0 = Date.now();
      const late = (await grpcTransport(
        c,
        hints(),
      )(unaryReq({ id: 'slow' }, { deadline: Date.now() + 150 })).catch((x) => x)) as PantryError;
      expect(late.code).toBe(Code.DEADLINE_EXCEEDED);
      expect(Date.now() - t0).toBeLessThan(1500);
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      const t1 = Date.now();
      const stopped = (await grpcTransport(
        c,
        hints(),
      )(unaryReq({ id: 'slow' }, { signal: controller.signal })).catch((x) => x)) as PantryError;
      expect(stopped.code).toBe(Code.CANCELLED);
      expect(Date.now() - t1).toBeLessThan(1500);
      const pre = (await grpcTransport(
        c,
        hints(),
      )(unaryReq({ id: 'slow' }, { signal: AbortSignal.abort() })).catch((x) => x)) as PantryError;
      expect(pre.code).toBe(Code.CANCELLED);
    } finally {
      c.close();
    }
  });
});

describe('grpcTransport: server streams', () => {
  const read = async (stream: AsyncIterable<unknown>) => {
    const ids: string[] = [];
    for await (const m of stream) ids.push((m as { food: { id: string } }).food.id);
    return ids;
  };

  it('resolves at the first message with the header, then yields the rest', async () => {
    const c = channel();
    try {
      const res = await grpcTransport(c, hints())(streamReq(3));
      if (res.kind !== 'server_streaming') throw new Error('not a stream');
      expect(res.header).toBeInstanceOf(Metadata);
      expect(await read(res.stream)).toEqual(['f0', 'f1', 'f2']);
      expect(await res.stream[Symbol.asyncIterator]().next()).toEqual({ done: true, value: undefined });
      const empty = await grpcTransport(c, hints())(streamReq(0));
      expect(empty.kind === 'server_streaming' && (await read(empty.stream))).toEqual([]);
    } finally {
      c.close();
    }
  });

  it('fails before the first message, and mid-stream, with PantryErrors', async () => {
    const c = channel();
    try {
      const e = (await grpcTransport(c, hints())(streamReq(99)).catch((x) => x)) as PantryError;
      expect([e.code, e.details]).toEqual([Code.UNAVAILABLE, 'going away']);
      const res = await grpcTransport(c, hints())(streamReq(-3));
      if (res.kind !== 'server_streaming') throw new Error('not a stream');
      const it = res.stream[Symbol.asyncIterator]();
      expect(await it.next()).toMatchObject({ done: false, value: { food: { id: 'f0' } } });
      const mid = (await it.next().catch((x) => x)) as PantryError;
      expect([mid.code, mid.details, mid.method]).toEqual([Code.INTERNAL, 'broke mid-stream', watch.path]);
      expect(await it.next()).toEqual({ done: true, value: undefined });
    } finally {
      c.close();
    }
  });

  it('cancels the call on the server when the caller stops early', async () => {
    const c = channel();
    try {
      const res = await grpcTransport(c, hints())(streamReq(50));
      if (res.kind !== 'server_streaming') throw new Error('not a stream');
      for await (const _ of res.stream) break;
      const until = Date.now() + 3000;
      while (!cancelled.includes('stream 50') && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
      expect(cancelled).toContain('stream 50');
      const controller = new AbortController();
      const res2 = await grpcTransport(c, hints())(streamReq(51, { signal: controller.signal }));
      controller.abort();
      const it = (res2 as { stream: AsyncIterable<unknown> }).stream[Symbol.asyncIterator]();
      await it.next(); // the first message, already read
      const e = (await it.next().catch((x) => x)) as PantryError;
      expect(e.code).toBe(Code.CANCELLED);
    } finally {
      c.close();
    }
  });
});

describe('connection tracer', () => {
  it('traces each state change of the channel until stopped', async () => {
    const logger = captureLogger();
    const c = channel();
    const stop = watchConnectivity(c, new Tracer({ trace: 'connection', logger }, {}), target);
    try {
      await grpcTransport(c, hints())(unaryReq({ id: 'f1' }));
      expect(logger.lines.slice(0, 2)).toEqual([
        `debug connection | ${target} IDLE -> CONNECTING`,
        `debug connection | ${target} CONNECTING -> READY`,
      ]);
      stop();
      const seen = logger.lines.length;
      c.close();
      await new Promise((r) => setTimeout(r, 50));
      expect(logger.lines).toHaveLength(seen);
    } finally {
      c.close();
    }
  });

  it('follows the channel to its shutdown', async () => {
    const logger = captureLogger();
    const c = channel();
    watchConnectivity(c, new Tracer({ trace: 'connection', logger }, {}), 'pantry');
    await grpcTransport(c, hints())(unaryReq({ id: 'f1' }));
    c.close();
    const until = Date.now() + 2000;
    while (!logger.lines.some((l) => l.endsWith('-> SHUTDOWN')) && Date.now() < until)
      await new Promise((r) => setTimeout(r, 10));
    expect(logger.lines.at(-1)).toBe('debug connection | pantry READY -> SHUTDOWN');
  });
});

describe('createClient over plaintext (insecure: true)', () => {
  it('makes calls end to end, trailers included, and refuses every call once closed', async () => {
    const client = createClient({ address: target, insecure: true, env: {} });
    try {
      await client.waitForReady(5000);
      const trailers: string[] = [];
      const res = await client.foodStorage.getFood(
        { id: 'f1' },
        { onTrailer: (t) => trailers.push(String(t.get('x-trailer'))) },
      );
      expect(res.food?.name).toBe('food f1');
      expect(trailers).toEqual(['t']);
      expect(client.address).toBe(target);
      expect(inspect(client)).toBe(`PantryClient { address: '${target}' }`);
      expect(client.reloadCertificates()).toBe(false); // no certificates to reload
    } finally {
      client.close();
      client.close(); // twice is fine
    }
    expect(inspect(client)).toBe(`PantryClient { address: '${target}', closed }`);
    const e = (await client.foodStorage.getFood({ id: 'f1' }).catch((x) => x)) as PantryError;
    expect([e.code, e.details, e.hint]).toEqual([
      Code.CANCELLED,
      'the client was closed (close() or await using) while the call was in flight or before it started',
      'make calls before close(), or create a new client',
    ]);
  });

  it('waitForReady names the target when nothing answers', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const s = new Server();
      s.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (_e, p) => s.tryShutdown(() => resolve(p)));
    });
    const client = createClient({ address: `127.0.0.1:${closedPort}`, insecure: true, env: {} });
    try {
      const e = (await client.waitForReady(200).catch((x) => x)) as PantryError;
      expect(e.code).toBe(Code.UNAVAILABLE);
      expect(e.details).toMatch(new RegExp(`^not connected to 127\\.0\\.0\\.1:${closedPort} within 200 ms: `));
      expect(e.hint).toBe('check the address, the proxy and the certificates (npx pantry-client doctor)');
    } finally {
      await client[Symbol.asyncDispose]();
    }
    expect(inspect(client)).toContain(', closed');
  });

  it('takes the address and certDir as arguments, and refuses a wrong first argument', () => {
    expect(() => createClient(5 as never)).toThrow(
      'createClient: the first argument must be an address string or an options object, got number',
    );
    expect(() => createClient(null as never)).toThrow('got null');
    expect(() => createClient('h:1', 7 as never)).toThrow(
      'createClient: certDir must be a directory path string, got number',
    );
    const c = createClient(target, undefined, { insecure: true, env: {} });
    expect(c.address).toBe(target);
    c.close();
  });
});
