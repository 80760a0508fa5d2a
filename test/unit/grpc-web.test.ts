import { describe, expect, it } from 'vitest';
import { createWebClient } from '../../src/client/create-web-client.js';
import { PantryError } from '../../src/errors/pantry-error.js';
import { HelloResponse, HelloServiceDefinition } from '../../src/generated/hello/v1/hello.js';
import { FoodStorageServiceDefinition } from '../../src/generated/pantry/v1/food_storage_service.js';
import { methodFacts, methodInfo } from '../../src/schema/method-info.js';
import { PlainMetadata } from '../../src/metadata/plain-metadata.js';
import {
  FrameReader,
  headersToMetadata,
  messageFrame,
  metadataToHeaders,
} from '../../src/transport/grpc-web-frames.js';

const enc = new TextEncoder();
const trailerFrame = (text: string) => {
  const body = enc.encode(text);
  const f = messageFrame(body);
  f[0] = 0x80;
  return f;
};

describe('gRPC-Web frames', () => {
  it('cuts a body into frames however its chunks fall, message by message', () => {
    const a = messageFrame(new Uint8Array([1, 2, 3]));
    const b = messageFrame(new Uint8Array([]));
    const t = trailerFrame('grpc-status: 0\r\ngrpc-message: \r\n');
    const all = new Uint8Array([...a, ...b, ...t]);
    for (const cut of [1, 2, 4, 5, 7, 8, 9, all.length - 1]) {
      const r = new FrameReader();
      const frames = [...r.push(all.subarray(0, cut)), ...r.push(all.subarray(cut))];
      expect(frames.map((f) => f.kind)).toEqual(['message', 'message', 'trailers']);
      expect(frames[0]).toEqual({ kind: 'message', bytes: new Uint8Array([1, 2, 3]) });
      expect(frames[2]!.kind === 'trailers' && frames[2]!.trailers.get('grpc-status')).toEqual(['0']);
      expect(r.pending).toBe(false);
    }
    const r = new FrameReader();
    expect(r.push(a.subarray(0, 6))).toEqual([]); // a frame not complete yet is held back
    expect(r.pending).toBe(true);
  });

  it('carries -bin metadata as base64 both ways and keeps string values as sent', () => {
    const md = new PlainMetadata();
    md.set('x-tenant', 'a');
    md.add('trace-bin', new Uint8Array([0, 255, 7]));
    const headers = new Headers();
    metadataToHeaders(md, headers);
    expect(headers.get('trace-bin')).toBe('AP8H');
    const back = headersToMetadata(headers);
    expect(back.get('x-tenant')).toEqual(['a']);
    expect(back.get('trace-bin')).toEqual([new Uint8Array([0, 255, 7])]);
  });
});

describe('PlainMetadata', () => {
  it('lower-cases keys, refuses bad keys and values of the wrong kind, and clones', () => {
    const md = new PlainMetadata();
    md.set('X-Request-Source', 'tablet');
    expect(md.get('x-request-source')).toEqual(['tablet']);
    expect(() => md.set('bad key', 'x')).toThrow(/characters gRPC does not allow/);
    expect(() => md.set('x-bin', 'text')).toThrow(/take bytes/);
    expect(() => md.set('x-a', new Uint8Array(1))).toThrow(/take strings/);
    const copy = md.clone();
    copy.add('x-request-source', 'phone');
    expect(md.get('x-request-source')).toEqual(['tablet']);
    expect(copy.toJSON()).toEqual({ 'x-request-source': ['tablet', 'phone'] });
    expect(copy.getMap()).toEqual({ 'x-request-source': 'tablet' });
  });
});

/** A fetch that answers with `status`, `headers` and the body in `chunks`, and records the request. */
function fakeFetch(status: number, headers: Record<string, string>, chunks: Uint8Array[] = []) {
  const seen: { url: string; headers: Headers; credentials?: string }[] = [];
  const fetch = (async (url: string, init: RequestInit) => {
    seen.push({ url, headers: new Headers(init.headers), credentials: init.credentials });
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        for (const chunk of chunks) c.enqueue(chunk);
        c.close();
      },
    });
    return new Response(body, { status, headers });
  }) as unknown as typeof globalThis.fetch;
  return { fetch, seen };
}

describe('createWebClient over a scripted fetch', () => {
  const grpcWeb = { 'content-type': 'application/grpc-web+proto' };

  it('posts one frame with grpc-timeout and credentials, and decodes the answer', async () => {
    const reply = messageFrame(HelloResponse.encode({ message: 'Hello, web!' }).finish());
    const { fetch, seen } = fakeFetch(200, grpcWeb, [reply, trailerFrame('grpc-status: 0\r\n')]);
    const client = createWebClient('https://pantry.example.com:8443/', { fetch, deadlineMs: 5_000 });
    expect(await client.hello.hello({ name: 'web' })).toEqual({ message: 'Hello, web!' });
    expect(seen[0]!.url).toBe('https://pantry.example.com:8443/hello.v1.HelloService/Hello');
    expect(seen[0]!.headers.get('content-type')).toBe('application/grpc-web+proto');
    expect(Number(seen[0]!.headers.get('grpc-timeout')!.replace(/m$/, ''))).toBeGreaterThan(4_000);
    expect(seen[0]!.credentials).toBe('include');
  });

  it('sends a token as a bearer header on every attempt, asking a function each time, without credentials', async () => {
    const reply = () => [
      messageFrame(HelloResponse.encode({ message: 'x' }).finish()),
      trailerFrame('grpc-status: 0\r\n'),
    ];
    let n = 0;
    const { fetch, seen } = fakeFetch(200, { 'content-type': 'application/grpc-web+proto' }, reply());
    const client = createWebClient('https://p.example', { fetch, token: () => `t${++n}` });
    await client.hello.hello({});
    expect(seen[0]!.headers.get('authorization')).toBe('Bearer t1');
    expect(seen[0]!.credentials).toBe('omit');
  });

  it('reads a trailers-only status from the headers, percent-decoded, and an HTTP error by its status', async () => {
    const notFound = fakeFetch(200, { ...grpcWeb, 'grpc-status': '5', 'grpc-message': 'no%20food' });
    const err = await createWebClient('https://p.example', { fetch: notFound.fetch })
      .foodStorage.getFood({ id: 'x' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PantryError);
    expect(err).toMatchObject({ codeName: 'NOT_FOUND', details: 'no food' });
    const down = fakeFetch(503, { 'content-type': 'text/plain' });
    const e503 = await createWebClient('https://p.example', { fetch: down.fetch, retry: false })
      .hello.hello({})
      .catch((e: unknown) => e);
    expect(e503).toMatchObject({ codeName: 'UNAVAILABLE', details: 'Received HTTP status code 503' });
    expect((e503 as PantryError).hint).toMatch(/no gRPC server to forward to/);
  });

  it('reports a body that ends without trailers as INTERNAL', async () => {
    const reply = messageFrame(HelloResponse.encode({ message: 'x' }).finish());
    const { fetch } = fakeFetch(200, grpcWeb, [reply]);
    const err = await createWebClient('https://p.example', { fetch })
      .hello.hello({})
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ codeName: 'INTERNAL', details: expect.stringMatching(/without trailers/) });
  });

  it('checks requests without descriptors: an unknown field or a scalar of the wrong type, before sending', async () => {
    const { fetch, seen } = fakeFetch(200, {});
    const client = createWebClient('https://p.example', { fetch });
    const unknown = await client.foodStorage.listFoods({ pageSiz: 10 } as never).catch((e: unknown) => e);
    expect(unknown).toMatchObject({
      codeName: 'INVALID_ARGUMENT',
      details: expect.stringMatching(/pageSiz: no such field/),
    });
    const wrong = await client.foodStorage.listFoods({ pageSize: '10' } as never).catch((e: unknown) => e);
    expect(wrong).toMatchObject({
      codeName: 'INVALID_ARGUMENT',
      details: expect.stringMatching(/pageSize: expected a number/),
    });
    const nested = await client.foodStorage
      .addFood({ food: { name: 'x', quantity: 2 ** 40 } })
      .catch((e: unknown) => e);
    expect(nested).toMatchObject({ codeName: 'INVALID_ARGUMENT', attempts: 1 });
    expect(seen).toHaveLength(0);
  });

  it('reads the same method facts without descriptors as with them', () => {
    for (const service of [HelloServiceDefinition, FoodStorageServiceDefinition])
      for (const def of Object.values(service.methods)) {
        const { requestSchema, ...full } = methodInfo(service, def);
        expect(methodFacts(service, def), def.name).toEqual(full);
        expect(requestSchema).toBeDefined();
      }
  });

  it('refuses a bad base URL and unknown options with INVALID_ARGUMENT naming them', () => {
    expect(() => createWebClient('pantry.example.com:8443')).toThrow(/baseUrl must be an http\(s\) URL/);
    expect(() => createWebClient('https://p.example', { timeout: 5 } as never)).toThrow(/unknown option "timeout"/);
    expect(() => createWebClient('https://p.example', { deadlineMs: -1 })).toThrow(/deadlineMs must be a positive/);
    expect(() => createWebClient('https://p.example', { credentials: 'all' as never })).toThrow(/credentials must be/);
  });
});
