import { PantryError } from '../../src/index.js';

/** What one call of a load run did. */
export interface Outcome {
  ok: boolean;
  code?: string;
  details?: string;
  hint?: string;
  attempts: number;
  latencyMs: number;
  startedAt: number;
}

/** Everything a load run saw. */
export interface LoadResult {
  outcomes: Outcome[];
  calls: number;
  succeeded: number;
  failedByCode: Record<string, number>;
  p99Ms: number;
}

/**
 * Runs `op` with `concurrency` workers for `durationMs` (closed loop), or at a fixed `ratePerSec`
 * (open loop), and records every outcome. Bounded: it stops issuing at the end of the duration
 * and waits for the calls in flight.
 */
export async function runLoad(options: {
  durationMs: number;
  concurrency?: number;
  ratePerSec?: number;
  op: (i: number) => Promise<unknown>;
  /** Also keep going until this settles. */
  until?: Promise<unknown>;
}): Promise<LoadResult> {
  const outcomes: Outcome[] = [];
  const t0 = performance.now();
  const end = t0 + options.durationMs;
  let i = 0;
  let settled = !options.until;
  const done = () => {
    settled = true;
  };
  options.until?.then(done, done);
  const one = async () => {
    const startedAt = performance.now();
    try {
      await options.op(i++);
      outcomes.push({ ok: true, attempts: 1, latencyMs: performance.now() - startedAt, startedAt: startedAt - t0 });
    } catch (err) {
      const e = err as PantryError;
      outcomes.push({
        ok: false,
        code: e instanceof PantryError ? e.codeName : String(err),
        details: e instanceof PantryError ? e.details : undefined,
        hint: e.hint,
        attempts: e.attempts ?? 1,
        latencyMs: performance.now() - startedAt,
        startedAt: startedAt - t0,
      });
    }
  };
  if (options.ratePerSec) {
    const inflight: Promise<void>[] = [];
    const interval = 1000 / options.ratePerSec;
    for (let next = t0; next < end || !settled; next += interval) {
      const wait = next - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      inflight.push(one());
    }
    await Promise.all(inflight);
  } else {
    await Promise.all(
      Array.from({ length: options.concurrency ?? 1 }, async () => {
        while (performance.now() < end || !settled) await one();
      }),
    );
  }
  return summarize(outcomes);
}

/** Counts and the p99 latency of a set of outcomes. */
export function summarize(outcomes: Outcome[]): LoadResult {
  const failedByCode: Record<string, number> = {};
  for (const o of outcomes) if (!o.ok) failedByCode[o.code!] = (failedByCode[o.code!] ?? 0) + 1;
  const sorted = outcomes.map((o) => o.latencyMs).sort((a, b) => a - b);
  return {
    outcomes,
    calls: outcomes.length,
    succeeded: outcomes.filter((o) => o.ok).length,
    failedByCode,
    p99Ms: sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] : 0,
  };
}

/** One row of the reliability table. */
export interface Row {
  scenario: string;
  calls: number;
  succeeded: number;
  failed: Record<string, number>;
  duplicates: number | '—';
  lost: number | '—';
  p99Ms: number;
  notes: string;
}

/** The table as markdown. */
export function table(rows: Row[]): string {
  const head =
    '| scenario | calls | succeeded | failed (by code) | duplicates | lost acknowledged writes | p99 latency | notes |\n|---|---:|---:|---|---:|---:|---:|---|';
  const body = rows.map((r) => {
    const failed =
      Object.entries(r.failed)
        .map(([c, n]) => `${c} ${n}`)
        .join(', ') || '0';
    return `| ${r.scenario} | ${r.calls} | ${r.succeeded} | ${failed} | ${r.duplicates} | ${r.lost} | ${r.p99Ms.toFixed(1)} ms | ${r.notes} |`;
  });
  return [head, ...body].join('\n');
}
