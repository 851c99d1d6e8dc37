// Output of every benchmark: a plain-text table on stdout and one JSON file per run under
// bench/results/ (git-ignored), named <benchmark>-<cores>cores-<timestamp>.json. Also the unit conventions:
// MB/s is 10^6 bytes per second everywhere.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, from dist/bench/lib/report.js (or bench/lib/report.ts). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), fileURLToPath(import.meta.url).includes(`${path.sep}dist${path.sep}`) ? '../../..' : '../..');
export const RESULTS_DIR = path.join(REPO_ROOT, 'bench', 'results');

export type Cell = string | number | null | undefined;
export type Row = Record<string, Cell>;

export const mbps = (bytes: number, seconds: number): number => bytes / seconds / 1e6;

export function fmt(v: Cell, digits = 1): string {
  if (v === null || v === undefined) return '-';
  if (typeof v === 'string') return v;
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return v.toLocaleString('en-US');
  const abs = Math.abs(v);
  const d = abs >= 100 ? digits : abs >= 1 ? Math.max(digits, 2) : 3;
  return v.toFixed(d);
}

export function pct(ratio: number | null | undefined): string {
  return ratio === null || ratio === undefined || !Number.isFinite(ratio) ? '-' : `${(ratio * 100).toFixed(1)}%`;
}

/** A left-aligned text table; numbers right-aligned. */
export function table(title: string, rows: Row[], columns?: string[]): string {
  const cols = columns ?? [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cells = rows.map((r) => cols.map((c) => fmt(r[c])));
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const numeric = cols.map((c) => rows.every((r) => r[c] === undefined || r[c] === null || typeof r[c] === 'number' || /^[\d.,%x-]+$/.test(String(r[c]))));
  const line = (vals: string[]): string => `| ${vals.map((v, i) => (numeric[i] ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join(' | ')} |`;
  const out = [`\n## ${title}\n`, line(cols), `|${widths.map((w, i) => (numeric[i] ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`];
  for (const row of cells) out.push(line(row));
  return out.join('\n');
}

export function printTable(title: string, rows: Row[], columns?: string[]): void {
  console.log(table(title, rows, columns));
}

/** The cores this process may use: results are keyed by it (file name, JSON, printed header). */
export const cores = (): number => os.availableParallelism();

/** What the machine is, for the JSON (figures are meaningless without it). */
export function machine(): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    cpus: cpus.length,
    cores: cores(),
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryMiB: Math.round(os.totalmem() / 2 ** 20),
    loadavg: os.loadavg().map((l) => Number(l.toFixed(2))),
  };
}

/** Writes bench/results/<name>-<timestamp>.json (or `out`); answers the path. */
export function writeResults(name: string, data: Record<string, unknown>, out?: string): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const file = out ?? path.join(RESULTS_DIR, `${name}-${cores()}cores-${stamp}.json`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify({ benchmark: name, cores: cores(), at: new Date().toISOString(), machine: machine(), ...data }, null, 2)}\n`);
  console.log(`\nresults: ${path.relative(process.cwd(), file) || file}`);
  return file;
}

/** Percentile of an ascending-sorted array (nearest rank). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface TargetCheck {
  target: string;
  goal: string;
  measured: string;
  /** null when the run did not measure it. */
  met: boolean | null;
}

export function printTargets(checks: TargetCheck[]): void {
  printTable('targets (reported, never enforced)', checks.map((c) => ({
    target: c.target, goal: c.goal, measured: c.measured, met: c.met === null ? 'not measured' : c.met ? 'yes' : 'NO',
  })));
}
