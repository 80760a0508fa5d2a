/** Small statistics helpers shared by the worker and the runner. */

/** A growable sample of latencies in ms; percentiles by nearest rank over the sorted sample. */
export class LatencySample {
  private values = new Float64Array(1 << 14);
  private n = 0;

  add(ms: number): void {
    if (this.n === this.values.length) {
      const bigger = new Float64Array(this.values.length * 2);
      bigger.set(this.values);
      this.values = bigger;
    }
    this.values[this.n++] = ms;
  }

  get count(): number {
    return this.n;
  }

  /** p50, p99 and mean in ms (0 when empty). */
  summary(): { p50: number; p99: number; mean: number } {
    if (this.n === 0) return { p50: 0, p99: 0, mean: 0 };
    const sorted = this.values.subarray(0, this.n).sort();
    let sum = 0;
    for (let i = 0; i < this.n; i++) sum += sorted[i];
    return { p50: rank(sorted, 0.5), p99: rank(sorted, 0.99), mean: sum / this.n };
  }
}

function rank(sorted: Float64Array, p: number): number {
  const i = Math.ceil(p * sorted.length) - 1;
  return sorted[Math.max(0, Math.min(i, sorted.length - 1))];
}

/** The median of the finite numbers in `xs`, or NaN when there are none. */
export function median(xs: readonly number[]): number {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** Smallest and largest finite value, or [NaN, NaN]. */
export function range(xs: readonly number[]): [number, number] {
  const v = xs.filter((x) => Number.isFinite(x));
  return v.length ? [Math.min(...v), Math.max(...v)] : [NaN, NaN];
}
