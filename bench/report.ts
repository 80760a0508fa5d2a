/**
 * Turns the runs of a benchmark into its summary (medians over rounds, ratios taken within a
 * round), the targets of the issue, a markdown report and an SVG chart.
 */
import { CLIENT_LABELS, type ClientName } from './clients.js';
import type { ProfileSummary } from './profile.js';
import { median, range } from './stats.js';
import type { WorkerResult } from './worker.js';

export type Workload = 'hello' | 'list' | 'stream';
export const WORKLOAD_LABELS: Record<Workload | 'cold', string> = {
  hello: 'Hello (unary)',
  list: 'ListFoods, 100 items (unary)',
  stream: 'WatchExpiringFoods, 10,000 messages',
  cold: 'cold: createClient + first Hello',
};

export interface RunRecord {
  round: number;
  client: ClientName;
  workload: Workload | 'cold' | 'heap';
  concurrency: number;
  result?: WorkerResult;
  error?: string;
}

export interface SummaryRow {
  client: ClientName;
  workload: Workload;
  concurrency: number;
  rounds: number;
  callsPerSec: number;
  callsPerSecRange: [number, number];
  messagesPerSec?: number;
  p50Ms: number;
  p99Ms: number;
  cpuUsPerCall: number;
  cpuUsPerMessage?: number;
  /** CPU time per second of wall time: 1 is one core busy. */
  cpuCores: number;
  peakRssKb: number;
  errors: number;
  firstError?: string;
  /** Median over rounds of (this client's calls/s ÷ raw grpc-js's in the same round). */
  ratioRaw: number;
  ratioGo: number;
  /** Median over rounds of (this client's p50 ÷ raw grpc-js's p50 in the same round). */
  p50VsRaw: number;
}

export interface ColdRow {
  client: ClientName;
  rounds: number;
  p50Ms: number;
  p99Ms: number;
  firstMs: number;
  cpuMsPerClient: number;
  p50VsRaw: number;
  errors: number;
}

export interface HeapRow {
  client: ClientName;
  calls: number;
  concurrency: number;
  beforeBytes: number;
  afterBytes: number;
  growthBytes: number;
  callsPerSec: number;
  flat: boolean;
  errors: number;
}

export interface TargetRow {
  target: string;
  workload: Workload;
  concurrency: number;
  value: number;
  threshold: number;
  /** 'min': value must be ≥ threshold; 'max': value must be ≤ threshold. */
  kind: 'min' | 'max';
  holds: boolean;
}

export interface ProfileReport {
  workload: Workload;
  concurrency: number;
  seconds: number;
  summaries: ProfileSummary[];
  results: WorkerResult[];
}

export interface BenchReport {
  name: string;
  quick: boolean;
  date: string;
  commit?: string;
  /** Files of src/ that differed from `commit` when the run started. */
  srcUncommitted?: number;
  machine: {
    cpu: string;
    cores: number;
    memoryGiB: number;
    node: string;
    go?: string;
    os: string;
    loadBefore: number[];
    loadAfter?: number[];
  };
  config: {
    rounds: number;
    warmupSeconds: number;
    seconds: number;
    clients: ClientName[];
    cells: { workload: Workload; concurrency: number }[];
    streamMessages?: number;
    coldCalls: number;
    heapCalls: number;
    heapConcurrency: number;
    seeded: number;
  };
  summary: SummaryRow[];
  cold: ColdRow[];
  heap: HeapRow[];
  targets: TargetRow[];
  profile?: ProfileReport;
  runs: RunRecord[];
  notes: string[];
}

/** Heap growth that counts as noise: 1 MiB, or 2% of the heap. */
export function heapFlat(before: number, growth: number): boolean {
  return growth <= Math.max(1 << 20, 0.02 * before);
}

function ok(r: RunRecord): r is RunRecord & { result: WorkerResult } {
  return !!r.result && r.result.calls > 0;
}

/** Per-round ratio of a's figure to b's in the same cell, median over the rounds where both ran. */
function pairedRatio(
  runs: RunRecord[],
  a: ClientName,
  b: ClientName,
  workload: string,
  concurrency: number,
  pick: (r: WorkerResult) => number,
): number {
  const rounds = new Set(runs.map((r) => r.round));
  const ratios: number[] = [];
  for (const round of rounds) {
    const ra = runs.find(
      (r) => r.round === round && r.client === a && r.workload === workload && r.concurrency === concurrency,
    );
    const rb = runs.find(
      (r) => r.round === round && r.client === b && r.workload === workload && r.concurrency === concurrency,
    );
    if (ra && rb && ok(ra) && ok(rb)) {
      const den = pick(rb.result);
      if (den > 0) ratios.push(pick(ra.result) / den);
    }
  }
  return median(ratios);
}

export function summarize(
  runs: RunRecord[],
  clients: ClientName[],
  cells: { workload: Workload; concurrency: number }[],
): SummaryRow[] {
  const rows: SummaryRow[] = [];
  for (const { workload, concurrency } of cells) {
    for (const client of clients) {
      const mine = runs.filter((r) => r.client === client && r.workload === workload && r.concurrency === concurrency);
      const good = mine.filter(ok).map((r) => r.result);
      const errors = mine.reduce((n, r) => n + (r.result?.errors ?? 0) + (r.error ? 1 : 0), 0);
      const firstError = mine.find((r) => r.error)?.error ?? mine.find((r) => r.result?.firstError)?.result?.firstError;
      const cps = good.map((r) => r.callsPerSec);
      const row: SummaryRow = {
        client,
        workload,
        concurrency,
        rounds: good.length,
        callsPerSec: median(cps),
        callsPerSecRange: range(cps),
        p50Ms: median(good.map((r) => r.p50Ms)),
        p99Ms: median(good.map((r) => r.p99Ms)),
        cpuUsPerCall: median(good.map((r) => r.cpuUsPerCall)),
        cpuCores: median(good.map((r) => (r.cpuUsPerCall * r.callsPerSec) / 1e6)),
        peakRssKb: Math.max(0, ...good.map((r) => r.peakRssKb)),
        errors,
        firstError,
        ratioRaw: pairedRatio(runs, client, 'raw', workload, concurrency, (r) => r.callsPerSec),
        ratioGo: pairedRatio(runs, client, 'go', workload, concurrency, (r) => r.callsPerSec),
        p50VsRaw: pairedRatio(runs, client, 'raw', workload, concurrency, (r) => r.p50Ms),
      };
      if (workload === 'stream') {
        row.messagesPerSec = median(good.map((r) => r.messagesPerSec ?? 0));
        row.cpuUsPerMessage = median(good.map((r) => r.cpuUsPerMessage ?? 0));
      }
      rows.push(row);
    }
  }
  return rows;
}

export function summarizeCold(runs: RunRecord[], clients: ClientName[]): ColdRow[] {
  return clients
    .map((client) => {
      const mine = runs.filter((r) => r.client === client && r.workload === 'cold');
      const good = mine.filter(ok).map((r) => r.result);
      return {
        client,
        rounds: good.length,
        p50Ms: median(good.map((r) => r.p50Ms)),
        p99Ms: median(good.map((r) => r.p99Ms)),
        firstMs: median(good.map((r) => r.cold?.firstMs ?? NaN)),
        cpuMsPerClient: median(good.map((r) => r.cpuUsPerCall / 1000)),
        p50VsRaw: pairedRatio(runs, client, 'raw', 'cold', 1, (r) => r.p50Ms),
        errors: mine.reduce((n, r) => n + (r.result?.errors ?? 0) + (r.error ? 1 : 0), 0),
      };
    })
    .filter((r) => r.rounds > 0 || r.errors > 0);
}

export function summarizeHeap(runs: RunRecord[]): HeapRow[] {
  return runs
    .filter((r) => r.workload === 'heap' && r.result?.heap)
    .map((r) => {
      const h = r.result!.heap!;
      return {
        client: r.client,
        calls: h.calls,
        concurrency: r.concurrency,
        beforeBytes: h.beforeBytes,
        afterBytes: h.afterBytes,
        growthBytes: h.growthBytes,
        callsPerSec: r.result!.callsPerSec,
        flat: heapFlat(h.beforeBytes, h.growthBytes),
        errors: r.result!.errors,
      };
    });
}

/**
 * The targets of the issue, for every workload and concurrency that ran: for `pantry` (src/
 * through tsx) and, when it ran, `pantry-dist` (the published build, which the hot-path target
 * names); the stream counts for the calls/s and p50 targets.
 */
export function evaluateTargets(runs: RunRecord[], summary: SummaryRow[]): TargetRow[] {
  const targets: TargetRow[] = [];
  const has = (c: ClientName) => summary.some((r) => r.client === c && r.rounds > 0);
  for (const client of ['pantry-dist', 'pantry'] as const) {
    if (!has(client)) continue;
    const who = client === 'pantry-dist' ? '@pantry/client (published build)' : '@pantry/client';
    const cells = summary.filter((r) => r.client === client);
    for (const cell of cells) {
      const { workload, concurrency } = cell;
      const add = (target: string, value: number, threshold: number, kind: 'min' | 'max') => {
        if (Number.isFinite(value))
          targets.push({
            target,
            workload,
            concurrency,
            value,
            threshold,
            kind,
            holds: kind === 'min' ? value >= threshold : value <= threshold,
          });
      };
      if (has('raw')) {
        add(`${who} defaults ≥ 0.95 × raw grpc-js calls/s`, cell.ratioRaw, 0.95, 'min');
        add(`${who} p50 overhead over raw grpc-js ≤ 5%`, cell.p50VsRaw - 1, 0.05, 'max');
      }
      if (client !== 'pantry' || workload === 'stream') continue;
      if (has('raw')) {
        const traced = summary.find(
          (r) => r.client === 'pantry-trace' && r.workload === workload && r.concurrency === concurrency,
        );
        if (traced) add('@pantry/client PANTRY_TRACE=all ≥ 0.8 × raw grpc-js calls/s', traced.ratioRaw, 0.8, 'min');
      }
      if (has('nice-grpc'))
        add(
          '@pantry/client ≥ nice-grpc calls/s (ratio)',
          pairedRatio(runs, 'pantry', 'nice-grpc', workload, concurrency, (r) => r.callsPerSec),
          1,
          'min',
        );
      if (has('connect'))
        add(
          '@pantry/client ≥ connect-node calls/s (ratio)',
          pairedRatio(runs, 'pantry', 'connect', workload, concurrency, (r) => r.callsPerSec),
          1,
          'min',
        );
    }
  }
  return targets;
}

// ---------------------------------------------------------------- markdown

const f0 = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '—');
const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '—');
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '—');
const ms = (x: number) => (!Number.isFinite(x) ? '—' : x < 10 ? x.toFixed(2) : x.toFixed(1));
const ratio = (x: number) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '—');
const mb = (kb: number) => (kb > 0 ? (kb / 1024).toFixed(0) : '—');
const pct = (x: number) => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%` : '—');

export function targetsTable(report: BenchReport): string {
  if (report.targets.length === 0)
    return '_No target could be evaluated (raw grpc-js or @pantry/client did not run)._\n';
  const names = [...new Set(report.targets.map((t) => t.target))];
  const cols = [...new Set(report.targets.map((t) => `${t.workload}|${t.concurrency}`))];
  const head = cols.map((c) => {
    const [w, n] = c.split('|');
    return w === 'stream' ? 'stream' : `${w === 'hello' ? 'Hello' : 'ListFoods'} c=${n}`;
  });
  const lines = [`| target | ${head.join(' | ')} | holds |`, `|---|${cols.map(() => '---:').join('|')}|:---:|`];
  for (const name of names) {
    const cells = cols.map((c) => {
      const t = report.targets.find((x) => x.target === name && `${x.workload}|${x.concurrency}` === c);
      if (!t) return '—';
      // Near the line, two decimals would print a failing 0.948 as 0.95: show three.
      const near = Math.abs(t.value - t.threshold) < 0.006;
      const v = name.includes('overhead') ? pct(t.value) : near ? `${t.value.toFixed(3)}×` : ratio(t.value);
      return t.holds ? v : `**${v}** ✗`;
    });
    const all = report.targets.filter((t) => t.target === name);
    const held = all.filter((t) => t.holds).length;
    lines.push(`| ${name} | ${cells.join(' | ')} | ${held === all.length ? 'yes' : `no (${held}/${all.length})`} |`);
  }
  return `${lines.join('\n')}\n`;
}

export function resultsTable(report: BenchReport): string {
  const rows = report.summary.filter((r) => r.workload !== 'stream');
  const lines = [
    '| workload | c | client | calls/s | p50 ms | p99 ms | CPU µs/call | CPU cores | peak RSS MB | × raw grpc-js | × Go | errors |',
    '|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.workload === 'hello' ? 'Hello' : 'ListFoods 100'} | ${r.concurrency} | ${r.client} | ${f0(r.callsPerSec)} | ${ms(r.p50Ms)} | ${ms(r.p99Ms)} | ${f0(r.cpuUsPerCall)} | ${f2(r.cpuCores)} | ${mb(r.peakRssKb)} | ${ratio(r.ratioRaw)} | ${ratio(r.ratioGo)} | ${r.errors || ''} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export function streamTable(report: BenchReport): string {
  const rows = report.summary.filter((r) => r.workload === 'stream');
  if (!rows.length) return '';
  const lines = [
    '| client | streams/s | messages/s | p50 ms/stream | p99 ms/stream | CPU µs/message | peak RSS MB | × raw grpc-js | × Go | errors |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows)
    lines.push(
      `| ${r.client} | ${f1(r.callsPerSec)} | ${f0(r.messagesPerSec ?? NaN)} | ${ms(r.p50Ms)} | ${ms(r.p99Ms)} | ${f2(r.cpuUsPerMessage ?? NaN)} | ${mb(r.peakRssKb)} | ${ratio(r.ratioRaw)} | ${ratio(r.ratioGo)} | ${r.errors || ''} |`,
    );
  return `${lines.join('\n')}\n`;
}

export function coldTable(report: BenchReport): string {
  if (!report.cold.length) return '';
  const lines = [
    '| client | p50 ms | p99 ms | first in process, ms | CPU ms per client | p50 × raw | errors |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of report.cold)
    lines.push(
      `| ${r.client} | ${ms(r.p50Ms)} | ${ms(r.p99Ms)} | ${ms(r.firstMs)} | ${f2(r.cpuMsPerClient)} | ${ratio(r.p50VsRaw)} | ${r.errors || ''} |`,
    );
  return `${lines.join('\n')}\n`;
}

export function heapTable(report: BenchReport): string {
  if (!report.heap.length) return '';
  const lines = [
    '| client | calls | heap before MB | heap after MB | growth KB | bytes/call | verdict |',
    '|---|---:|---:|---:|---:|---:|---|',
  ];
  for (const r of report.heap) {
    lines.push(
      `| ${r.client} | ${f0(r.calls)} | ${(r.beforeBytes / 2 ** 20).toFixed(2)} | ${(r.afterBytes / 2 ** 20).toFixed(2)} | ${f0(r.growthBytes / 1024)} | ${f1(r.growthBytes / r.calls)} | ${r.flat ? 'no growth beyond noise' : '**grows**'} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export function profileSection(report: BenchReport): string {
  const p = report.profile;
  if (!p) return '';
  const out: string[] = [];
  const clients = p.summaries.map((s) => s.client);
  out.push(
    `CPU profile (\`node --cpu-prof\`) of ${clients.join(', ')} on ${p.workload} at concurrency ${p.concurrency}, ${p.seconds} s measured, only the samples of the measured window. Self time per call by component:\n`,
  );
  const components = [...new Set(p.summaries.flatMap((s) => s.components.map((c) => c.component)))];
  const totals = (s: ProfileSummary) => s.components.reduce((a, c) => a + (c.usPerCall ?? 0), 0);
  components.sort(
    (a, b) =>
      Math.max(...p.summaries.map((s) => s.components.find((c) => c.component === b)?.usPerCall ?? 0)) -
      Math.max(...p.summaries.map((s) => s.components.find((c) => c.component === a)?.usPerCall ?? 0)),
  );
  out.push(`| component | ${clients.map((c) => `${c} µs/call`).join(' | ')} |`);
  out.push(`|---|${clients.map(() => '---:').join('|')}|`);
  for (const comp of components) {
    out.push(
      `| ${comp} | ${p.summaries
        .map((s) => {
          const c = s.components.find((x) => x.component === comp);
          return c ? `${f1(c.usPerCall ?? NaN)} (${(c.share * 100).toFixed(0)}%)` : '—';
        })
        .join(' | ')} |`,
    );
  }
  out.push(`| **busy total** | ${p.summaries.map((s) => `**${f1(totals(s))}**`).join(' | ')} |`);
  out.push(`| calls in the window | ${p.summaries.map((s) => f0(s.calls ?? NaN)).join(' | ')} |`);
  const groups = [...new Set(p.summaries.flatMap((s) => (s.inclusive ?? []).map((g) => g.group)))];
  if (groups.length) {
    out.push(
      '\nInclusive time per call (a sample counts when a frame of the group is anywhere on its stack; GC is never inside a group):\n',
    );
    out.push(`| group | ${clients.map((c) => `${c} µs/call`).join(' | ')} |`);
    out.push(`|---|${clients.map(() => '---:').join('|')}|`);
    for (const g of groups)
      out.push(
        `| ${g} | ${p.summaries
          .map((s) => {
            const x = s.inclusive?.find((y) => y.group === g);
            return x && x.ms > 0 ? `${f1(x.usPerCall ?? NaN)} (${(x.share * 100).toFixed(0)}%)` : '—';
          })
          .join(' | ')} |`,
      );
  }
  for (const s of p.summaries) {
    out.push(`\nTop self time, ${s.client}:\n`);
    out.push('| function | component | ms | share |', '|---|---|---:|---:|');
    for (const f of s.topSelf.slice(0, 12))
      out.push(`| \`${f.fn}\` | ${f.component} | ${f1(f.ms)} | ${(f.share * 100).toFixed(1)}% |`);
    if (s.srcInclusive.length) {
      out.push(`\nsrc/ functions of ${s.client}, inclusive time (self time in brackets):\n`);
      out.push('| function | inclusive ms | share | self ms |', '|---|---:|---:|---:|');
      for (const f of s.srcInclusive.slice(0, 12))
        out.push(
          `| \`${f.fn}\` | ${f1(f.ms)} | ${(f.share * 100).toFixed(1)}% | ${f1(s.srcSelf.find((x) => x.fn === f.fn)?.ms ?? 0)} |`,
        );
    }
  }
  return `${out.join('\n')}\n`;
}

export function markdown(report: BenchReport, chartFile: string): string {
  const m = report.machine;
  const c = report.config;
  const out: string[] = [];
  out.push(`# @pantry/client benchmark${report.quick ? ' (quick)' : ''}: ${report.name}\n`);
  out.push(
    `${report.date}${report.commit ? `, commit ${report.commit}${report.srcUncommitted ? ` with ${report.srcUncommitted} uncommitted file${report.srcUncommitted === 1 ? '' : 's'} in src/` : ''}` : ''}. Machine: ${m.cores} vCPU ${m.cpu}, ${m.memoryGiB} GiB, ${m.os}; Node ${m.node}${m.go ? `, ${m.go}` : ''}; load average before ${m.loadBefore.map((x) => x.toFixed(2)).join(' ')}${m.loadAfter ? `, after ${m.loadAfter.map((x) => x.toFixed(2)).join(' ')}` : ''}.\n`,
  );
  out.push(
    `Method: the Go reference server (mutual TLS, loopback) in its own process; each client in its own process, one at a time, one channel; ${c.rounds} alternating round${c.rounds === 1 ? '' : 's'} (the order of the clients rotates every round), ${c.warmupSeconds} s warm-up then ${c.seconds} s measured per cell; closed loops of \`c\` concurrent calls. Figures are medians over rounds; every ratio is taken within a round, then the median. Absolute figures move about ±15% between rounds; ratio differences under ~10% are noise.\n`,
  );
  for (const n of report.notes) out.push(`> ${n}\n`);
  out.push(`![calls/s by concurrency per client](${chartFile})\n`);
  out.push('## Targets\n');
  out.push(targetsTable(report));
  out.push('## Unary calls\n');
  out.push(resultsTable(report));
  const st = streamTable(report);
  if (st) out.push(`## Server stream: ${WORKLOAD_LABELS.stream}\n\n${st}`);
  const ct = coldTable(report);
  if (ct)
    out.push(
      `## Cold path: new client, certificates from files, TLS handshake, first Hello (${c.coldCalls} per round)\n\n${ct}`,
    );
  const ht = heapTable(report);
  if (ht)
    out.push(
      `## Heap: ${f0(c.heapCalls)} Hello calls at concurrency ${c.heapConcurrency}, heap in use before and after a forced GC\n\n${ht}`,
    );
  const ps = profileSection(report);
  if (ps) out.push(`## Where the time goes\n\n${ps}`);
  out.push(`\nClients: ${report.config.clients.map((cl) => `\`${cl}\` = ${CLIENT_LABELS[cl]}`).join('; ')}.\n`);
  return out.join('\n');
}

// ---------------------------------------------------------------- SVG chart

const COLORS: Record<ClientName, { stroke: string; dash?: string; width: number }> = {
  raw: { stroke: '#4c78a8', width: 2 },
  pantry: { stroke: '#d62728', width: 3 },
  'pantry-trace': { stroke: '#ff7f0e', width: 2, dash: '6 3' },
  'nice-grpc': { stroke: '#2ca02c', width: 2 },
  connect: { stroke: '#9467bd', width: 2 },
  go: { stroke: '#555555', width: 2, dash: '2 3' },
  'raw-deadline': { stroke: '#17becf', width: 2, dash: '4 2' },
  'pantry-dist': { stroke: '#8c564b', width: 2, dash: '3 2' },
  'pantry-otel': { stroke: '#e377c2', width: 2, dash: '5 2' },
};

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Calls/s by concurrency per client, one panel per unary workload; log scales on both axes. */
export function chartSvg(report: BenchReport): string {
  const workloads = (['hello', 'list'] as const).filter((w) =>
    report.summary.some((r) => r.workload === w && r.rounds > 0),
  );
  const clients = report.config.clients;
  const W = 480;
  const H = 340;
  const pad = { l: 64, r: 16, t: 36, b: 46 };
  const legendH = 20 * Math.ceil(clients.length / 3) + 12;
  const width = Math.max(1, workloads.length) * W;
  const height = H + legendH + 30;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif" font-size="12">`,
  );
  parts.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  parts.push(
    `<text x="${width / 2}" y="18" text-anchor="middle" font-size="14" font-weight="600">${esc(`calls/s by concurrency, one channel, mutual TLS (${report.machine.cores} vCPU shared with the server; log scales)`)}</text>`,
  );
  workloads.forEach((w, i) => {
    const x0 = i * W;
    const rows = report.summary.filter((r) => r.workload === w && r.rounds > 0 && Number.isFinite(r.callsPerSec));
    const concs = [...new Set(rows.map((r) => r.concurrency))].sort((a, b) => a - b);
    const values = rows.map((r) => r.callsPerSec);
    const lo = 10 ** Math.floor(Math.log10(Math.min(...values) * 0.9));
    const hi = 10 ** Math.ceil(Math.log10(Math.max(...values) * 1.1));
    const px = (c: number) => {
      const a = Math.log2(concs[0]);
      const b = Math.log2(concs[concs.length - 1]);
      return x0 + pad.l + (b === a ? 0.5 : (Math.log2(c) - a) / (b - a)) * (W - pad.l - pad.r);
    };
    const py = (v: number) =>
      20 + pad.t + (1 - (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * (H - pad.t - pad.b);
    parts.push(
      `<text x="${x0 + pad.l + (W - pad.l - pad.r) / 2}" y="${20 + pad.t - 10}" text-anchor="middle" font-weight="600">${esc(WORKLOAD_LABELS[w])}</text>`,
    );
    // grid: 1-2-5 per decade
    for (let d = lo; d < hi * 1.001; d *= 10) {
      for (const m of [1, 2, 5]) {
        const v = d * m;
        if (v < lo || v > hi * 1.001) continue;
        const y = py(v);
        parts.push(
          `<line x1="${x0 + pad.l}" x2="${x0 + W - pad.r}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="${m === 1 ? '#cccccc' : '#eeeeee'}"/>`,
        );
        parts.push(
          `<text x="${x0 + pad.l - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end" fill="#444">${v >= 1000 ? `${v / 1000}k` : v}</text>`,
        );
      }
    }
    for (const c of concs) {
      const x = px(c);
      parts.push(
        `<line x1="${x.toFixed(1)}" x2="${x.toFixed(1)}" y1="${20 + pad.t}" y2="${20 + H - pad.b}" stroke="#eeeeee"/>`,
      );
      parts.push(`<text x="${x.toFixed(1)}" y="${20 + H - pad.b + 16}" text-anchor="middle" fill="#444">${c}</text>`);
    }
    parts.push(
      `<text x="${x0 + pad.l + (W - pad.l - pad.r) / 2}" y="${20 + H - pad.b + 34}" text-anchor="middle" fill="#444">concurrent calls on one channel</text>`,
    );
    parts.push(
      `<text transform="translate(${x0 + 16} ${20 + pad.t + (H - pad.t - pad.b) / 2}) rotate(-90)" text-anchor="middle" fill="#444">calls/s</text>`,
    );
    parts.push(
      `<rect x="${x0 + pad.l}" y="${20 + pad.t}" width="${W - pad.l - pad.r}" height="${H - pad.t - pad.b}" fill="none" stroke="#999"/>`,
    );
    for (const client of clients) {
      const pts = rows.filter((r) => r.client === client).sort((a, b) => a.concurrency - b.concurrency);
      if (!pts.length) continue;
      const s = COLORS[client];
      const d = pts
        .map((r, k) => `${k ? 'L' : 'M'}${px(r.concurrency).toFixed(1)},${py(r.callsPerSec).toFixed(1)}`)
        .join(' ');
      parts.push(
        `<path d="${d}" fill="none" stroke="${s.stroke}" stroke-width="${s.width}"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`,
      );
      for (const r of pts)
        parts.push(
          `<circle cx="${px(r.concurrency).toFixed(1)}" cy="${py(r.callsPerSec).toFixed(1)}" r="3" fill="${s.stroke}"><title>${esc(`${client} c=${r.concurrency}: ${Math.round(r.callsPerSec)} calls/s (${Number.isFinite(r.ratioRaw) ? r.ratioRaw.toFixed(2) : '—'}× raw grpc-js)`)}</title></circle>`,
        );
    }
  });
  const ly = H + 30;
  clients.forEach((client, k) => {
    const col = k % 3;
    const row = Math.floor(k / 3);
    const x = 24 + col * (width / 3);
    const y = ly + row * 20;
    const s = COLORS[client];
    parts.push(
      `<line x1="${x}" x2="${x + 28}" y1="${y}" y2="${y}" stroke="${s.stroke}" stroke-width="${s.width}"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`,
    );
    parts.push(`<text x="${x + 34}" y="${y + 4}">${esc(CLIENT_LABELS[client])}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
