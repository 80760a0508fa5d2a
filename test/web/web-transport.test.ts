import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type PantryClient } from '../../src/index.js';
import { createWebClient, type Interceptor, PantryError, ResourceInfo, type WebClientOptions } from '../../src/web.js';
import { startPantryStack, type PantryStack } from '../../src/testing/index.js';
import { freePort } from '../../src/testing/ports.js';

// @pantry/client/web under Node's fetch (undici, with a TLS agent) against the real Go server
// behind the real Envoy: its grpc_web filter on the mutual-TLS listener and on the JWT listener.

let stack: PantryStack;
let node: PantryClient;
let mtlsFetch: typeof fetch;
let jwtFetch: typeof fetch;
const key = () => `web-${Math.random().toString(36).slice(2)}`;
const fault = (m: Record<string, string>) =>
  Object.fromEntries(Object.entries(m).map(([k, v]) => [`pantry-fault-${k}`, v]));

beforeAll(async () => {
  stack = await startPantryStack({ runtime: 'process', faultInjection: true, web: true });
  const pem = (f: string) => readFileSync(join(stack.certDir, f), 'utf8');
  // undici's fetch (Node's global fetch is the same code) with a dispatcher: the client certificate, or only the CA.
  const mtls = new Agent({ connect: { ca: pem('ca.crt'), cert: pem('client.crt'), key: pem('client.key') } });
  const serverOnly = new Agent({ connect: { ca: pem('ca.crt') } });
  mtlsFetch = ((url: string, init: RequestInit) => undiciFetch(url, { ...init, dispatcher: mtls } as never)) as never;
  jwtFetch = ((url: string, init: RequestInit) =>
    undiciFetch(url, { ...init, dispatcher: serverOnly } as never)) as never;
  node = createClient(stack.address, stack.certDir);
}, 120_000);

afterAll(async () => {
  node?.close();
  await stack?.stop();
});

const mtlsClient = (o: WebClientOptions = {}) => createWebClient(stack.web!.mtlsUrl, { fetch: mtlsFetch, ...o });

describe('gRPC-Web over the mutual-TLS listener, under Node fetch', () => {
  it('calls Hello and AddFood then ListFoods through the pipeline (request_id filled in, headers seen)', async () => {
    const client = mtlsClient();
    expect(await client.hello.hello({ name: 'browser' })).toEqual({ message: 'Hello, browser!' });
    const name = key();
    const headers: string[] = [];
    const { food } = await client.foodStorage.addFood(
      { food: { name, quantity: 2 } },
      { onHeader: (h) => headers.push(String(h.get('pantry-attempt')[0])) },
    );
    expect(food?.name).toBe(name);
    expect(headers).toEqual(['1']); // the server saw a request_id the client filled in
    const { foods } = await client.foodStorage.listFoods({ pageSize: 1000 });
    expect(foods.map((f) => f.name)).toContain(name);
  });

  it('delivers a live watch message by message: an item added from Node arrives while the watch is open', async () => {
    const client = mtlsClient();
    const first = key();
    await node.foodStorage.addFood({ food: { name: first, quantity: 1, bestBefore: '2000-01-01' } });
    const controller = new AbortController();
    const seen: string[] = [];
    const it = client.foodStorage
      .watchExpiringFoods({ withinDays: 1, follow: true }, { signal: controller.signal })
      [Symbol.asyncIterator]();
    // The snapshot holds at least `first`: the watch is open and subscribed once a message arrived.
    for (;;) {
      const r = await it.next();
      seen.push(r.value.food.name);
      if (r.value.food.name === first) break;
    }
    const later = key();
    const added = node.foodStorage.addFood({ food: { name: later, quantity: 1, bestBefore: '2000-01-02' } });
    const next = await it.next();
    await added;
    expect(next.value.food.name).toBe(later);
    controller.abort();
    const end = await it.next().catch((e: unknown) => e);
    expect(end).toBeInstanceOf(PantryError);
    expect((end as PantryError).codeName).toBe('CANCELLED');
  });

  it('ends a call at its deadline (grpc-timeout sent, timer kept) with DEADLINE_EXCEEDED and a hint', async () => {
    const client = mtlsClient();
    const started = Date.now();
    const err = await client.hello
      .hello({}, { deadlineMs: 500, metadata: fault({ 'delay-ms': '5000', key: key() }) })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PantryError);
    expect((err as PantryError).codeName).toBe('DEADLINE_EXCEEDED');
    expect((err as PantryError).hint).toMatch(/deadline of 500 ms/);
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it('retries an UNAVAILABLE of a safe call (trailers-only answer) and succeeds on the second attempt', async () => {
    const attempts: number[] = [];
    const count: Interceptor = (next) => (req) => {
      attempts.push(req.attempt);
      return next(req);
    };
    const client = mtlsClient({ attemptInterceptors: [count] });
    const res = await client.foodStorage.listFoods(
      { pageSize: 1 },
      { metadata: fault({ code: 'UNAVAILABLE', times: '1', key: key() }) },
    );
    expect(res.foods).toBeDefined();
    expect(attempts).toEqual([1, 2]);
  });

  it('traces each attempt to the logger, with the authorization value redacted', async () => {
    const lines: string[] = [];
    const logger = { debug: (l: string) => lines.push(l), info() {}, warn() {}, error() {} };
    const client = mtlsClient({ trace: 'call', logger, attemptInterceptors: [] });
    await client.hello.hello({}, { metadata: { authorization: 'Bearer secret-value' } });
    expect(
      lines.some((l) =>
        /\/hello\.v1\.HelloService\/Hello attempt=1 .*start metadata: authorization=\[redacted\]/.test(l),
      ),
    ).toBe(true);
    expect(lines.some((l) => /Hello attempt=1 .*status=OK/.test(l))).toBe(true);
    expect(lines.join('\n')).not.toContain('secret-value');
  });

  it('reports NOT_FOUND with its google.rpc details', async () => {
    const err = await mtlsClient()
      .foodStorage.getFood({ id: 'no-such-food' })
      .catch((e: unknown) => e);
    expect(PantryError.is(err)).toBe(true);
    const e = err as PantryError;
    expect(e.codeName).toBe('NOT_FOUND');
    expect(e.attempts).toBe(1);
    expect(e.findDetails(ResourceInfo)[0]?.resourceName).toBe('no-such-food');
  });

  it('cancels a unary call in flight from its AbortSignal', async () => {
    const controller = new AbortController();
    const call = mtlsClient().hello.hello(
      {},
      { signal: controller.signal, metadata: fault({ 'delay-ms': '5000', key: key() }) },
    );
    setTimeout(() => controller.abort(), 200);
    const err = await call.catch((e: unknown) => e);
    expect((err as PantryError).codeName).toBe('CANCELLED');
  });

  it('reports a proxy that is not there as UNAVAILABLE with the network cause', async () => {
    const client = createWebClient(`https://127.0.0.1:${await freePort()}`, { fetch: mtlsFetch, retry: false });
    const err = await client.hello.hello({}).catch((e: unknown) => e);
    expect((err as PantryError).codeName).toBe('UNAVAILABLE');
    expect((err as PantryError).details).toMatch(/ECONNREFUSED/);
    expect((err as PantryError).hint).toMatch(/^nothing accepts connections at https:\/\/127\.0\.0\.1:/);
  });
});

describe('gRPC-Web over the JWT listener, under Node fetch', () => {
  const jwtClient = (o: WebClientOptions = {}) => createWebClient(stack.web!.jwtUrl, { fetch: jwtFetch, ...o });

  it('serves a call with a valid token, without a client certificate', async () => {
    const client = jwtClient({ token: () => stack.web!.mintToken() });
    expect(await client.hello.hello({ name: 'jwt' })).toEqual({ message: 'Hello, jwt!' });
  });

  it("works on Node's own global fetch (the CA trusted through NODE_EXTRA_CA_CERTS)", async () => {
    const fixture = join(import.meta.dirname, '..', 'fixtures', 'web-global-fetch.ts');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', fixture, stack.web!.jwtUrl, stack.web!.mintToken()],
      { timeout: 30_000, env: { ...process.env, NODE_EXTRA_CA_CERTS: join(stack.certDir, 'ca.crt') } },
    );
    expect(JSON.parse(stdout.trim().split('\n').pop()!)).toEqual({
      message: 'Hello, global fetch!',
      refused: 'UNAUTHENTICATED',
    });
  });

  it('refuses a missing, an expired and a foreign token as UNAUTHENTICATED with a hint, without retrying', async () => {
    for (const [token, text] of [
      [undefined, /Jwt is missing/],
      [stack.web!.mintToken({ expiresInS: -120 }), /Jwt is expired/],
      [stack.web!.mintToken({ issuer: 'someone-else' }), /Jwt issuer is not configured/],
    ] as const) {
      const err = await jwtClient({ token })
        .hello.hello({})
        .catch((e: unknown) => e);
      expect(PantryError.is(err), String(err)).toBe(true);
      const e = err as PantryError;
      expect(e.codeName).toBe('UNAUTHENTICATED');
      expect(e.details).toMatch(text);
      expect(e.attempts).toBe(1);
      expect(e.hint).toMatch(/bearer token \(Envoy jwt_authn\)/);
    }
  });
});
