/**
 * One benchmark cell in its own process: one client, one workload, one concurrency, one channel.
 * Prints one JSON line (the fields of server/cmd/pantry-load's output) on stdout.
 *
 *   node --expose-gc --import tsx bench/worker.ts --client pantry --workload hello --concurrency 16 \
 *     --seconds 5 --warmup 2 --address 127.0.0.1:PORT --cert-dir DIR
 *
 * Workloads: hello, list, stream (closed loops for --warmup then --seconds), cold (--calls times:
 * a new client, its TLS handshake and first Hello), heap (--calls Hello calls at --concurrency
 * between two readings of heapUsed, each after a forced GC; needs --expose-gc).
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { findSourceMap } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  makeClient,
  NODE_CLIENTS,
  preload,
  PAGE_SIZE,
  type BenchClient,
  type NodeClientName,
  type Target,
} from './clients.js';
import { LatencySample } from './stats.js';

export interface WorkerResult {
  client: string;
  workload: string;
  mode: 'throughput' | 'cold' | 'heap';
  concurrency: number;
  seconds: number;
  calls: number;
  errors: number;
  firstError?: string;
  callsPerSec: number;
  messages?: number;
  messagesPerSec?: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  cpuUsPerCall: number;
  cpuUsPerMessage?: number;
  peakRssKb: number;
  heap?: { calls: number; beforeBytes: number; afterBytes: number; growthBytes: number };
  cold?: { iterations: number; firstMs: number };
  runtime: string;
  /** The measured window on the monotonic clock (µs), to cut a --cpu-prof profile to it. */
  windowUs?: [number, number];
}

const WORKLOADS = ['hello', 'list', 'stream', 'cold', 'heap'] as const;
type Workload = (typeof WORKLOADS)[number];

const { values } = parseArgs({
  options: {
    client: { type: 'string' },
    workload: { type: 'string', default: 'hello' },
    concurrency: { type: 'string', default: '1' },
    seconds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    calls: { type: 'string', default: '100000' },
    expect: { type: 'string', default: '0' },
    address: { type: 'string', default: process.env.BENCH_ADDRESS },
    'cert-dir': { type: 'string', default: process.env.BENCH_CERT_DIR },
  },
});

const client = values.client as NodeClientName;
const workload = values.workload as Workload;
if (!NODE_CLIENTS.includes(client)) fail(`--client must be one of ${NODE_CLIENTS.join(', ')}`);
if (!WORKLOADS.includes(workload)) fail(`--workload must be one of ${WORKLOADS.join(', ')}`);
if (!values.address || !values['cert-dir'])
  fail('--address and --cert-dir (or BENCH_ADDRESS and BENCH_CERT_DIR) are required');
const target: Target = { address: values.address!, certDir: values['cert-dir']! };
const concurrency = positive(values.concurrency!, 'concurrency');
const seconds = Number(values.seconds);
const warmup = Number(values.warmup);
const calls = positive(values.calls!, 'calls');
const expect = Number(values.expect);

function fail(message: string): never {
  process.stderr.write(`worker: ${message}\n`);
  process.exit(2);
}

function positive(v: string, name: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) fail(`--${name} must be a positive integer`);
  return n;
}

const nowUs = () => Number(process.hrtime.bigint() / 1000n);
const cpuUs = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The call a workload makes; resolves with the messages it received (1 for unary calls). */
function operation(c: BenchClient, w: Workload): () => Promise<number> {
  switch (w) {
    case 'list':
      return async () => {
        const n = await c.list();
        if (n !== PAGE_SIZE)
          throw new Error(`ListFoods returned ${n} foods, want ${PAGE_SIZE} (seed the server first)`);
        return 1;
      };
    case 'stream':
      return async () => {
        const n = await c.stream();
        if (expect > 0 && n !== expect) throw new Error(`the stream delivered ${n} messages, want ${expect}`);
        return n;
      };
    default:
      return async () => {
        await c.hello();
        return 1;
      };
  }
}

function base(mode: WorkerResult['mode']): WorkerResult {
  return {
    client,
    workload: workload === 'heap' ? 'hello' : workload,
    mode,
    concurrency,
    seconds: 0,
    calls: 0,
    errors: 0,
    callsPerSec: 0,
    p50Ms: 0,
    p99Ms: 0,
    meanMs: 0,
    cpuUsPerCall: 0,
    peakRssKb: 0,
    runtime: process.version,
  };
}

async function throughput(): Promise<WorkerResult> {
  const c = await makeClient(client, target);
  const op = operation(c, workload);
  try {
    await op(); // connects (TLS handshake); not measured
  } catch (err) {
    throw new Error(`the first call failed: ${String((err as Error)?.message ?? err).split('\n')[0]}`);
  }
  const lat = new LatencySample();
  let measuring = false;
  let stop = false;
  let done = 0;
  let messages = 0;
  let errors = 0;
  let firstError: string | undefined;
  const loop = async () => {
    while (!stop) {
      const t0 = performance.now();
      try {
        const n = await op();
        if (measuring && !stop) {
          lat.add(performance.now() - t0);
          done++;
          messages += n;
        }
      } catch (err) {
        if (measuring && !stop) {
          errors++;
          firstError ??= String((err as Error)?.message ?? err).slice(0, 300);
        }
      }
    }
  };
  const loops = Array.from({ length: concurrency }, loop);
  await sleep(warmup * 1000);
  measuring = true;
  const t0 = performance.now();
  const w0 = nowUs();
  const cpu0 = cpuUs();
  await sleep(seconds * 1000);
  stop = true;
  const cpu = cpuUs() - cpu0;
  const w1 = nowUs();
  const elapsed = (performance.now() - t0) / 1000;
  await Promise.all(loops);
  c.close();
  const s = lat.summary();
  const r = base('throughput');
  Object.assign(r, {
    seconds: elapsed,
    calls: done,
    errors,
    firstError,
    callsPerSec: done / elapsed,
    p50Ms: s.p50,
    p99Ms: s.p99,
    meanMs: s.mean,
    cpuUsPerCall: done ? cpu / done : 0,
    windowUs: [w0, w1],
  });
  if (workload === 'stream')
    Object.assign(r, { messages, messagesPerSec: messages / elapsed, cpuUsPerMessage: messages ? cpu / messages : 0 });
  return r;
}

/** A new client each time: certificates from the files, channel, TLS handshake, first Hello. */
async function cold(): Promise<WorkerResult> {
  await preload(client); // imports are not part of the cold path measured here
  const lat = new LatencySample();
  let firstMs = 0;
  let errors = 0;
  let firstError: string | undefined;
  const cpu0 = cpuUs();
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) {
    const s = performance.now();
    let c: BenchClient | undefined;
    try {
      c = await makeClient(client, target);
      await c.hello();
      const ms = performance.now() - s;
      if (i === 0) firstMs = ms;
      lat.add(ms);
    } catch (err) {
      errors++;
      firstError ??= String((err as Error)?.message ?? err).slice(0, 300);
    } finally {
      c?.close();
    }
    await new Promise((r) => setImmediate(r));
  }
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = cpuUs() - cpu0;
  const s = lat.summary();
  const r = base('cold');
  return Object.assign(r, {
    seconds: elapsed,
    calls: lat.count,
    errors,
    firstError,
    callsPerSec: lat.count / elapsed,
    p50Ms: s.p50,
    p99Ms: s.p99,
    meanMs: s.mean,
    cpuUsPerCall: lat.count ? cpu / lat.count : 0,
    cold: { iterations: calls, firstMs },
  });
}

async function settledHeap(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) fail('the heap workload needs node --expose-gc');
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  return process.memoryUsage().heapUsed;
}

/** `calls` Hello calls at `concurrency` between two heap readings, each after a forced GC. */
async function heap(): Promise<WorkerResult> {
  const c = await makeClient(client, target);
  const op = operation(c, 'hello');
  let errors = 0;
  let firstError: string | undefined;
  const runCalls = async (n: number) => {
    let next = 0;
    let ok = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next++ < n) {
          try {
            await op();
            ok++;
          } catch (err) {
            errors++;
            firstError ??= String((err as Error)?.message ?? err).slice(0, 300);
          }
        }
      }),
    );
    return ok;
  };
  await runCalls(Math.min(5_000, calls)); // warm: connection, JIT, pools
  errors = 0;
  firstError = undefined;
  const before = await settledHeap();
  const cpu0 = cpuUs();
  const t0 = performance.now();
  const ok = await runCalls(calls);
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = cpuUs() - cpu0;
  const after = await settledHeap();
  c.close();
  const r = base('heap');
  return Object.assign(r, {
    seconds: elapsed,
    calls: ok,
    errors,
    firstError,
    callsPerSec: ok / elapsed,
    cpuUsPerCall: ok ? cpu / ok : 0,
    heap: { calls: ok, beforeBytes: before, afterBytes: after, growthBytes: after - before },
  });
}

/**
 * For a --cpu-prof run: the source maps of the TypeScript files tsx compiled, so that bench/profile.ts
 * can name the original lines (the profile only has positions in the compiled code).
 */
function writeSourceMaps(file: string): void {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const maps: Record<string, unknown> = {};
  for (const dir of ['src', 'bench']) {
    for (const entry of readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })) {
      if (!entry.endsWith('.ts')) continue;
      const url = pathToFileURL(join(root, dir, entry)).href;
      const map = findSourceMap(url);
      if (map) maps[url] = map.payload;
    }
  }
  writeFileSync(file, JSON.stringify(maps));
}

let result: WorkerResult;
try {
  result = await (workload === 'cold' ? cold() : workload === 'heap' ? heap() : throughput());
} catch (err) {
  // One line the runner shows: what failed, not where.
  process.stderr.write(
    `worker: ${client} ${workload} c=${concurrency} failed: ${String((err as Error)?.message ?? err).split('\n')[0]}\n`,
  );
  process.exit(1);
}
result.peakRssKb = process.resourceUsage().maxRSS;
if (process.env.BENCH_SOURCE_MAPS_OUT) writeSourceMaps(process.env.BENCH_SOURCE_MAPS_OUT);
process.stdout.write(`${JSON.stringify(result)}\n`);
// grpc-js and http2 sessions may keep timers; the result is out, so leave now.
process.exit(0);
