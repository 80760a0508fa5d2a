import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { cpus } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { createClient, PantryError, type Logger, type PantryClient } from '../../src/index.js';
import { PROXIES, startPantryStack, type PantryStack, type PantryStackOptions } from '../../src/testing/index.js';
import { PACKAGE_ROOT } from '../../src/testing/server-binary.js';
import { needs } from '../requirements.js';
import { runLoad, summarize, table, type Row } from './load.js';

// Faults, load and soak against the real Go server (process runtime: real SIGKILLs) behind Envoy,
// on loopback only, bounded in count and time. `npm test` runs the CI size; `npm run test:faults`
// runs the full size and writes docs/reliability.md from that run.
const FULL = process.env.PANTRY_FAULTS === 'full';
const SIZE = FULL
  ? {
      restartLoadMs: 30_000,
      restartAtMs: 10_000,
      downMs: 2_000,
      outageMs: 10_000,
      outageRate: 200,
      soakMs: 300_000,
      soakRate: 200,
      concurrency: 32,
      slowReplicaMs: 10_000,
      slowReplicaRate: 200,
      rollingRate: 200,
      rollingSteadyMs: 10_000,
    }
  : {
      restartLoadMs: 8_000,
      restartAtMs: 3_000,
      downMs: 1_000,
      outageMs: 3_000,
      outageRate: 100,
      soakMs: 15_000,
      soakRate: 100,
      concurrency: 32,
      slowReplicaMs: 3_000,
      slowReplicaRate: 100,
      rollingRate: 100,
      rollingSteadyMs: 3_000,
    };
const rows: Row[] = [];
const stacks: PantryStack[] = [];
const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

async function stack(persist = false, options: PantryStackOptions = {}): Promise<PantryStack> {
  const s = await startPantryStack({ runtime: 'process', faultInjection: true, persist, ...options });
  stacks.push(s);
  return s;
}
const work = await mkdtemp(join(tmpdir(), 'pantry-faults-'));

afterAll(async () => {
  await Promise.all(stacks.map((s) => s.stop()));
  await rm(work, { recursive: true, force: true });
  const md = table(rows);
  console.log(`\nReliability (${FULL ? 'full' : 'CI'} size)\n${md}\n`);
  if (FULL) {
    await mkdir(join(PACKAGE_ROOT, 'docs'), { recursive: true });
    await writeFile(join(PACKAGE_ROOT, 'docs', 'reliability.md'), reliabilityDoc(md));
  }
});

/** Lists every food whose name starts with `prefix`. */
async function storedNames(client: PantryClient, prefix: string): Promise<string[]> {
  const names: string[] = [];
  let pageToken = '';
  do {
    const page = await client.foodStorage.listFoods({ pageSize: 1000, pageToken }, { deadlineMs: 15_000 });
    names.push(...page.foods.map((f) => f.name).filter((n) => n.startsWith(prefix)));
    pageToken = page.nextPageToken;
  } while (pageToken);
  return names;
}

/**
 * Mixed reads and keyed writes at concurrency, with `disrupt` run once mid-way; then the
 * accounting. `noFailures`: a disruption the client must ride out without a single failed call.
 */
async function writesUnderDisruption(
  name: string,
  s: PantryStack,
  disrupt: () => Promise<void>,
  { noFailures = false } = {},
): Promise<void> {
  const prefix = `${name}-${Date.now()}-`;
  await using client = createClient(s.address, s.certDir, { deadlineMs: 5_000, logger: silent });
  const acked = new Set<string>();
  let restoredAt = Number.POSITIVE_INFINITY; // ms after the load began, when `disrupt` finished
  const t0 = performance.now();
  const disrupted = new Promise<void>((resolve, reject) =>
    setTimeout(
      () =>
        disrupt().then(() => {
          restoredAt = performance.now() - t0;
          resolve();
        }, reject),
      SIZE.restartAtMs,
    ),
  );
  const result = await runLoad({
    durationMs: SIZE.restartLoadMs,
    until: disrupted.then(() => new Promise((r) => setTimeout(r, 1_500))), // and 1.5 s past the restart
    concurrency: SIZE.concurrency,
    op: async (i) => {
      if (i % 2) return client.foodStorage.listFoods({ pageSize: 10 });
      const foodName = `${prefix}${i}`;
      await client.foodStorage.addFood({ food: { name: foodName, quantity: 1 } });
      acked.add(foodName);
    },
  });
  await disrupted;
  const stored = await storedNames(client, prefix);
  const storedSet = new Set(stored);
  const duplicates = stored.length - storedSet.size;
  const lost = [...acked].filter((n) => !storedSet.has(n)).length;
  const appliedButFailed = [...storedSet].filter((n) => !acked.has(n)).length;
  rows.push({
    scenario: name,
    ...pick(result),
    duplicates,
    lost,
    notes: `${acked.size} AddFood acknowledged, ${storedSet.size} stored${appliedButFailed ? ` (${appliedButFailed} applied but reported failed)` : ''}`,
  });
  expect(duplicates).toBe(0);
  expect(lost).toBe(0);
  if (noFailures)
    expect(result.failedByCode, JSON.stringify(result.outcomes.filter((o) => !o.ok).slice(0, 5))).toEqual({});
  expect(Object.keys(result.failedByCode).every((c) => c === 'UNAVAILABLE' || c === 'DEADLINE_EXCEEDED')).toBe(true);
  expect(appliedButFailed).toBeLessThanOrEqual(result.calls - result.succeeded);
  // Recovery: once the restart is done, calls succeed again within the load window. (Not a share
  // of all calls: while the proxy is down, calls fail fast, so their count depends on the machine.)
  expect(result.outcomes.some((o) => o.ok && o.startedAt > restoredAt)).toBe(true);
  const before = result.outcomes.filter((o) => o.startedAt + o.latencyMs < SIZE.restartAtMs - 50);
  expect(before.length).toBeGreaterThan(0);
  expect(before.every((o) => o.ok)).toBe(true); // and before it began, none failed
}

function pick(r: ReturnType<typeof summarize>) {
  return { calls: r.calls, succeeded: r.succeeded, failed: r.failedByCode, p99Ms: r.p99Ms };
}

describe(`reliability (${FULL ? 'full' : 'CI'} size)`, { timeout: FULL ? 600_000 : 120_000 }, () => {
  it('1. server killed and restarted under load: no duplicate, no lost acknowledged write', async () => {
    const s = await stack(true);
    await writesUnderDisruption('server restart', s, () => s.restartServer({ downMs: SIZE.downMs }));
  });

  it('2. Envoy killed (SIGKILL) and restarted under load: same accounting', async () => {
    const s = await stack();
    await writesUnderDisruption('Envoy killed and restarted', s, () => s.restartProxy({ downMs: SIZE.downMs }));
  });

  it('2b. Envoy hot-restarted under load (the old one drains with GOAWAY): not one failed call', async () => {
    const s = await stack();
    await writesUnderDisruption('Envoy hot restart (drain)', s, () => s.restartProxy({ graceful: true }), {
      noFailures: true,
    });
    expect(s.logs()).toMatch(/\[envoy\].*initializing epoch 1/);
    expect(s.logs()).toMatch(/\[envoy exited with code 0\]/); // the old Envoy drained and left
  });

  it('2c. Envoy closing every connection after 1 s (max_connection_duration, GOAWAY) under load: not one failed call', async () => {
    const config = join(work, 'envoy-1s-connections.yaml');
    const shipped = await readFile(PROXIES.envoy.config, 'utf8');
    expect(shipped).toContain('max_connection_duration: 600s');
    await writeFile(config, shipped.replace('max_connection_duration: 600s', 'max_connection_duration: 1s'));
    const s = await stack(false, { proxyConfig: config });
    await writesUnderDisruption('Envoy max_connection_duration 1 s (GOAWAY)', s, async () => {}, { noFailures: true });
    const stats = await (await fetch(`http://${s.proxyAdmin}/stats?filter=downstream_cx_max_duration_reached`)).text();
    expect(
      Number(stats.match(/http\.ingress_grpc\.downstream_cx_max_duration_reached: (\d+)/)?.[1]),
    ).toBeGreaterThanOrEqual(3);
  });

  it.runIf(needs('haproxy', 'faults'))('2d. HAProxy killed and restarted under load: same accounting', async () => {
    const s = await stack(false, { proxy: 'haproxy' });
    await writesUnderDisruption('HAProxy killed and restarted', s, () => s.restartProxy({ downMs: SIZE.downMs }));
  });

  it(`2e. rolling restart of 3 replicas and 2 Envoys at ${SIZE.rollingRate}/s of mixed load: not one failed call, spread within ±15%`, async () => {
    // Three Go replicas sharing one SQLite database behind two Envoys; the client balances over both
    // Envoys (round_robin over an ipv4: list). Every replica gets SIGTERM and comes back, one after
    // the other, then every Envoy drains (GOAWAY, listener closed), gets SIGTERM and comes back.
    const s = await stack(false, { replicas: 3, proxies: 2 });
    await using client = createClient(`ipv4:${s.addresses.join(',')}`, s.certDir, {
      loadBalancing: 'round_robin',
      deadlineMs: 5_000,
      logger: silent,
    });
    const prefix = `rolling-${Date.now()}-`;
    const { food: seed } = await client.foodStorage.addFood({ food: { name: `${prefix}seed`, quantity: 1 } });
    const acked = new Set<string>([`${prefix}seed`]);
    const answered: Array<{ at: number; replica: string }> = [];
    const t0 = performance.now();
    let rolloutAt = Number.POSITIVE_INFINITY;
    let rolledAt = Number.POSITIVE_INFINITY;
    const rollout = new Promise<void>((resolve, reject) =>
      setTimeout(() => {
        rolloutAt = performance.now() - t0;
        s.rollingRestart().then(() => {
          rolledAt = performance.now() - t0;
          resolve();
        }, reject);
      }, SIZE.rollingSteadyMs),
    );
    const result = await runLoad({
      durationMs: SIZE.rollingSteadyMs,
      until: rollout.then(() => new Promise((r) => setTimeout(r, 1_500))),
      ratePerSec: SIZE.rollingRate,
      op: async (i) => {
        const at = performance.now() - t0;
        const onHeader = (h: { get(k: string): unknown[] }) =>
          void answered.push({ at, replica: String(h.get('pantry-replica')[0]) });
        if (i % 4 === 0) {
          const foodName = `${prefix}${i}`;
          await client.foodStorage.addFood({ food: { name: foodName, quantity: 1 } }, { onHeader });
          acked.add(foodName);
        } else if (i % 4 === 1) await client.foodStorage.getFood({ id: seed!.id }, { onHeader });
        else await client.foodStorage.listFoods({ pageSize: 10 }, { onHeader });
      },
    });
    await rollout;
    const stored = await storedNames(client, prefix);
    const storedSet = new Set(stored);
    const duplicates = stored.length - storedSet.size;
    const lost = [...acked].filter((n) => !storedSet.has(n)).length;
    const spread = (from: number, to: number) => {
      const counts: Record<string, number> = {};
      for (const a of answered) if (a.at >= from && a.at < to) counts[a.replica] = (counts[a.replica] ?? 0) + 1;
      const values = ['r1', 'r2', 'r3'].map((r) => counts[r] ?? 0);
      const mean = values.reduce((x, y) => x + y, 0) / values.length;
      return { values, worst: Math.max(...values.map((v) => Math.abs(v / mean - 1))) };
    };
    const steady = spread(0, rolloutAt);
    const whole = spread(0, Number.POSITIVE_INFINITY);
    const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
    rows.push({
      scenario: `rolling restart of 3 replicas and 2 Envoys at ${SIZE.rollingRate}/s (round_robin over both Envoys)`,
      ...pick(result),
      duplicates,
      lost,
      notes: `mixed load (¼ AddFood, ¼ GetFood, ½ ListFoods); rollout of ${((rolledAt - rolloutAt) / 1000).toFixed(1)} s; ${acked.size} AddFood acknowledged, ${storedSet.size} stored; calls per replica before the rollout ${steady.values.join(' / ')} (worst ${pct(steady.worst)} from the mean), over the whole run ${whole.values.join(' / ')} (${pct(whole.worst)})`,
    });
    expect(result.failedByCode, JSON.stringify(result.outcomes.filter((o) => !o.ok).slice(0, 5))).toEqual({});
    expect(duplicates).toBe(0);
    expect(lost).toBe(0);
    expect(storedSet.size).toBe(acked.size);
    expect(result.outcomes.some((o) => o.ok && o.startedAt > rolledAt)).toBe(true);
    // Each Envoy takes the replicas in turn, so ±15% holds also for CI's 300 calls before the rollout.
    expect(steady.worst, `calls per replica before the rollout: ${steady.values}`).toBeLessThanOrEqual(0.15);
    expect((s.logs().match(/pantry-server: shutting down/g) ?? []).length).toBe(3);
  });

  it('3. server down at a steady rate: throttled attempts, fast failures with a hint, quick recovery', async () => {
    const s = await stack();
    let attempts = 0;
    const counter: Logger = { ...silent, debug: (line) => void (line.includes(' start') && attempts++) };
    await using client = createClient(s.address, s.certDir, { trace: 'call', logger: counter });
    await client.hello.hello({});
    await s.stopServer();
    const down = await runLoad({
      durationMs: SIZE.outageMs,
      ratePerSec: SIZE.outageRate,
      op: () => client.hello.hello({}),
    });
    const attemptsDuringOutage = attempts;
    const t0 = performance.now();
    await s.startServer();
    const started = performance.now();
    let recoveredMs = -1;
    while (performance.now() - started < 5_000) {
      if (
        await client.hello.hello({}).then(
          () => true,
          () => false,
        )
      ) {
        recoveredMs = performance.now() - started;
        break;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    const failedFastMs =
      [...down.outcomes]
        .filter((o) => !o.ok)
        .map((o) => o.latencyMs)
        .sort((a, b) => a - b)[Math.floor(down.calls / 2)] ?? 0;
    const ratio = attemptsDuringOutage / down.calls;
    rows.push({
      scenario: `server down ${SIZE.outageMs / 1000} s at ${SIZE.outageRate}/s`,
      ...pick(down),
      duplicates: '—',
      lost: '—',
      notes: `${attemptsDuringOutage} attempts for ${down.calls} calls (${ratio.toFixed(2)}×); median failure in ${failedFastMs.toFixed(1)} ms; recovered ${recoveredMs.toFixed(0)} ms after the server was back (restart took ${(started - t0).toFixed(0)} ms)`,
    });
    expect(down.succeeded).toBe(0);
    expect(ratio).toBeLessThanOrEqual(1.1);
    expect(
      down.outcomes
        .filter((o) => !o.ok)
        .every((o) => /the proxy has no gRPC server to forward to|nothing accepts/.test(o.hint ?? '')),
    ).toBe(true);
    expect(failedFastMs).toBeLessThan(FULL ? 100 : 500);
    expect(recoveredMs).toBeGreaterThanOrEqual(0);
    expect(recoveredMs).toBeLessThan(FULL ? 1_000 : 3_000);
  });

  // The tight bound belongs to the full run on a quiet machine; at CI size it must hold on a loaded one.
  const OVERSHOOT_MS = FULL ? 50 : 250;
  it(`4. slow server: deadlines land within ${OVERSHOOT_MS} ms; cancelled calls free their resources`, async () => {
    const s = await stack();
    await using client = createClient(s.address, s.certDir, { logger: silent });
    await client.hello.hello({});
    const slow = { metadata: { 'pantry-fault-delay-ms': '2000' } };
    const result = await runLoad({
      durationMs: 2_000,
      concurrency: 16,
      op: () => client.hello.hello({}, { ...slow, deadlineMs: 200 }),
    });
    const overshoot = result.outcomes.map((o) => o.latencyMs - 200).sort((a, b) => a - b);
    const p99Overshoot = overshoot[Math.floor(overshoot.length * 0.99)];

    const before = resources();
    const aborted = await Promise.all(
      Array.from({ length: 200 }, () => {
        const c = new AbortController();
        setTimeout(() => c.abort(), 20);
        return client.hello.hello({}, { ...slow, signal: c.signal }).catch((e: PantryError) => e.codeName);
      }),
    );
    await new Promise((r) => setTimeout(r, 300));
    const after = resources();
    rows.push({
      scenario: 'slow server (2 s) with 200 ms deadlines, then 200 cancelled calls',
      ...pick(result),
      duplicates: '—',
      lost: '—',
      notes: `deadline overshoot p99 ${p99Overshoot.toFixed(1)} ms; active handles ${JSON.stringify(before)} before, ${JSON.stringify(after)} after cancelling`,
    });
    expect(
      Object.keys(result.failedByCode),
      JSON.stringify(result.outcomes.filter((o) => o.code !== 'DEADLINE_EXCEEDED').slice(0, 3)),
    ).toEqual(['DEADLINE_EXCEEDED']);
    expect(p99Overshoot).toBeLessThan(OVERSHOOT_MS);
    expect(aborted.every((c) => c === 'CANCELLED')).toBe(true);
    expect(grown(before, after)).toEqual([]);
  });

  it('5. streams interrupted mid-way end with a PantryError, never hang', async () => {
    const s = await stack();
    await using client = createClient(s.address, s.certDir, { logger: silent });
    const day = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    for (let i = 0; i < 5; i++)
      await client.foodStorage.addFood({ food: { name: `stream-${i}`, quantity: 1, bestBefore: day } });
    const outcomes = [];
    for (let i = 0; i < 50; i++) {
      const t0 = performance.now();
      let received = 0;
      const err = await Promise.race([
        (async () => {
          for await (const _ of client.foodStorage.watchExpiringFoods(
            { withinDays: 2, follow: true },
            {
              metadata: {
                'pantry-fault-stream-after': String(1 + (i % 4)),
                ...(i % 2 ? { 'pantry-fault-drop': 'true' } : {}),
              },
            },
          ))
            received++;
          return 'ended without error';
        })().catch((e) => e),
        new Promise((r) => setTimeout(() => r('hung'), 5_000)),
      ]);
      outcomes.push({
        ok: false,
        code: err instanceof PantryError ? err.codeName : String(err),
        attempts: 1,
        latencyMs: performance.now() - t0,
        startedAt: 0,
      });
      expect(err).toBeInstanceOf(PantryError);
      // A status arrives after its N messages; a dropped connection may lose messages still in flight.
      if (i % 2) expect(received).toBeLessThanOrEqual(1 + (i % 4));
      else expect(received).toBe(1 + (i % 4));
    }
    const r = summarize(outcomes);
    rows.push({
      scenario: '50 streams cut after 1–4 messages (status or dropped connection)',
      ...pick(r),
      duplicates: '—',
      lost: '—',
      notes: 'every iterator ended with a PantryError; none hung',
    });
  });

  it(`6. soak: ${SIZE.soakMs / 1000} s at ${SIZE.soakRate}/s with retries: memory flat, no leaked handles`, async () => {
    const s = await stack();
    await new Promise((r) => setTimeout(r, 500)); // earlier scenarios' clients finish closing
    const handlesBefore = resources();
    const client = createClient(s.address, s.certDir, { logger: silent });
    await client.hello.hello({});
    const samples: Array<[number, number, number]> = [];
    const t0 = performance.now();
    const sampler = setInterval(() => {
      gc();
      samples.push([(performance.now() - t0) / 60_000, process.memoryUsage().heapUsed, process.memoryUsage().rss]);
    }, 1_000);
    let n = 0;
    const result = await runLoad({
      durationMs: SIZE.soakMs,
      ratePerSec: SIZE.soakRate,
      // One call in 20 fails once with UNAVAILABLE and is retried.
      op: () =>
        n++ % 20 === 0
          ? client.hello.hello(
              {},
              {
                metadata: {
                  'pantry-fault-code': 'UNAVAILABLE',
                  'pantry-fault-times': '1',
                  'pantry-fault-key': `soak-${n}`,
                },
              },
            )
          : client.foodStorage.listFoods({ pageSize: 5 }),
    });
    clearInterval(sampler);
    client.close();
    await new Promise((r) => setTimeout(r, 300));
    const handlesAfter = resources();
    const warm = samples.slice(Math.floor(samples.length / 3)); // after warm-up
    const heapSlope = slope(warm.map(([t, h]) => [t, h]));
    const rssSlope = slope(warm.map(([t, , r]) => [t, r]));
    const heapMean = warm.reduce((a, [, h]) => a + h, 0) / warm.length;
    const callsInWindow = result.calls * ((warm.at(-1)![0] - warm[0][0]) / (SIZE.soakMs / 60_000));
    const bytesPerCall = (heapSlope * (warm.at(-1)![0] - warm[0][0])) / callsInWindow;
    rows.push({
      scenario: `soak ${SIZE.soakMs / 1000} s at ${SIZE.soakRate}/s, 5% retried`,
      ...pick(result),
      duplicates: '—',
      lost: '—',
      notes: `heap after GC ${(heapMean / 2 ** 20).toFixed(1)} MiB, slope ${(heapSlope / 1024).toFixed(1)} KiB/min (${bytesPerCall.toFixed(0)} B per call, this test's own per-call record included); RSS slope ${(rssSlope / 1024).toFixed(1)} KiB/min; no handles left after close`,
    });
    expect(result.succeeded).toBe(result.calls);
    expect(grown(handlesBefore, handlesAfter)).toEqual([]);
    // A leaked call (grpc-js call, timers, listeners) costs kilobytes; the load driver keeps ~200 B per call
    // itself, and a 15 s run has not settled yet, so the short run allows more.
    expect(bytesPerCall).toBeLessThan(FULL ? 512 : 2048);
  });

  it('7. one replica of two slowed by 200 ms: hedged GetFood keeps p99 below 2× the healthy p99', async () => {
    // Three Go servers with mutual TLS, no proxy: two healthy, one with -delay 200ms; the client
    // balances over two of them with round_robin (an ipv4: target), so half the first attempts
    // land on the slow one when it is in the pair.
    const a = await stack(false, { proxy: 'none', serverArgs: ['-replica-id', 'a'] });
    const b = await stack(false, { proxy: 'none', certDir: a.certDir, serverArgs: ['-replica-id', 'b'] });
    const slowB = await stack(false, {
      proxy: 'none',
      certDir: a.certDir,
      serverArgs: ['-replica-id', 'b-slow', '-delay', '200ms'],
    });
    for (const s of [a, b, slowB]) {
      await using direct = createClient(s.address, s.certDir, { logger: silent });
      await direct.foodStorage.addFood({ food: { name: 'slow-replica-rice', quantity: 1 } }); // food-00000001 on each
    }
    let hedges = 0;
    const counting: Logger = { ...silent, debug: (line) => void (line.includes('hedged attempt') && hedges++) };
    const pair = (second: PantryStack, options: Parameters<typeof createClient>[0] = {}) =>
      createClient({
        address: `ipv4:${a.address},${second.address}`,
        serverName: 'localhost',
        certDir: a.certDir,
        loadBalancing: 'round_robin',
        logger: silent,
        ...(typeof options === 'object' ? options : {}),
      });
    const measure = async (client: PantryClient) => {
      await client.waitForReady();
      for (let i = 0; i < 20; i++) await client.foodStorage.getFood({ id: 'food-00000001' }); // warm both connections
      hedges = 0;
      return runLoad({
        durationMs: SIZE.slowReplicaMs,
        ratePerSec: SIZE.slowReplicaRate,
        op: () => client.foodStorage.getFood({ id: 'food-00000001' }),
      });
    };
    const p = (r: ReturnType<typeof summarize>, q: number) => {
      const sorted = r.outcomes.map((o) => o.latencyMs).sort((x, y) => x - y);
      return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))];
    };

    const healthyClient = pair(b);
    const healthy = await measure(healthyClient);
    healthyClient.close();
    // Hedge after the healthy median: a call stuck on the slow replica then waits about one typical
    // call longer than a healthy one, and its hedge goes to the other replica (loadBalancing).
    const delayMs = Math.max(1, Math.ceil(p(healthy, 0.5)));
    const plainClient = pair(slowB);
    const plain = await measure(plainClient);
    plainClient.close();
    const hedgedClient = pair(slowB, { hedging: { delayMs, maxAttempts: 2 }, trace: 'retry', logger: counting });
    const hedged = await measure(hedgedClient);
    hedgedClient.close();

    const base = { duplicates: '—' as const, lost: '—' as const };
    const name = `GetFood at ${SIZE.slowReplicaRate}/s over 2 replicas (round_robin)`;
    rows.push({
      scenario: `${name}, both healthy`,
      ...pick(healthy),
      ...base,
      notes: `p50 ${p(healthy, 0.5).toFixed(1)} ms (the hedging delay below)`,
    });
    rows.push({
      scenario: `${name}, one slowed by 200 ms, no hedging`,
      ...pick(plain),
      ...base,
      notes: `p99 ${(plain.p99Ms / healthy.p99Ms).toFixed(1)}× the healthy p99`,
    });
    rows.push({
      scenario: `${name}, one slowed by 200 ms, hedging { delayMs: ${delayMs}, maxAttempts: 2 }`,
      ...pick(hedged),
      ...base,
      notes: `p99 ${(hedged.p99Ms / healthy.p99Ms).toFixed(2)}× the healthy p99; ${hedges} hedges for ${hedged.calls} calls (delayMs = the healthy p50, rounded up)`,
    });
    for (const r of [healthy, plain, hedged]) expect(r.succeeded).toBe(r.calls);
    expect(plain.p99Ms).toBeGreaterThanOrEqual(200);
    expect(hedges).toBeGreaterThan(hedged.calls * 0.3); // about half the first attempts met the slow replica
    // The bound of the full run (p99 below 2× the healthy p99) needs a quiet machine. At CI size, on
    // a loaded one, a p99 of 300 calls is the third-slowest call, i.e. one stall of the machine; the
    // p90 still shows the slow replica (half the calls without hedging) and hedging taking it away.
    if (FULL) expect(hedged.p99Ms).toBeLessThan(2 * healthy.p99Ms);
    else {
      expect(p(plain, 0.9)).toBeGreaterThanOrEqual(200);
      expect(p(hedged, 0.9)).toBeLessThan(100);
    }
  });
});

/** docs/reliability.md: every number in it comes from the run that wrote it. */
function reliabilityDoc(md: string): string {
  const cpu = (cpus()[0]?.model ?? 'unknown CPU').replace(/\s+/g, ' ');
  return `# Reliability under faults

Written by \`npm run test:faults\` (test/faults/faults.test.ts, full size) on ${new Date().toISOString().slice(0, 10)}: ${cpus().length} vCPU (${cpu}), Node ${process.version}, the Go server and Envoy 1.40 (HAProxy for its own row) as local processes on loopback, client and server sharing the machine. \`npm test\` runs the same scenarios at a smaller size.

${md}

How to read it:
- **duplicates / lost acknowledged writes**: after the run, every food the load added is listed from the server; a name stored twice is a duplicate, an AddFood the client saw succeed but the server does not have is lost. Both must be 0. "Applied but reported failed" counts writes the server kept although the client gave up (deadline or retries spent) — never more than the failed calls.
- **server restart**: the Go process is killed with SIGKILL mid-run and started again on the same address with its data file (\`startPantryStack({ persist: true })\`); AddFood requests carry a request_id that the client fills in once, so a retry after the restart returns the stored item.
- **Envoy / HAProxy killed and restarted**: the proxy is killed with SIGKILL and started again on the same address; the client reconnects within a second (its reconnect backoff is capped at 1 s). Calls in flight fail with UNAVAILABLE and are retried when safe.
- **Envoy hot restart (drain)**: \`restartProxy({ graceful: true })\`, as an operator restarts Envoy: a new Envoy (\`--restart-epoch 1\`) takes over the listening socket, the old one drains its connections (GOAWAY, \`--drain-time-s 2\`) and exits. Not one call may fail.
- **Envoy max_connection_duration 1 s (GOAWAY)**: the shipped config with every downstream connection closed gracefully after 1 s instead of 10 minutes, so the client is sent GOAWAY and reconnects many times under load. Not one call may fail; Envoy's \`downstream_cx_max_duration_reached\` counter proves the connections were cycled.
- **GetFood over 2 replicas, one slowed by 200 ms**: three Go servers with mutual TLS and no proxy (two healthy, one started with \`-delay 200ms\`); the client dials two of them as one \`ipv4:\` target with \`loadBalancing: 'round_robin'\`, so half the first attempts meet the slow one. Hedging (\`hedging: { delayMs, maxAttempts: 2 }\`, delayMs the healthy p50) sends a second attempt to the other replica; the first answer wins and the slow attempt is cancelled. Hedged p99 must stay below 2× the healthy p99.
- **rolling restart of 3 replicas and 2 Envoys**: \`startPantryStack({ replicas: 3, proxies: 2 })\` — three Go replicas sharing one SQLite database (\`-db sqlite:…\`) behind two Envoys whose clusters list every replica with gRPC health checks and outlier detection; the client balances over both Envoys (\`loadBalancing: 'round_robin'\`, an \`ipv4:\` target). After a steady phase, \`stack.rollingRestart()\` gives every replica SIGTERM and starts it again (waiting until both Envoys see it healthy), then drains every Envoy (GOAWAY, listener closed), stops and starts it. Not one call may fail, no write may be lost or doubled; "calls per replica" counts the \`pantry-replica\` response header, which must stay within ±15% of the mean before the rollout.
- Closed-loop runs (restarts) keep 32 calls in flight: while a part is down, calls fail fast, so failures are counted in the thousands though the outage lasts ${SIZE.downMs / 1000} s.
- The bad-input matrix (test/unit/create-client-validation.test.ts, test/integration/bad-requests.test.ts), the secret scan of all test output and harness process logs (test/setup/count-reporter.ts, test/setup/no-secrets-in-output.ts) and the property-based tests of the retry scheduler (test/unit/retry-properties.test.ts) run in \`npm test\`.
`;
}

/** Handles that would betray a leak (sockets, TLS, timers), by type. */
function resources(): Record<string, number> {
  const counts: Record<string, number> = { TCPSocketWrap: 0, TLSWrap: 0, Timeout: 0 };
  for (const r of process.getActiveResourcesInfo()) if (r in counts) counts[r]++;
  return counts;
}

/** Handles left over that were not there before. */
function grown(before: Record<string, number>, after: Record<string, number>): string[] {
  return Object.keys(after)
    .filter((k) => after[k] > (before[k] ?? 0))
    .map((k) => `${k} ${before[k]} → ${after[k]}`);
}

/** Least-squares slope of y over x. */
function slope(points: Array<[number, number]>): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const num = points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  const den = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  return den ? num / den : 0;
}
