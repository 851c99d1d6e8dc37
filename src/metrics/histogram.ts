// Histogram counts kept without allocation: a fixed list of upper bounds (seconds), one count per
// bucket (not cumulative), their sum and count. Observed on hot paths (request latency on the main
// thread, fsync time in the shard workers: shard-stats.ts); copied out as a plain snapshot when
// /metrics is scraped, and snapshots of several threads add up bucket by bucket.

export interface HistogramSnapshot {
  /** Per bucket, not cumulative; one more than the bounds (the +Inf bucket). */
  counts: number[];
  sum: number;
  count: number;
}

/** Request latency: 0.5 ms to 30 s (fetch long polls wait up to their max_wait_ms). */
export const REQUEST_SECONDS_BUCKETS: readonly number[] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** fsync (fdatasync) of a segment and its indexes: 50 µs to 2.5 s. */
export const FSYNC_SECONDS_BUCKETS: readonly number[] = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export class HistogramCounts {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i] += 1;
    this.sum += value;
    this.count++;
  }

  snapshot(): HistogramSnapshot {
    return { counts: Array.from(this.counts), sum: this.sum, count: this.count };
  }
}

/** Adds snapshots taken with the same bounds. */
export function mergeHistograms(snapshots: readonly HistogramSnapshot[], buckets: number): HistogramSnapshot {
  const out: HistogramSnapshot = { counts: new Array<number>(buckets + 1).fill(0), sum: 0, count: 0 };
  for (const s of snapshots) {
    for (let i = 0; i < out.counts.length; i++) out.counts[i] = out.counts[i]! + (s.counts[i] ?? 0);
    out.sum += s.sum;
    out.count += s.count;
  }
  return out;
}
