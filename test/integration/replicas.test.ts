import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type PantryError } from '../../src/index.js';
import { startPantryStack, type PantryStack } from '../../src/testing/index.js';
import { needs } from '../requirements.js';

// Three Go replicas sharing one SQLite database behind two Envoys (each Envoy's cluster lists every
// replica, health-checked), on distinct loopback addresses; the client balances over both Envoys.
let stack: PantryStack;
beforeAll(async () => {
  stack = await startPantryStack({ runtime: 'process', replicas: 3, proxies: 2 });
}, 60_000);
afterAll(() => stack?.stop());

/** Counts the calls each replica answered (response header pantry-replica). */
function replicaCounter() {
  const counts: Record<string, number> = {};
  return {
    counts,
    onHeader: (h: { get(key: string): unknown[] }) => {
      const id = String(h.get('pantry-replica')[0] ?? 'none');
      counts[id] = (counts[id] ?? 0) + 1;
    },
  };
}

async function proxyRequests(admin: string): Promise<number> {
  const stats = await (await fetch(`http://${admin}/stats?filter=ingress_grpc.downstream_rq_total`)).text();
  return Number(stats.match(/http\.ingress_grpc\.downstream_rq_total: (\d+)/)?.[1] ?? 0);
}

describe('replicas behind several Envoys', { timeout: 60_000 }, () => {
  it('puts replicas and proxies on distinct loopback addresses, one port each', () => {
    expect(stack.replicas.map((r) => r.address.split(':')[0])).toEqual(['127.0.0.2', '127.0.0.3', '127.0.0.4']);
    expect(stack.addresses.map((a) => a.split(':')[0])).toEqual(['127.0.1.1', '127.0.1.2']);
    expect(new Set(stack.addresses.map((a) => a.split(':')[1])).size).toBe(1);
  });

  it('round_robin over an ipv4: list reaches both Envoys, and every replica answers', async () => {
    const before = await Promise.all(stack.proxies.map((p) => proxyRequests(p.admin!)));
    await using client = createClient(`ipv4:${stack.addresses.join(',')}`, stack.certDir, {
      loadBalancing: 'round_robin',
    });
    const counter = replicaCounter();
    for (let i = 0; i < 60; i++) await client.foodStorage.listFoods({ pageSize: 1 }, { onHeader: counter.onHeader });
    const after = await Promise.all(stack.proxies.map((p) => proxyRequests(p.admin!)));
    const perProxy = after.map((n, j) => n - before[j]);
    expect(
      perProxy.every((n) => n >= 20),
      `requests per Envoy: ${perProxy}`,
    ).toBe(true);
    // Each Envoy takes the replicas in turn (from its own starting point): 60 calls, 20 ± 2 per replica.
    expect(Object.keys(counter.counts).sort()).toEqual(['r1', 'r2', 'r3']);
    for (const n of Object.values(counter.counts))
      expect(Math.abs(n - 20), JSON.stringify(counter.counts)).toBeLessThanOrEqual(2);
  });

  it('a write retried through the other Envoy and replica is answered from the shared database', async () => {
    await using first = createClient(stack.addresses[0], stack.certDir, { serverName: 'localhost' });
    await using second = createClient(stack.addresses[1], stack.certDir, { serverName: 'localhost' });
    const request = { requestId: `shared-${Date.now()}`, food: { name: 'shared', quantity: 3 } };
    const { food } = await first.foodStorage.addFood(request);
    let replayed: unknown;
    const again = await second.foodStorage.addFood(request, {
      onHeader: (h) => (replayed = h.get('pantry-replayed')[0]),
    });
    expect(again.food).toEqual(food);
    expect(replayed).toBe('true');
    expect((await second.foodStorage.getFood({ id: food!.id })).food).toEqual(food);
  });

  it('a replica killed with SIGKILL: calls keep succeeding on the others, and it serves again after start()', async () => {
    await using client = createClient(`ipv4:${stack.addresses.join(',')}`, stack.certDir, {
      loadBalancing: 'round_robin',
    });
    await stack.replicas[1].kill();
    const counter = replicaCounter();
    const results = await Promise.allSettled(
      Array.from({ length: 40 }, () => client.foodStorage.listFoods({ pageSize: 1 }, { onHeader: counter.onHeader })),
    );
    const failed = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    expect(failed.map((f) => (f.reason as PantryError).message)).toEqual([]);
    expect(counter.counts.r2).toBeUndefined();
    await stack.replicas[1].start();
    const back = replicaCounter();
    for (let i = 0; i < 30 && !back.counts.r2; i++)
      await client.foodStorage.listFoods({ pageSize: 1 }, { onHeader: back.onHeader });
    expect(back.counts.r2).toBeGreaterThan(0);
  });

  it('traces every backend connection, asks for re-resolution when one is lost, and rides out a killed Envoy', async () => {
    const lines: string[] = [];
    const logger = { debug: (l: string) => void lines.push(l), info() {}, warn() {}, error() {} };
    await using client = createClient(`ipv4:${stack.addresses.join(',')}`, stack.certDir, {
      loadBalancing: 'round_robin',
      trace: 'connection',
      logger,
    });
    for (let i = 0; i < 4; i++) await client.hello.hello({});
    const [a, b] = stack.addresses;
    expect(lines.join('\n')).toContain(`resolved ${a}, ${b}`);
    for (const addr of [a, b]) expect(lines.join('\n')).toContain(`backend ${addr} CONNECTING -> READY`);
    await stack.proxies[1].kill();
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => client.foodStorage.listFoods({ pageSize: 1 })),
    );
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(lines.some((l) => l.includes(`backend ${b} READY -> `))).toBe(true);
    expect(lines.some((l) => l.includes('a backend connection was lost: resolving the target again'))).toBe(true);
    await stack.proxies[1].start();
    const readyAgain = () => lines.filter((l) => l.includes(`backend ${b}`) && l.endsWith('-> READY')).length;
    for (let i = 0; i < 100 && readyAgain() < 2; i++) {
      await client.hello.hello({});
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(readyAgain()).toBeGreaterThanOrEqual(2);
  });

  it('rollingRestart() restarts every replica and every Envoy, each serving again', async () => {
    const restarts = () => (stack.logs().match(/pantry-server: shutting down/g) ?? []).length;
    const before = restarts();
    await stack.rollingRestart();
    expect(restarts() - before).toBe(3);
    for (const j of [1, 2])
      expect(stack.logs()).toMatch(new RegExp(`\\[envoy-${j}\\] \\[envoy-${j} exited with code 0\\]`));
    await using client = createClient(`ipv4:${stack.addresses.join(',')}`, stack.certDir, {
      loadBalancing: 'round_robin',
    });
    expect((await client.hello.hello({ name: 'after' })).message).toBe('Hello, after!');
  });
});

describe('a dns:/// target', { timeout: 60_000 }, () => {
  it('is resolved by the client and balanced with round_robin, the name checked against the certificate', async () => {
    await using single = await startPantryStack({ runtime: 'process' });
    const port = single.address.split(':')[1];
    const lines: string[] = [];
    const logger = { debug: (l: string) => void lines.push(l), info() {}, warn() {}, error() {} };
    await using client = createClient(`dns:///localhost:${port}`, single.certDir, {
      loadBalancing: 'round_robin',
      trace: 'connection',
      logger,
    });
    expect((await client.hello.hello({ name: 'dns' })).message).toBe('Hello, dns!');
    expect(lines.join('\n')).toContain(`resolved 127.0.0.1:${port}`);
    expect(lines.join('\n')).toContain(`backend 127.0.0.1:${port} CONNECTING -> READY`);
  });
});

describe.runIf(needs('postgres', 'replicas'))('replicas sharing PostgreSQL', { timeout: 60_000 }, () => {
  it('a write made through one replica is replayed by the other and read back from the database', async () => {
    await using pg = await startPantryStack({
      runtime: 'process',
      replicas: 2,
      database: process.env.PANTRY_TEST_POSTGRES,
    });
    expect(pg.logs()).toMatch(/\[server-r2\] pantry-server: postgres database: \d+ foods/);
    await using client = createClient(pg.address, pg.certDir, { serverName: 'localhost' });
    const request = { requestId: `pg-${Date.now()}`, food: { name: 'pg', quantity: 2 } };
    const seen = new Set<string>();
    const onHeader = (h: { get(k: string): unknown[] }) => void seen.add(String(h.get('pantry-replica')[0]));
    const { food } = await client.foodStorage.addFood(request, { onHeader });
    // Envoy takes the replicas in turn: the same request goes to both within a few calls.
    for (let i = 0; i < 6; i++) expect((await client.foodStorage.addFood(request, { onHeader })).food).toEqual(food);
    expect([...seen].sort()).toEqual(['r1', 'r2']);
    expect((await client.foodStorage.getFood({ id: food!.id })).food).toEqual(food);
  });
});
