/**
 * The benchmark runner: `npm run bench` (about 22 minutes) or `npm run bench -- --quick` (about a
 * minute). Starts the Go reference server with mutual TLS (the harness, `proxy: 'none'`), seeds it,
 * then runs every client in its own process, one at a time, in alternating rounds, and writes
 * bench/results/<name>.json, <name>.md and the chart. See bench/README.md.
 */
import { execFile, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem, type } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { Category, createClient } from '../src/index.js';
import { startPantryStack } from '../src/testing/index.js';
import {
  CLIENTS,
  DEFAULT_CLIENTS,
  NODE_CLIENTS,
  PANTRY_DIST_DIR,
  PAGE_SIZE,
  WITHIN_DAYS,
  type ClientName,
  type NodeClientName,
} from './clients.js';
import { summarize as summarizeProfile } from './profile.js';
import {
  chartSvg,
  evaluateTargets,
  markdown,
  resultsTable,
  streamTable,
  coldTable,
  heapTable,
  targetsTable,
  profileSection,
  summarize,
  summarizeCold,
  summarizeHeap,
  type BenchReport,
  type RunRecord,
  type Workload,
} from './report.js';
import type { WorkerResult } from './worker.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BENCH = join(ROOT, 'bench');
const TMP = join(BENCH, 'tmp');
const RESULTS = join(BENCH, 'results');
const run = promisify(execFile);

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    name: { type: 'string' },
    rounds: { type: 'string' },
    seconds: { type: 'string' },
    warmup: { type: 'string' },
    clients: { type: 'string' },
    workloads: { type: 'string' },
    concurrency: { type: 'string' },
    'cold-calls': { type: 'string' },
    'heap-calls': { type: 'string' },
    'heap-concurrency': { type: 'string' },
    profile: { type: 'boolean' },
    'no-profile': { type: 'boolean', default: false },
    'wait-idle': { type: 'string' },
    'from-json': { type: 'string' },
    'profile-cell': { type: 'string', default: 'hello:16' },
    help: { type: 'boolean', default: false },
  },
});

if (args.help) {
  console.log(`npm run bench [-- options]
  --quick                 about a minute: 1 round, Hello at c=1 and c=64, ListFoods at c=16, the stream,
                          0.5 s + 1 s cells, 3 cold clients each, a heap check of @pantry/client only
                          (10,000 calls); writes bench/results/*-quick.*
  --name NAME             results file name (default: latest, or latest-quick)
  --rounds N              alternating rounds (default 3)
  --warmup S --seconds S  warm-up and measured seconds per cell (default 2 and 5)
  --clients a,b           any of ${CLIENTS.join(',')} (default: all but raw-deadline,
                          pantry-dist and pantry-otel: raw stubs with a 10 s deadline; pantry's tsc
                          build; pantry with telemetry: true and no OpenTelemetry SDK)
  --workloads a,b         subset of hello,list,stream,cold,heap
  --concurrency 1,16      concurrencies of the unary workloads (default 1,16,64,256)
  --cold-calls N          new clients per round in the cold workload (default 20)
  --heap-calls N          calls between the heap readings (default 100000; 0 skips)
  --heap-concurrency N    (default 16)
  --profile / --no-profile  CPU profiles of raw, pantry and pantry-trace at c=16 (default: on, off with --quick)
  --profile-cell W:C      the workload and concurrency profiled (default hello:16)
  --wait-idle MINUTES     wait up to MINUTES for the 1-minute load average to drop to 1.5 first
  --from-json NAME        only rewrite the outputs of bench/results/NAME.json with the current report code`);
  process.exit(0);
}

const quick = args.quick!;
const list = (s: string | undefined) =>
  s
    ?.split(',')
    .map((x) => x.trim())
    .filter(Boolean);
const num = (s: string | undefined, d: number) => (s === undefined ? d : Number(s));
const clients = (list(args.clients) ?? [...DEFAULT_CLIENTS]) as ClientName[];
for (const c of clients) if (!CLIENTS.includes(c)) throw new Error(`unknown client ${c}; known: ${CLIENTS.join(', ')}`);
const workloads = list(args.workloads) ?? ['hello', 'list', 'stream', 'cold', 'heap'];
const concurrencies = list(args.concurrency)?.map(Number);
const config = {
  name: args.name ?? (quick ? 'latest-quick' : 'latest'),
  rounds: num(args.rounds, quick ? 1 : 3),
  warmup: num(args.warmup, quick ? 0.5 : 2),
  seconds: num(args.seconds, quick ? 1 : 5),
  coldCalls: num(args['cold-calls'], quick ? 3 : 20),
  heapCalls: workloads.includes('heap') ? num(args['heap-calls'], quick ? 10_000 : 100_000) : 0,
  heapConcurrency: num(args['heap-concurrency'], 16),
  profile: args.profile ?? (!quick && !args['no-profile']),
};
if (args['no-profile']) config.profile = false;
const [profileWorkload, profileConcurrency] = args['profile-cell']!.split(':');
const profileCell = { workload: profileWorkload as Workload, concurrency: Number(profileConcurrency ?? 16) };
if (!['hello', 'list', 'stream'].includes(profileCell.workload) || !(profileCell.concurrency >= 1))
  throw new Error('--profile-cell must be hello|list|stream:CONCURRENCY, e.g. hello:16');
const cells: { workload: Workload; concurrency: number }[] = [];
for (const w of ['hello', 'list'] as const) {
  if (!workloads.includes(w)) continue;
  const cs = concurrencies ?? (quick ? (w === 'hello' ? [1, 64] : [16]) : [1, 16, 64, 256]);
  for (const c of cs) cells.push({ workload: w, concurrency: c });
}
if (workloads.includes('stream')) cells.push({ workload: 'stream', concurrency: 1 });

const log = (msg: string) => process.stderr.write(`${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------------ child processes

/** The environment of a client process: none of the caller's PANTRY_* or GRPC_* settings. */
function childEnv(client: ClientName): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(PANTRY_|GRPC_|BENCH_)/.test(k)) env[k] = v;
  if (client === 'pantry-trace') env.PANTRY_TRACE = 'all';
  return env;
}

function spawnJson(cmd: string, argv: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<WorkerResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, argv, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').pop() ?? '';
      if (code === 0 && line.startsWith('{')) {
        try {
          return resolvePromise(JSON.parse(line) as WorkerResult);
        } catch {
          /* fall through */
        }
      }
      reject(
        new Error(
          `${cmd === process.execPath ? 'worker' : 'pantry-load'} ${argv.filter((a) => !a.includes('/')).join(' ')} ${signal ? `killed (${signal}, after ${timeoutMs} ms)` : `exited ${code}`}: ${(err.split('\n').find((l) => l.startsWith('worker:') || l.startsWith('pantry-load:')) ?? err.trim().split('\n').slice(-3).join(' | ')).slice(0, 400)}`,
        ),
      );
    });
  });
}

interface Job {
  client: ClientName;
  workload: Workload | 'cold' | 'heap';
  concurrency: number;
  calls?: number;
  seconds?: number;
  warmup?: number;
  profileDir?: string;
}

let target: { address: string; certDir: string };
let expectMessages = 0;
let goBinary: string | undefined;

function runJob(job: Job): Promise<WorkerResult> {
  const seconds = job.seconds ?? config.seconds;
  const warmup = job.warmup ?? config.warmup;
  const timeoutMs =
    job.workload === 'heap' ? 600_000 : job.workload === 'cold' ? 180_000 : (seconds + warmup) * 1000 + 60_000;
  const calls = job.calls ?? 1;
  if (job.client === 'go') {
    const { address, certDir } = target;
    const argv = [
      '-addr',
      address,
      '-ca',
      join(certDir, 'ca.crt'),
      '-cert',
      join(certDir, 'client.crt'),
      '-key',
      join(certDir, 'client.key'),
      '-workload',
      job.workload,
      '-concurrency',
      String(job.concurrency),
      '-warmup',
      `${warmup}s`,
      '-duration',
      `${seconds}s`,
      '-calls',
      String(calls),
      '-page-size',
      String(PAGE_SIZE),
      '-within-days',
      String(WITHIN_DAYS),
      '-expect',
      String(expectMessages),
    ];
    return spawnJson(goBinary!, argv, childEnv('go'), timeoutMs);
  }
  const nodeArgs = ['--no-deprecation', '--expose-gc'];
  const env = childEnv(job.client);
  if (job.profileDir) {
    nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${job.profileDir}`);
    env.BENCH_SOURCE_MAPS_OUT = join(job.profileDir, 'source-maps.json');
  }
  const argv = [
    ...nodeArgs,
    '--import',
    'tsx',
    join('bench', 'worker.ts'),
    '--client',
    job.client,
    '--workload',
    job.workload,
    '--concurrency',
    String(job.concurrency),
    '--seconds',
    String(seconds),
    '--warmup',
    String(warmup),
    '--calls',
    String(calls),
    '--expect',
    String(expectMessages),
    '--address',
    target.address,
    '--cert-dir',
    target.certDir,
  ];
  return spawnJson(process.execPath, argv, env, timeoutMs);
}

const rotate = <T>(xs: readonly T[], k: number): T[] => xs.map((_, i) => xs[(i + k) % xs.length]);

function describe(r: WorkerResult): string {
  if (r.mode === 'heap')
    return `${Math.round(r.callsPerSec)} calls/s, heap ${(r.heap!.beforeBytes / 2 ** 20).toFixed(2)} → ${(r.heap!.afterBytes / 2 ** 20).toFixed(2)} MB`;
  if (r.mode === 'cold') return `p50 ${r.p50Ms.toFixed(1)} ms, first ${r.cold!.firstMs.toFixed(1)} ms`;
  const msgs = r.messagesPerSec ? `, ${Math.round(r.messagesPerSec)} msg/s` : '';
  return `${Math.round(r.callsPerSec)} calls/s${msgs}, p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms, ${Math.round(r.cpuUsPerCall)} µs CPU/call${r.errors ? `, ${r.errors} errors (${r.firstError})` : ''}`;
}

// ------------------------------------------------------------------ setup

async function waitIdle(minutes: number): Promise<void> {
  const until = Date.now() + minutes * 60_000;
  while (loadavg()[0] > 1.5 && Date.now() < until) {
    log(
      `load average ${loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')} > 1.5: waiting for the machine to be idle…`,
    );
    await sleep(30_000);
  }
}

async function buildGo(): Promise<string | undefined> {
  mkdirSync(TMP, { recursive: true });
  const out = join(TMP, 'pantry-load');
  try {
    await run(process.env.GO ?? 'go', ['build', '-trimpath', '-o', out, './cmd/pantry-load'], {
      cwd: join(ROOT, 'server'),
      env: { ...process.env, CGO_ENABLED: '0' },
    });
    return out;
  } catch (err) {
    log(
      `the Go load client could not be built (${(err as { stderr?: string }).stderr?.trim() || err}); running without it`,
    );
    return undefined;
  }
}

async function versionOf(cmd: string, argv: string[]): Promise<string | undefined> {
  try {
    return (await run(cmd, argv)).stdout.trim();
  } catch {
    return undefined;
  }
}

function cpuModel(): string {
  try {
    const m = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return m[1].trim();
  } catch {
    /* not Linux */
  }
  return cpus()[0]?.model ?? 'unknown';
}

/** Stores `n` foods whose best-before dates fall within the next 28 days; returns how many messages a watch of 30 days streams. */
async function seed(n: number): Promise<number> {
  const client = createClient(target.address, target.certDir);
  try {
    const t0 = performance.now();
    const today = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < n) {
          const i = next++;
          const bestBefore = new Date(today + ((i % 28) + 1) * 86_400_000).toISOString().slice(0, 10);
          await client.foodStorage.addFood({
            food: {
              name: `bench food ${i}`,
              quantity: 1 + (i % 12),
              unit: 'can',
              category: Category.CANNED,
              bestBefore,
              location: 'bench shelf',
            },
          });
        }
      }),
    );
    const { foods } = await client.foodStorage.listFoods({ pageSize: PAGE_SIZE });
    if (foods.length !== PAGE_SIZE) throw new Error(`after seeding, ListFoods returned ${foods.length} foods`);
    let m = 0;
    for await (const _ of client.foodStorage.watchExpiringFoods({ withinDays: WITHIN_DAYS })) m++;
    log(
      `seeded ${n} foods in ${((performance.now() - t0) / 1000).toFixed(1)} s; WatchExpiringFoods({withinDays: ${WITHIN_DAYS}}) streams ${m} messages`,
    );
    return m;
  } finally {
    client.close();
  }
}

/** `--from-json NAME`: recompute the summary, the targets and the profile summaries of bench/results/NAME.json with the current code, and write the outputs again. */
function rereport(name: string): void {
  const report = JSON.parse(readFileSync(join(RESULTS, `${name}.json`), 'utf8')) as BenchReport;
  report.summary = summarize(report.runs, report.config.clients, report.config.cells);
  report.cold = summarizeCold(report.runs, report.config.clients);
  report.heap = summarizeHeap(report.runs);
  report.targets = evaluateTargets(report.runs, report.summary);
  if (report.profile) {
    report.profile.summaries = report.profile.summaries.map((old) => {
      const dir = join(TMP, 'prof', report.name, old.client);
      const r = report.profile!.results.find((x) => x.client === old.client);
      const main = existsSync(dir)
        ? readdirSync(dir).find((f) => f.endsWith('.cpuprofile') && f.split('.')[4] === '0')
        : undefined;
      return main && r
        ? summarizeProfile(join(dir, main), old.client, r.windowUs, r.calls, join(dir, 'source-maps.json'))
        : old;
    });
  }
  writeOutputs(report);
  log(`rewrote the outputs of bench/results/${name}.json`);
}

/** Writes <name>.json, <name>.md and the chart; a full run under the default name also refreshes bench/README.md. */
function writeOutputs(report: BenchReport): string {
  mkdirSync(RESULTS, { recursive: true });
  const chartName =
    report.name === 'latest'
      ? 'chart.svg'
      : report.name === 'latest-quick'
        ? 'chart-quick.svg'
        : `chart-${report.name}.svg`;
  /** Committed results name no path of this machine (error messages may carry some). */
  const tmpPaths = new RegExp(`(^|[\\s"'(=:])${tmpdir().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/[^\\s"')]*`, 'g');
  const scrub = (text: string) => text.split(`${ROOT}/`).join('').split(ROOT).join('.').replace(tmpPaths, '$1<tmp>');
  writeFileSync(join(RESULTS, `${report.name}.json`), `${scrub(JSON.stringify(report, null, 2))}\n`);
  writeFileSync(join(RESULTS, `${report.name}.md`), scrub(markdown(report, chartName)));
  writeFileSync(join(RESULTS, chartName), chartSvg(report));

  // A full run under the default name refreshes the table in bench/README.md.
  const readme = join(BENCH, 'README.md');
  if (!report.quick && report.name === 'latest' && existsSync(readme)) {
    const text = readFileSync(readme, 'utf8');
    const start = '<!-- latest-results:start -->';
    const end = '<!-- latest-results:end -->';
    const i = text.indexOf(start);
    const j = text.indexOf(end);
    if (i >= 0 && j > i) {
      const m = report.machine;
      const body = [
        `Run of ${report.date.slice(0, 10)}${report.commit ? ` at ${report.commit}` : ''} on ${m.cores} vCPU ${m.cpu}, Node ${m.node}, ${m.go ?? 'no Go'}; ${report.config.rounds} rounds of ${report.config.seconds} s after ${report.config.warmupSeconds} s warm-up (full report: [results/latest.md](results/latest.md)).`,
        '',
        '![calls/s by concurrency per client](results/chart.svg)',
        '',
        '#### Targets',
        '',
        targetsTable(report),
        '#### Unary calls',
        '',
        resultsTable(report),
        streamTable(report) ? `#### Server stream (10,000 messages)\n\n${streamTable(report)}` : '',
        coldTable(report) ? `#### Cold path\n\n${coldTable(report)}` : '',
        heapTable(report)
          ? `#### Heap after ${report.config.heapCalls.toLocaleString('en-US')} calls and a forced GC\n\n${heapTable(report)}`
          : '',
        profileSection(report) ? `#### Where the time goes\n\n${profileSection(report)}` : '',
      ].join('\n');
      writeFileSync(readme, `${text.slice(0, i + start.length)}\n${scrub(body)}\n${text.slice(j)}`);
    }
  }
  return chartName;
}

// ------------------------------------------------------------------ main

if (args['from-json']) {
  rereport(args['from-json']);
  process.exit(0);
}

const started = Date.now();
// What was measured: the commit, and how many files of src/ differed from it when the run started.
const commit = await versionOf('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']);
const srcUncommitted = (
  await versionOf('git', ['-C', ROOT, '--no-optional-locks', 'status', '--porcelain', '--', 'src'])
)
  ?.split('\n')
  .filter(Boolean).length;
if (args['wait-idle']) await waitIdle(Number(args['wait-idle']));
const loadBefore = loadavg();
if (loadBefore[0] > 1.5)
  log(
    `warning: load average ${loadBefore.map((x) => x.toFixed(2)).join(' ')}: other work is running, figures will be lower and noisier`,
  );

const cellSeconds = (config.warmup + config.seconds + 0.7) * cells.length * clients.length * config.rounds;
log(
  `${quick ? 'quick' : 'full'} benchmark: ${clients.length} clients × ${cells.length} cells × ${config.rounds} rounds, ${config.warmup} s + ${config.seconds} s each: about ${Math.round(cellSeconds / 60)} min for the cells${config.heapCalls ? ` plus the heap check (${config.heapCalls} calls per client)` : ''}${config.profile ? ' and the profiles' : ''}`,
);

goBinary = clients.includes('go') ? await buildGo() : undefined;
if (clients.includes('pantry-dist')) {
  const dist = join(ROOT, PANTRY_DIST_DIR);
  rmSync(dist, { recursive: true, force: true });
  await run(
    process.execPath,
    [
      join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
      '-p',
      'tsconfig.json',
      '--outDir',
      dist,
      '--declaration',
      'false',
    ],
    { cwd: ROOT },
  );
  // The build reads its version from ../../package.json (dist/observability/ → the package root), as the published package does.
  copyFileSync(join(ROOT, 'package.json'), join(dist, '..', 'package.json'));
  log(`pantry-dist: @pantry/client built with tsc into ${PANTRY_DIST_DIR}`);
}
const activeClients = clients.filter((c) => c !== 'go' || goBinary);
const stack = await startPantryStack({ runtime: 'process', proxy: 'none' });
target = { address: stack.address, certDir: stack.certDir };
log(`server on ${stack.address} (mutual TLS, ALPN ${stack.tls.alpn || 'none'})`);

const runs: RunRecord[] = [];
const notes: string[] = [];
let seeded = 0;
let profile: BenchReport['profile'];
try {
  const needs = [...cells, ...(config.profile ? [profileCell] : [])];
  if (needs.some((c) => c.workload !== 'hello')) {
    seeded = needs.some((c) => c.workload === 'stream') ? 10_000 : PAGE_SIZE;
    expectMessages = await seed(seeded);
  }
  for (let round = 0; round < config.rounds; round++) {
    const order = rotate(activeClients, round);
    for (const cell of cells) {
      for (const client of order) {
        const rec: RunRecord = { round, client, workload: cell.workload, concurrency: cell.concurrency };
        try {
          rec.result = await runJob({ client, workload: cell.workload, concurrency: cell.concurrency });
          log(
            `[round ${round + 1}/${config.rounds}] ${cell.workload} c=${cell.concurrency} ${client}: ${describe(rec.result)}`,
          );
        } catch (err) {
          rec.error = (err as Error).message;
          log(
            `[round ${round + 1}/${config.rounds}] ${cell.workload} c=${cell.concurrency} ${client}: FAILED ${rec.error}`,
          );
        }
        runs.push(rec);
      }
    }
    if (workloads.includes('cold') && config.coldCalls > 0) {
      for (const client of order) {
        const rec: RunRecord = { round, client, workload: 'cold', concurrency: 1 };
        try {
          rec.result = await runJob({ client, workload: 'cold', concurrency: 1, calls: config.coldCalls });
          log(`[round ${round + 1}/${config.rounds}] cold ${client}: ${describe(rec.result)}`);
        } catch (err) {
          rec.error = (err as Error).message;
          log(`[round ${round + 1}/${config.rounds}] cold ${client}: FAILED ${rec.error}`);
        }
        runs.push(rec);
      }
    }
  }
  if (config.heapCalls > 0) {
    // --quick checks only @pantry/client's heap, to stay within about a minute.
    for (const client of quick && !args.clients ? activeClients.filter((c) => c === 'pantry') : activeClients) {
      const rec: RunRecord = { round: 0, client, workload: 'heap', concurrency: config.heapConcurrency };
      try {
        rec.result = await runJob({
          client,
          workload: 'heap',
          concurrency: config.heapConcurrency,
          calls: config.heapCalls,
        });
        log(`heap ${client}: ${describe(rec.result)}`);
      } catch (err) {
        rec.error = (err as Error).message;
        log(`heap ${client}: FAILED ${rec.error}`);
      }
      runs.push(rec);
    }
  }
  if (config.profile) {
    const profiled = (['raw', 'raw-deadline', 'pantry', 'pantry-dist', 'pantry-trace'] as NodeClientName[]).filter(
      (c) => activeClients.includes(c),
    );
    const summaries = [];
    const results = [];
    for (const client of profiled) {
      const dir = join(TMP, 'prof', config.name, client);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      try {
        const r = await runJob({
          client,
          workload: profileCell.workload,
          concurrency: profileCell.concurrency,
          profileDir: dir,
        });
        const main = readdirSync(dir).find((f) => f.endsWith('.cpuprofile') && f.split('.')[4] === '0');
        if (!main) throw new Error('no profile of the main thread was written');
        summaries.push(summarizeProfile(join(dir, main), client, r.windowUs, r.calls, join(dir, 'source-maps.json')));
        results.push(r);
        log(`profile ${client}: ${describe(r)} (${relative(ROOT, join(dir, main))})`);
      } catch (err) {
        log(`profile ${client}: FAILED ${(err as Error).message}`);
      }
    }
    if (summaries.length)
      profile = {
        workload: profileCell.workload,
        concurrency: profileCell.concurrency,
        seconds: config.seconds,
        summaries,
        results,
      };
  }
} finally {
  await stack.stop();
}

// ------------------------------------------------------------------ report

const nodeClientsRun = activeClients.filter((c) => (NODE_CLIENTS as readonly string[]).includes(c));
notes.push(
  '`pantry` and `pantry-trace` run src/ through tsx, as the tests do: esbuild (keepNames) adds a `__name` call per closure created, which the published tsc build has not; `--clients …,pantry-dist` measures that build.',
);
if (nodeClientsRun.includes('connect'))
  notes.push(
    'connect-node is 2.1.2, the last release whose `engines` allows Node 20 (2.2 needs Node ≥ 22); used with its defaults: no timeout, no retries.',
  );
if (nodeClientsRun.includes('nice-grpc'))
  notes.push(
    'nice-grpc: `createClientFactory().use(retryMiddleware).use(deadlineMiddleware)`, default call options `deadline: 10000`, `retryMaxAttempts: 3` on `UNAVAILABLE` (retries only methods the proto marks safe) — the same policy as @pantry/client’s defaults. Raw grpc-js runs without a deadline (its default).',
  );
if (loadBefore[0] > 1.5)
  notes.push(
    `The machine was busy when the run started (load average ${loadBefore.map((x) => x.toFixed(2)).join(' ')}): absolute figures are low; ratios within a round still compare.`,
  );

const summary = summarize(runs, activeClients, cells);
const report: BenchReport = {
  name: config.name,
  quick,
  date: new Date(started).toISOString(),
  commit: commit || undefined,
  srcUncommitted,
  machine: {
    cpu: cpuModel(),
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    go: (await versionOf(process.env.GO ?? 'go', ['version']))?.replace(/^go version /, ''),
    os: `${type()} ${release()}`,
    loadBefore,
    loadAfter: loadavg(),
  },
  config: {
    rounds: config.rounds,
    warmupSeconds: config.warmup,
    seconds: config.seconds,
    clients: activeClients,
    cells,
    streamMessages: expectMessages || undefined,
    coldCalls: workloads.includes('cold') ? config.coldCalls : 0,
    heapCalls: config.heapCalls,
    heapConcurrency: config.heapConcurrency,
    seeded,
  },
  summary,
  cold: summarizeCold(runs, activeClients),
  heap: summarizeHeap(runs),
  targets: evaluateTargets(runs, summary),
  profile,
  runs,
  notes,
};

writeOutputs(report);
log(`\n${targetsTable(report)}`);
log(
  `wrote ${['json', 'md'].map((e) => relative(ROOT, join(RESULTS, `${config.name}.${e}`))).join(', ')} and the chart in ${((Date.now() - started) / 1000).toFixed(0)} s`,
);
