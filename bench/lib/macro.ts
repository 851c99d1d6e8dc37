// The frame of every macro benchmark: parse flags, open the broker (given or started), measure the
// loopback TCP ceiling, sample the broker's RSS while the benchmark body runs, print the tables and
// the targets, write the JSON, and stop what it started, also when the body fails.
import { spawnSync } from 'node:child_process';
import { Admin } from './admin.js';
import { Args, COMMON_MACRO_FLAGS, type FlagSpec } from './args.js';
import { measureCeiling, type Ceiling } from './ceiling.js';
import { fmt, printTable, printTargets, writeResults, type Row, type TargetCheck } from './report.js';
import { openTarget, RssSampler, type Target } from './target.js';

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
}

export const RSS_LIMIT_MIB = 512;

export async function runMacro(name: string, usage: string, flags: FlagSpec[], body: (ctx: MacroContext) => Promise<MacroOutcome>): Promise<void> {
  const args = new Args(process.argv.slice(2), [...COMMON_MACRO_FLAGS, ...flags], usage);
  const target = await openTarget(args);
  let admin: Admin | null = null;
  try {
    console.log(`${name}: broker ${target.bootstrap} (${target.kind}${Object.keys(target.overrides).length > 0 ? `, ${Object.entries(target.overrides).map(([k, v]) => `${k}=${v}`).join(' ')}` : ''})`);
    admin = await Admin.connect(target.host, target.port);
    const ceiling = await measureCeiling(args.num('ceiling-seconds'));
    console.log(`loopback TCP ceiling: send ${fmt(ceiling.sendMBps)} MB/s, receive ${fmt(ceiling.receiveMBps)} MB/s (best of ${ceiling.trials.sendMBps.length} runs over ${ceiling.seconds} s per direction, ${ceiling.connections} connection, child process peer)`);
    const kcat = spawnSync('kcat', ['-V'], { stdio: 'ignore' }).status === 0;
    const variants = args.list('variants').filter((v) => kcat || v !== 'kcat');
    if (!kcat && args.list('variants').includes('kcat')) console.log('kcat is not installed (apt-get install kcat, or npm test installs it): its variants are skipped');
    const rss = new RssSampler(target.pid);
    let outcome: MacroOutcome;
    let memory!: ReturnType<RssSampler['stop']>;
    try {
      outcome = await body({ args, target, admin, ceiling, rss, variants, kcat });
    } finally {
      memory = rss.stop();
    }
    for (const t of outcome.tables) printTable(t.title, t.rows, t.columns);
    for (const n of outcome.notes ?? []) console.log(`note: ${n}`);
    console.log(`\nbroker RSS: max sampled ${memory.maxRssMiB === null ? 'n/a (no --broker-pid)' : `${fmt(memory.maxRssMiB)} MiB`} (${memory.samples} samples every 100 ms)${memory.vmHwmMiB !== null ? `, kernel high-water mark VmHWM ${fmt(memory.vmHwmMiB)} MiB` : ''}`);
    const targets = [...outcome.targets, {
      target: 'broker RSS throughout',
      goal: `< ${RSS_LIMIT_MIB} MiB`,
      measured: memory.maxRssMiB === null ? '-' : `${fmt(memory.maxRssMiB)} MiB`,
      met: memory.maxRssMiB === null ? null : memory.maxRssMiB < RSS_LIMIT_MIB,
    }];
    printTargets(targets);
    writeResults(name, {
      command: `node ${process.argv.slice(1).join(' ')}`,
      broker: { bootstrap: target.bootstrap, kind: target.kind, overrides: target.overrides },
      ceiling,
      memory,
      tables: outcome.tables,
      targets,
      notes: outcome.notes ?? [],
      ...outcome.data,
    }, args.str('out'));
  } finally {
    admin?.close();
    await target.stop();
  }
}

/** Runs a benchmark's main and exits non-zero with the error when it fails. */
export function main(run: () => Promise<void>): void {
  run().then(() => process.exit(0), (err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
