// The frame of every macro benchmark: parse flags, measure the loopback TCP ceiling, open the broker
// (given or started; with --workers 1,2,4 and --taskset "0;0,1" one started broker per value, or
// per pair of values, in turn), sample the broker's RSS while the benchmark body runs, print the
// tables (`workers` and `cpus` columns in a sweep), the scaling table of a sweep (MB/s per broker
// core, from the cells the body offers) and the targets, write the JSON keyed by the machine's
// cores, and stop what it started, also when the body fails.
import { spawnSync } from 'node:child_process';
import { Admin } from './admin.js';
import { Args, COMMON_MACRO_FLAGS, type FlagSpec } from './args.js';
import { measureCeiling, type Ceiling } from './ceiling.js';
import { cores, fmt, printTable, printTargets, writeResults, type Row, type TargetCheck } from './report.js';
import { openTarget, RssSampler, tasksetLists, threadsCell, THREADS_COLUMN, THREADS_NOTE, type CpuUse, type Target } from './target.js';

export interface MacroContext {
  args: Args;
  target: Target;
  admin: Admin;
  ceiling: Ceiling;
  rss: RssSampler;
  /** --variants, less kcat when it is not installed. */
  variants: string[];
  /** Whether kcat runs here. */
  kcat: boolean;
}

export interface MacroOutcome {
  /** Tables to print, by title. */
  tables: { title: string; rows: Row[]; columns?: string[] }[];
  /** Targets; the RSS target is added here for every macro benchmark. */
  targets: TargetCheck[];
  /** Anything else for the JSON. */
  data?: Record<string, unknown>;
  notes?: string[];
  /** Cells for the scaling table of a sweep (produce and fetch: the raw cells), by label. */
  scaling?: { cell: string; MBps: number; cpu: CpuUse }[];
}

export const RSS_LIMIT_MIB = 512;

export async function runMacro(name: string, usage: string, flags: FlagSpec[], body: (ctx: MacroContext) => Promise<MacroOutcome>): Promise<void> {
  const args = new Args(process.argv.slice(2), [...COMMON_MACRO_FLAGS, ...flags], usage);
  const workers = args.nums('workers');
  if (workers.length > 0 && args.has('bootstrap')) throw new Error('--workers starts a broker per value: it cannot be given with --bootstrap');
  if (args.has('taskset') && args.has('bootstrap')) throw new Error('--taskset pins a broker this run starts: it cannot be given with --bootstrap');
  const taskset = tasksetLists(args);
  const ceiling = await measureCeiling(args.num('ceiling-seconds'));
  const pinned = taskset.length === 0 ? '' : `, broker under taskset -c ${taskset.join(' then ')}`;
  console.log(`${name} on ${cores()} cores${pinned}: loopback TCP ceiling: send ${fmt(ceiling.sendMBps)} MB/s, receive ${fmt(ceiling.receiveMBps)} MB/s (best of ${ceiling.trials.sendMBps.length} runs over ${ceiling.seconds} s per direction, ${ceiling.connections} connection, child process peer)`);
  const kcat = spawnSync('kcat', ['-V'], { stdio: 'ignore' }).status === 0;
  const variants = args.list('variants').filter((v) => kcat || v !== 'kcat');
  if (!kcat && args.list('variants').includes('kcat')) console.log('kcat is not installed (apt-get install kcat, or npm test installs it): its variants are skipped');
  const runs: SweepRun[] = [];
  for (const cpus of taskset.length > 0 ? taskset : [null]) {
    for (const w of workers.length > 0 ? workers : [null]) {
      runs.push(await runOnce(args, w, cpus, (target, admin, rss) => body({ args, target, admin, ceiling, rss, variants, kcat })));
    }
  }
  const merged = mergeRuns(runs, taskset.length > 0);
  for (const t of merged.tables) printTable(t.title, t.rows, t.columns);
  for (const n of merged.notes) console.log(`note: ${n}`);
  printTargets(merged.targets);
  writeResults(name, {
    command: `node ${process.argv.slice(1).join(' ')}`,
    taskset: taskset.length === 0 ? null : single(taskset),
    // one run: the shapes of before the sweep; a sweep: one entry per value
    broker: single(runs.map((r) => ({ workers: r.workers, taskset: r.target.taskset, shardWorkers: r.target.shardWorkers, bootstrap: r.target.bootstrap, kind: r.target.kind, overrides: r.target.overrides }))),
    ceiling,
    memory: single(runs.map((r) => ({ workers: r.workers, taskset: r.target.taskset, ...r.memory }))),
    tables: merged.tables,
    targets: merged.targets,
    notes: merged.notes,
    ...(merged.scaling.length > 0 ? { scaling: merged.scaling } : {}),
    ...(runs.length === 1 ? runs[0]!.outcome.data : { runs: runs.map((r) => ({ workers: r.workers, taskset: r.target.taskset, ...r.outcome.data })) }),
  }, args.str('out'));
}

const single = <T>(list: T[]): T | T[] => (list.length === 1 ? list[0]! : list);

/** One broker's part of a run: the body against a broker with `workers` shard workers (null: as configured), on `target.taskset`. */
interface SweepRun {
  workers: number | null;
  target: Target;
  outcome: MacroOutcome;
  memory: ReturnType<RssSampler['stop']>;
}

async function runOnce(args: Args, workers: number | null, taskset: string | null, body: (target: Target, admin: Admin, rss: RssSampler) => Promise<MacroOutcome>): Promise<SweepRun> {
  const target = await openTarget(args, workers === null ? {} : { 'samsa.worker.threads': String(workers) }, taskset);
  let admin: Admin | null = null;
  try {
    console.log(`broker ${target.bootstrap} (${target.kind}${Object.keys(target.overrides).length > 0 ? `, ${Object.entries(target.overrides).map(([k, v]) => `${k}=${v}`).join(' ')}` : ''})`);
    admin = await Admin.connect(target.host, target.port);
    const rss = new RssSampler(target.pid);
    let outcome: MacroOutcome;
    let memory!: ReturnType<RssSampler['stop']>;
    try {
      outcome = await body(target, admin, rss);
    } finally {
      memory = rss.stop();
    }
    console.log(`broker RSS: max sampled ${memory.maxRssMiB === null ? 'n/a (no --broker-pid)' : `${fmt(memory.maxRssMiB)} MiB`} (${memory.samples} samples every 100 ms)${memory.vmHwmMiB !== null ? `, kernel high-water mark VmHWM ${fmt(memory.vmHwmMiB)} MiB` : ''}`);
    outcome.targets.push({
      target: 'broker RSS throughout',
      goal: `< ${RSS_LIMIT_MIB} MiB`,
      measured: memory.maxRssMiB === null ? '-' : `${fmt(memory.maxRssMiB)} MiB`,
      met: memory.maxRssMiB === null ? null : memory.maxRssMiB < RSS_LIMIT_MIB,
    });
    return { workers, target, outcome, memory };
  } finally {
    admin?.close();
    await target.stop();
  }
}

/** A sweep run's label: its shard workers, and its CPU list when pinned. */
function runLabel(r: SweepRun): string {
  const w = r.target.shardWorkers ?? r.workers;
  return `${w} shard worker${w === 1 ? '' : 's'}${r.target.taskset === null ? '' : `, cpus ${r.target.taskset}`}`;
}

/**
 * One set of tables for the whole sweep: the n-th tables of every run become one, `workers` (the
 * broker's shard workers) and, when pinned, `cpus` columns first; then the scaling table, when the
 * body offers cells for it: per cell, one row per run.
 */
function mergeRuns(runs: SweepRun[], pinned: boolean): { tables: MacroOutcome['tables']; targets: TargetCheck[]; notes: string[]; scaling: Record<string, unknown>[] } {
  const threadNote = (tables: MacroOutcome['tables']): string[] => (tables.some((t) => t.rows.some((r) => THREADS_COLUMN in r)) ? [THREADS_NOTE] : []);
  if (runs.length === 1) {
    const { outcome } = runs[0]!;
    return { tables: outcome.tables, targets: outcome.targets, notes: [...(outcome.notes ?? []), ...threadNote(outcome.tables)], scaling: [] };
  }
  const keys = (r: SweepRun): Row => ({ workers: r.target.shardWorkers ?? r.workers, ...(pinned ? { cpus: r.target.taskset } : {}) });
  const keyColumns = pinned ? ['workers', 'cpus'] : ['workers'];
  const tables = runs[0]!.outcome.tables.map((t, i) => ({
    title: t.title,
    rows: runs.flatMap((r) => (r.outcome.tables[i]?.rows ?? []).map((row) => ({ ...keys(r), ...row }))),
    ...(t.columns !== undefined ? { columns: [...keyColumns, ...t.columns] } : {}),
  }));
  const targets = runs.flatMap((r) => r.outcome.targets.map((t) => ({ ...t, target: `${t.target} (${runLabel(r)})` })));
  const notes = [...new Set(runs.flatMap((r) => r.outcome.notes ?? []))];
  notes.push(...threadNote(tables));
  const scaling: Record<string, unknown>[] = [];
  const cells = [...new Set(runs.flatMap((r) => (r.outcome.scaling ?? []).map((c) => c.cell)))];
  const rows: Row[] = [];
  for (const cell of cells) {
    for (const r of runs) {
      const c = r.outcome.scaling?.find((x) => x.cell === cell);
      if (c === undefined) continue;
      const b = c.cpu.brokerCores;
      const perCore = b === null || b <= 0 ? null : c.MBps / b;
      rows.push({ cell, ...keys(r), 'MB/s': c.MBps, 'broker cores': b ?? '-', [THREADS_COLUMN]: threadsCell(c.cpu), 'MB/s per broker core': perCore ?? '-' });
      scaling.push({ cell, workers: r.target.shardWorkers ?? r.workers, taskset: r.target.taskset, MBps: c.MBps, brokerCores: b, brokerThreads: c.cpu.brokerThreads, MBpsPerBrokerCore: perCore });
    }
  }
  if (rows.length > 0) {
    tables.push({ title: `scaling: MB/s per broker core, by shard workers${pinned ? ' and the CPUs the broker runs on (taskset -c)' : ''}`, rows });
    notes.push('scaling: MB/s per broker core = the cell\'s MB/s / the broker\'s cores (user + system, all threads) over the cell; the broker\'s own cells only (raw load generators), a row per broker of the sweep');
  }
  return { tables, targets, notes, scaling };
}

/** Runs a benchmark's main and exits non-zero with the error when it fails. */
export function main(run: () => Promise<void>): void {
  run().then(() => process.exit(0), (err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
