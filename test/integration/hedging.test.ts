import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type ClientOptions, type Logger, type PantryClient } from '../../src/index.js';
import { startPantryStack, type PantryStack } from '../../src/testing/index.js';
import { captureLogger } from '../helpers.js';

// Hedged reads against two real Go servers with mutual TLS, one slowed by 200 ms (its -delay
// flag), reached through one ipv4: target with round_robin, so every other first attempt lands on
// the slow one. Each server names itself in the pantry-replica response header.
let fast: PantryStack;
let slow: PantryStack;
const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

beforeAll(async () => {
  fast = await startPantryStack({ runtime: 'process', proxy: 'none', serverArgs: ['-replica-id', 'fast'] });
  slow = await startPantryStack({
    runtime: 'process',
    proxy: 'none',
    certDir: fast.certDir,
    serverArgs: ['-replica-id', 'slow', '-delay', '200ms'],
  });
  // The same food on both (each store numbers its foods from 1).
  for (const s of [fast, slow]) {
    await using direct = createClient(s.address, s.certDir, { logger: silent });
    await direct.foodStorage.addFood({ food: { name: 'hedge-rice', quantity: 1 } });
  }
});
afterAll(async () => {
  await slow?.stop();
  await fast?.stop();
});

function bothReplicas(options: ClientOptions = {}): PantryClient {
  return createClient({
    address: `ipv4:${fast.address},${slow.address}`,
    serverName: 'localhost',
    certDir: fast.certDir,
    loadBalancing: 'round_robin',
    logger: silent,
    ...options,
  });
}

/** Sequential GetFoods: latency and the replica that answered each. */
async function getFoods(client: PantryClient, n: number) {
  const out: { ms: number; by: string }[] = [];
  for (let i = 0; i < n; i++) {
    let by = '?';
    const t0 = performance.now();
    await client.foodStorage.getFood(
      { id: 'food-00000001' },
      {
        onHeader: (h) => {
          by = String(h.get('pantry-replica')[0]);
        },
      },
    );
    out.push({ ms: performance.now() - t0, by });
  }
  return out;
}

describe('hedged reads over two replicas, one slowed by 200 ms', { timeout: 60_000 }, () => {
  it('without hedging, about half the GetFoods wait for the slow replica', async () => {
    await using client = bothReplicas();
    await client.waitForReady();
    const calls = await getFoods(client, 20);
    const bySlow = calls.filter((c) => c.by === 'slow');
    expect(bySlow.length).toBeGreaterThanOrEqual(5); // round_robin: every other call
    expect(bySlow.every((c) => c.ms >= 195)).toBe(true);
  });

  it('with hedging, the fast replica answers every GetFood and the slow attempts are cancelled', async () => {
    const logger = captureLogger();
    await using client = bothReplicas({ hedging: { delayMs: 50, maxAttempts: 2 }, trace: 'retry', logger });
    await client.waitForReady();
    const calls = await getFoods(client, 20);
    const byFast = calls.filter((c) => c.by === 'fast');
    // A loaded machine may delay a hedge past the slow answer now and then; not more than that.
    expect(byFast.length, JSON.stringify(calls)).toBeGreaterThanOrEqual(18);
    // Overlapping calls: with plain round_robin another call's pick between an attempt and its
    // hedge would send the hedge to the slow replica again; loadBalancing: 'round_robin' avoids it.
    const overlapping = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        await new Promise((r) => setTimeout(r, i * 5));
        let by = '?';
        await client.foodStorage.getFood(
          { id: 'food-00000001' },
          {
            onHeader: (h) => {
              by = String(h.get('pantry-replica')[0]);
            },
          },
        );
        return by;
      }),
    );
    expect(overlapping.filter((by) => by === 'fast').length, overlapping.join()).toBeGreaterThanOrEqual(36);
    const lines = logger.lines.join('\n');
    expect(lines).toMatch(/GetFood hedging: hedged attempt 2 sent: none answered within 50 ms/);
    expect(lines).toMatch(/GetFood hedging: attempt 2 won; cancelled attempt 1/);
  });

  it('never hedges a write: AddFood on the slow replica waits for it, and each AddFood is stored once', async () => {
    await using client = bothReplicas({ hedging: { delayMs: 10, maxAttempts: 2 } });
    await client.waitForReady();
    const calls: { ms: number; by: string }[] = [];
    for (let i = 0; i < 4; i++) {
      let by = '?';
      const t0 = performance.now();
      await client.foodStorage.addFood(
        { food: { name: `hedge-write-${i}`, quantity: 1 } },
        {
          onHeader: (h) => {
            by = String(h.get('pantry-replica')[0]);
          },
        },
      );
      calls.push({ ms: performance.now() - t0, by });
    }
    expect(calls.filter((c) => c.by === 'slow').every((c) => c.ms >= 195)).toBe(true);
    expect(calls.some((c) => c.by === 'slow')).toBe(true);
    let stored = 0;
    for (const s of [fast, slow]) {
      await using direct = createClient(s.address, s.certDir, { logger: silent });
      const { foods } = await direct.foodStorage.listFoods({ pageSize: 1000 });
      stored += foods.filter((f) => f.name.startsWith('hedge-write-')).length;
    }
    expect(stored).toBe(4);
  });
});
