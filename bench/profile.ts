/**
 * Reads a V8 `.cpuprofile` (from `node --cpu-prof`) and tells where the time of the measured
 * window went: self time by component (our src/, grpc-js, Node's http2, TLS, GC, …), the
 * functions with the most self time, and for src/ both self and inclusive time.
 *
 *   npx tsx bench/profile.ts bench/tmp/prof/pantry/CPU.*.cpuprofile
 */
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT_URL = `${pathToFileURL(resolve(dirname(fileURLToPath(import.meta.url)), '..')).href}/`;

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface FunctionTime {
  /** `name (file:line)`, file relative to the repository. */
  fn: string;
  component: string;
  ms: number;
  /** Share of the non-idle time of the window. */
  share: number;
}

export interface ProfileSummary {
  client: string;
  windowMs: number;
  /** Time of samples that were not idle. */
  busyMs: number;
  calls?: number;
  components: { component: string; ms: number; share: number; usPerCall?: number }[];
  topSelf: FunctionTime[];
  srcSelf: FunctionTime[];
  srcInclusive: FunctionTime[];
  /** Time of the samples with a frame of the group anywhere on the stack (what it calls included). */
  inclusive: { group: string; ms: number; share: number; usPerCall?: number }[];
}

/** Groups whose inclusive time is reported: a frame of the group on the stack counts the sample. */
const GROUPS: { group: string; test: (u: string) => boolean }[] = [
  { group: '@pantry/client src/ (and what it calls)', test: isPantrySource },
  { group: 'p-retry (and what it calls)', test: (u) => u.startsWith('node_modules/p-retry/') },
  { group: '@grpc/grpc-js (and what it calls)', test: (u) => u.startsWith('node_modules/@grpc/grpc-js/') },
  { group: 'node http2 (and what it calls)', test: (u) => /^node:(internal\/)?http2/.test(u) },
];

/** A repository-relative name for a script URL; never an absolute path of the machine. */
export function shortUrl(url: string): string {
  if (url.startsWith(ROOT_URL)) return url.slice(ROOT_URL.length);
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) return url.slice(nm + 1);
  if (url.startsWith('file://')) return url.slice(url.lastIndexOf('/') + 1);
  return url;
}

/** A file of @pantry/client: src/ through tsx, or its tsc build under bench/tmp/dist/ (client pantry-dist). */
function isPantrySource(u: string): boolean {
  return /^(src|bench\/tmp\/dist)\//.test(u) && !/^(src|bench\/tmp\/dist)\/(generated|testing)\//.test(u);
}

export function componentOf(frame: CallFrame): string {
  const { functionName: name, url } = frame;
  if (name === '(garbage collector)') return 'GC';
  if (name === '(idle)') return 'idle';
  if (name === '(program)') return 'V8/native, unattributed (program)';
  if (name === '(root)') return 'root';
  const u = shortUrl(url);
  if (/^(src|bench\/tmp\/dist)\/generated\//.test(u)) return 'ts-proto messages (src/generated)';
  if (isPantrySource(u)) return '@pantry/client src/';
  if (u.startsWith('bench/')) return 'bench harness';
  if (u.startsWith('node_modules/')) {
    const parts = u.split('/');
    const pkg = parts[1].startsWith('@') ? `${parts[1]}/${parts[2]}` : parts[1];
    return pkg;
  }
  if (u === '') return 'native builtins (no script)';
  if (/^node:internal\/http2|^node:http2/.test(u)) return 'node http2';
  if (/^node:(internal\/)?(tls|_tls|crypto)|^node:internal\/tls/.test(u) || u.includes('_tls_')) return 'node TLS';
  if (/^node:(internal\/)?(net|stream|streams|internal\/streams|internal\/stream_base_commons)/.test(u))
    return 'node net/streams';
  if (/^node:internal\/(process\/task_queues|timers|async_hooks)|^node:timers/.test(u)) return 'node timers/microtasks';
  if (u.startsWith('node:')) return 'node other';
  return u;
}

/** Source maps of the compiled TypeScript files, by URL (written by the worker). */
type Maps = Map<string, SourceMap>;

function loadMaps(file: string | undefined): Maps {
  const maps: Maps = new Map();
  if (!file || !existsSync(file)) return maps;
  const payloads = JSON.parse(readFileSync(file, 'utf8')) as Record<string, SourceMapPayload>;
  for (const [url, payload] of Object.entries(payloads)) maps.set(url, new SourceMap(payload));
  return maps;
}

function label(frame: CallFrame, maps: Maps): string {
  const u = shortUrl(frame.url);
  const name = frame.functionName || '(anonymous)';
  if (!u) return name;
  let line = frame.lineNumber + 1;
  const map = maps.get(frame.url);
  if (map) {
    const entry = map.findEntry(frame.lineNumber, frame.columnNumber) as { originalLine?: number };
    if (typeof entry?.originalLine === 'number') line = entry.originalLine + 1;
  }
  return `${name} (${u}:${line})`;
}

/**
 * Summarises a profile; `windowUs` (the worker's measured window on the monotonic clock,
 * as the profile's timestamps are) keeps only the samples taken while measuring.
 */
export function summarize(
  file: string,
  client: string,
  windowUs?: [number, number],
  calls?: number,
  mapsFile?: string,
): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const maps = loadMaps(mapsFile);
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of p.nodes) byId.set(n.id, n);
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const selfUs = new Map<number, number>();
  let t = p.startTime;
  let windowMs = 0;
  const inWindow = (ts: number) => !windowUs || (ts >= windowUs[0] && ts <= windowUs[1]);
  const inclusive = new Map<string, number>();
  const groupUs = new Map<string, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i] ?? 0;
    t += dt;
    if (!inWindow(t)) continue;
    // The time until the next sample belongs to this one.
    const next = p.timeDeltas[i + 1] ?? 0;
    windowMs += next / 1000;
    const id = p.samples[i];
    selfUs.set(id, (selfUs.get(id) ?? 0) + next);
    // Inclusive time of src/ functions: each function once per sample.
    const seen = new Set<string>();
    const groups = new Set<string>();
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
      const f = byId.get(n)!.callFrame;
      const u = shortUrl(f.url);
      for (const g of GROUPS) if (g.test(u)) groups.add(g.group);
      if (isPantrySource(shortUrl(f.url))) {
        const key = label(f, maps);
        if (!seen.has(key)) {
          seen.add(key);
          inclusive.set(key, (inclusive.get(key) ?? 0) + next);
        }
      }
    }
    for (const g of groups) groupUs.set(g, (groupUs.get(g) ?? 0) + next);
  }

  const byFn = new Map<string, { component: string; us: number }>();
  const byComponent = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const f = byId.get(id)!.callFrame;
    const component = componentOf(f);
    if (component === 'idle') continue;
    byComponent.set(component, (byComponent.get(component) ?? 0) + us);
    const key = label(f, maps);
    const cur = byFn.get(key) ?? { component, us: 0 };
    cur.us += us;
    byFn.set(key, cur);
  }
  const busyUs = [...byComponent.values()].reduce((a, b) => a + b, 0);
  const share = (us: number) => (busyUs ? us / busyUs : 0);
  const fns = [...byFn.entries()]
    .map(([fn, v]) => ({ fn, component: v.component, ms: v.us / 1000, share: share(v.us) }))
    .sort((a, b) => b.ms - a.ms);
  return {
    client,
    windowMs,
    busyMs: busyUs / 1000,
    calls,
    components: [...byComponent.entries()]
      .map(([component, us]) => ({
        component,
        ms: us / 1000,
        share: share(us),
        usPerCall: calls ? us / calls : undefined,
      }))
      .sort((a, b) => b.ms - a.ms),
    topSelf: fns.slice(0, 20),
    srcSelf: fns.filter((f) => f.component === '@pantry/client src/').slice(0, 20),
    srcInclusive: [...inclusive.entries()]
      .map(([fn, us]) => ({ fn, component: '@pantry/client src/', ms: us / 1000, share: share(us) }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 20),
    inclusive: GROUPS.map(({ group }) => ({
      group,
      ms: (groupUs.get(group) ?? 0) / 1000,
      share: share(groupUs.get(group) ?? 0),
      usPerCall: calls ? (groupUs.get(group) ?? 0) / calls : undefined,
    })),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  for (const f of process.argv.slice(2)) console.log(JSON.stringify(summarize(f, f), null, 2));
}
