// The frame of every micro benchmark: tinybench tasks, each optionally with the bytes one call
// handles (so the table shows MB/s next to ops/s and latency), printed and written as JSON.
// `--time <ms>` sets tinybench's time per task; `--out` the JSON path.
import { Bench } from 'tinybench';
import { Args } from './args.js';
import { printTable, writeResults, type Row } from './report.js';

export interface MicroTask {
  name: string;
  fn: () => unknown;
  /** Bytes one call handles, for MB/s. */
  bytes?: number;
  /** Runs before this task's timing starts (once), e.g. to open files. */
  beforeAll?: () => void;
  afterAll?: () => void;
}

export const MICRO_FLAGS = [
  { name: 'time', help: 'tinybench milliseconds per task', default: '1000' },
  { name: 'out', help: 'where to write the JSON results (default bench/results/<name>-<timestamp>.json)' },
];

export async function runMicro(name: string, title: string, args: Args, tasks: MicroTask[], notes: string[] = []): Promise<void> {
  const bench = new Bench({ name, time: args.num('time'), warmupTime: Math.min(250, args.num('time') / 4) });
  for (const t of tasks) bench.add(t.name, t.fn, { beforeAll: t.beforeAll, afterAll: t.afterAll });
  await bench.run();
  const rows: Row[] = [];
  const results: unknown[] = [];
  for (const t of tasks) {
    const task = bench.getTask(t.name)!;
    const r = task.result;
    if (r.state !== 'completed') {
      rows.push({ task: t.name, 'ops/s': r.state === 'errored' ? `error: ${r.error.message}` : r.state });
      results.push({ task: t.name, state: r.state, error: r.state === 'errored' ? String(r.error) : undefined });
      continue;
    }
    const opsPerSec = 1000 / r.latency.mean;
    rows.push({
      task: t.name,
      'ops/s': Math.round(opsPerSec),
      'mean µs': r.latency.mean * 1000,
      'p50 µs': r.latency.p50 * 1000,
      'p99 µs': r.latency.p99 * 1000,
      'MB/s': t.bytes === undefined ? '-' : (t.bytes * opsPerSec) / 1e6,
      '±%': r.latency.rme,
      samples: r.latency.samplesCount,
    });
    results.push({
      task: t.name, bytes: t.bytes ?? null, opsPerSec, MBps: t.bytes === undefined ? null : (t.bytes * opsPerSec) / 1e6,
      latencyMs: { mean: r.latency.mean, p50: r.latency.p50, p99: r.latency.p99, min: r.latency.min, max: r.latency.max, rme: r.latency.rme }, samples: r.latency.samplesCount,
    });
  }
  printTable(title, rows);
  for (const n of notes) console.log(`note: ${n}`);
  writeResults(name, { command: `node ${process.argv.slice(1).join(' ')}`, tinybench: { time: args.num('time') }, results, notes }, args.str('out'));
}
