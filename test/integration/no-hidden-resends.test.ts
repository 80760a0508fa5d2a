import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Code, createClient, type Metadata } from '../../src/index.js';
import { startPantryStack, type PantryStack } from '../../src/testing/index.js';
import type { ProxyKind } from '../../src/testing/proxy-spec.js';
import { tempCerts } from '../helpers.js';
import { needs } from '../requirements.js';

// The SDK owns retries: grpc-js must never re-send a call on its own (its transparent retry on
// RST_STREAM REFUSED_STREAM, which a proxy sends when the upstream connection drops after the
// server applied the call), through each proxy the harness runs.
const PROXY_KINDS: ProxyKind[] = ['envoy', ...(needs('haproxy', 'no-hidden-resends') ? (['haproxy'] as const) : [])];
const fault = (m: Record<string, string>) =>
  Object.fromEntries(Object.entries(m).map(([k, v]) => [`pantry-fault-${k}`, v]));
const key = () => `k-${Math.random().toString(36).slice(2)}`;

describe.each(PROXY_KINDS)('with retry: false, one attempt reaches the server through %s', (proxy) => {
  let stack: PantryStack;
  let certs: Awaited<ReturnType<typeof tempCerts>>;
  beforeAll(async () => {
    certs = await tempCerts();
    stack = await startPantryStack({ runtime: 'process', proxy, faultInjection: true, certDir: certs.dir });
  });
  afterAll(async () => {
    await stack?.stop();
    await certs?.cleanup();
  });

  it('AddFood applied, then its connection dropped: the call fails and the server saw one attempt', async () => {
    await using client = createClient(stack.address, stack.certDir, { retry: false });
    await client.hello.hello({}); // connected: the drop hits the call, not the handshake
    const requestId = key();
    const request = { food: { name: `dropped-${requestId}`, quantity: 1 }, requestId };
    const first: Metadata[] = [];
    const err = await client.foodStorage
      .addFood(request, {
        metadata: fault({ drop: 'true', after: 'true', times: '1', key: key() }),
        onHeader: (h) => first.push(h),
      })
      .catch((e) => e);
    // Before the fix grpc-js re-sent the call and it "succeeded" with pantry-attempt: 2.
    expect(first.map((h) => h.get('pantry-attempt'))).toEqual([]);
    expect(err.code).toBe(Code.UNAVAILABLE);
    expect(err.attempts).toBe(1);
    // Ask again under the same key: the server counts this as its second attempt.
    const again: Metadata[] = [];
    await client.foodStorage.addFood(request, { onHeader: (h) => again.push(h) });
    expect(again[0].get('pantry-attempt')).toEqual(['2']);
    expect(again[0].get('pantry-replayed')).toEqual(['true']);
  });
});
