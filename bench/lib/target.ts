// The broker a macro benchmark runs against: the one named by --bootstrap (Samsa or Kafka, left
// running), or a Samsa this run starts on a temporary directory (under `taskset -c` with --taskset)
// and stops (samsa.ts). Also samples the broker's resident memory (VmRSS in /proc/<pid>/status)
// and CPU time while a benchmark runs: the whole process (/proc/<pid>/stat) and per thread
// (/proc/<pid>/task/*/stat), split into the main thread, the shard workers and the rest.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import type { Args } from './args.js';
import { SamsaProcess } from './samsa.js';

export interface Target {
  bootstrap: string;
  host: string;
  port: number;
  /** The broker's pid when it is a local process we know (RSS is sampled from it). */
  pid: number | null;
  /** 'samsa (started by the benchmark)' or 'external'. */
  kind: string;
  overrides: Record<string, string>;
  /** Shard worker threads of a broker this run started (its start line); null for an external broker. */
  shardWorkers: number | null;
  /** The CPU list the broker runs on (`taskset -c`), or null when not pinned. */
  taskset: string | null;
  stop(): Promise<void>;
}

export function splitHostPort(bootstrap: string): { host: string; port: number } {
  const at = bootstrap.lastIndexOf(':');
  if (at <= 0) throw new Error(`--bootstrap wants host:port, got ${JSON.stringify(bootstrap)}`);
  return { host: bootstrap.slice(0, at).replace(/^\[(.*)\]$/, '$1'), port: Number(bootstrap.slice(at + 1)) };
}

/** A CPU list as taskset -c takes it: numbers and ranges, comma-separated (0, 0,1, 0-3,6). */
const CPU_LIST = /^\d+(-\d+)?(,\d+(-\d+)?)*$/;

/**
 * The --taskset values: CPU lists separated by ';' (or the flag repeated), each one broker in turn.
 * Checks that taskset is installed and accepts each list here; throws a clear error when not.
 */
export function tasksetLists(args: Args): string[] {
  const lists = args.all('taskset').flatMap((v) => v.split(';')).map((s) => s.trim()).filter((s) => s.length > 0);
  for (const list of lists) {
    if (!CPU_LIST.test(list)) throw new Error(`--taskset wants CPU lists such as 0 or 0,1 or 0-3, separated by ';' (e.g. --taskset "0;0,1"), got ${JSON.stringify(list)}`);
    const r = spawnSync('taskset', ['-c', list, 'true'], { encoding: 'utf8' });
    if (r.error !== undefined) {
      const missing = (r.error as NodeJS.ErrnoException).code === 'ENOENT';
      throw new Error(missing ? '--taskset needs the taskset command (util-linux: apt-get install util-linux), and it is not installed here' : `--taskset: could not run taskset: ${r.error.message}`);
    }
    if (r.status !== 0) throw new Error(`--taskset ${list}: taskset -c ${list} fails here: ${r.stderr.trim()}`);
  }
  return lists;
}

/**
 * `extra` overrides come on top of --broker-override (the --workers sweep sets the shard workers
 * here); `taskset` pins the broker to that CPU list (one value of --taskset).
 */
export async function openTarget(args: Args, extra: Record<string, string> = {}, taskset: string | null = null): Promise<Target> {
  const bootstrap = args.str('bootstrap');
  if (bootstrap !== undefined) {
    const { host, port } = splitHostPort(bootstrap);
    const pid = args.has('broker-pid') ? args.num('broker-pid') : null;
    return { bootstrap, host, port, pid, kind: 'external', overrides: {}, shardWorkers: null, taskset: null, stop: async () => {} };
  }
  const overrides: Record<string, string> = {};
  for (const kv of args.list('broker-override')) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new Error(`--broker-override wants key=value, got ${JSON.stringify(kv)}`);
    overrides[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  Object.assign(overrides, extra);
  const broker = await SamsaProcess.start(overrides, taskset);
  const workers = typeof broker.started.workers === 'number' ? broker.started.workers : null;
  return {
    bootstrap: broker.bootstrap,
    host: '127.0.0.1',
    port: broker.port,
    pid: broker.proc.pid ?? null,
    kind: `samsa (started by the benchmark${taskset === null ? '' : ` under taskset -c ${taskset}`}; ${String(broker.started.workers)} shard worker${broker.started.workers === 1 ? '' : 's'})`,
    overrides,
    shardWorkers: workers,
    taskset,
    stop: () => broker.stop(),
  };
}

function statusKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number | null {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? null : Number(m[1]);
  } catch {
    return null;
  }
}

/** Samples VmRSS every `everyMs` until stopped; answers the largest sample (MiB). */
export class RssSampler {
  private maxKiB = 0;
  /** The largest sample since the last window() call. */
  private windowKiB = 0;
  private samples = 0;
  private readonly timer: NodeJS.Timeout | null;

  constructor(private readonly pid: number | null, everyMs = 100) {
    if (pid === null) {
      this.timer = null;
      return;
    }
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
    this.timer.unref();
  }

  private sample(): void {
    const kib = statusKiB(this.pid!, 'VmRSS');
    if (kib === null) return;
    this.samples++;
    if (kib > this.maxKiB) this.maxKiB = kib;
    if (kib > this.windowKiB) this.windowKiB = kib;
  }

  /** The largest sample since the previous call (MiB; null without a pid); starts a new window. */
  window(): number | null {
    if (this.pid === null) return null;
    this.sample();
    const kib = this.windowKiB;
    this.windowKiB = 0;
    return kib / 1024;
  }

  /** The largest sample so far, in MiB (null when there is no pid to sample). */
  get maxMiB(): number | null {
    return this.pid === null || this.samples === 0 ? null : this.maxKiB / 1024;
  }

  /** The kernel's own high-water mark of the process's RSS, in MiB. */
  get peakMiB(): number | null {
    if (this.pid === null) return null;
    const kib = statusKiB(this.pid, 'VmHWM');
    return kib === null ? null : kib / 1024;
  }

  stop(): { maxRssMiB: number | null; vmHwmMiB: number | null; samples: number } {
    if (this.timer !== null) clearInterval(this.timer);
    this.sample();
    return { maxRssMiB: this.maxMiB, vmHwmMiB: this.peakMiB, samples: this.samples };
  }
}

const TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux build Node supports

/** user and system CPU seconds (ticks) from a stat line of /proc: utime is field 14, stime 15, cutime 16, cstime 17. */
function statTicks(stat: string, children: boolean): { user: number; system: number } {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state)
  return {
    user: Number(fields[11]) + (children ? Number(fields[13]) : 0),
    system: Number(fields[12]) + (children ? Number(fields[14]) : 0),
  };
}

/** user and system CPU seconds of a process (threads included; with `children`, waited-for children too). */
function cpuSeconds(pid: number | 'self', children: boolean): { user: number; system: number } | null {
  try {
    const t = statTicks(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'), children);
    return { user: t.user / TICKS_PER_SECOND, system: t.system / TICKS_PER_SECOND };
  } catch {
    return null;
  }
}

/** One thread of the broker: its name (comm) and CPU seconds (user + system) so far. */
interface ThreadTime { comm: string; seconds: number }

/** CPU seconds of every live thread of a process, by tid (null when the process cannot be read). */
function threadSeconds(pid: number): Map<number, ThreadTime> | null {
  let tids: string[];
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return null;
  }
  const out = new Map<number, ThreadTime>();
  for (const tid of tids) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const t = statTicks(stat, false);
      out.set(Number(tid), { comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), seconds: (t.user + t.system) / TICKS_PER_SECOND });
    } catch {
      // the thread ended between the listing and the read: its time stays in the process's total
    }
  }
  return out;
}

/**
 * The broker's cores by thread (user + system): the main thread (tid == pid), its network threads,
 * its shard workers and the rest. Samsa names its threads (samsa-net-N, samsa-shard-N: comm); for
 * a build that does not, the shard workers are taken to be the `shardWorkers` busiest threads over
 * the interval among those named like the main thread (that leaves out native add-ons' own
 * threads, such as tokio-rt-worker), the main thread aside; under load a shard worker is busy, and
 * an idle one may swap places with a V8 or libuv helper thread, which moves only idle time.
 * other = the process's total less the rest: V8's GC and compiler threads, libuv's pool, add-ons'
 * threads, and threads that ended during the interval.
 */
export interface ThreadCores {
  main: number;
  /** null where they cannot be told apart (an unnamed build: counted in shards; an external broker). */
  network: number | null;
  /** null when the shard worker count is unknown (an external broker): everything but main is other. */
  shards: number | null;
  other: number;
  /** The tids counted as shard workers. */
  shardTids: number[];
}

export interface CpuUse {
  /** Cores the broker kept busy on average (user + system), and the system share of it. */
  brokerCores: number | null;
  brokerSystemCores: number | null;
  /** The broker's cores split by thread (null without a pid). */
  brokerThreads: ThreadCores | null;
  /** Cores this benchmark process and the clients it ran (kcat) kept busy. */
  clientCores: number | null;
  /** Wall-clock seconds between start and stop (cores x seconds = CPU seconds). */
  seconds: number;
}

/** What CpuMeter needs of the broker: its pid (null: not sampled) and how many shard workers it runs (null: unknown). */
export interface MeteredBroker { pid: number | null; shardWorkers: number | null }

/** CPU use of the broker (whole and by thread) and of this process (with its child processes) between start and stop. */
export class CpuMeter {
  private readonly t0 = performance.now();
  private readonly broker0: { user: number; system: number } | null;
  private readonly threads0: Map<number, ThreadTime> | null;
  private readonly self0: { user: number; system: number } | null;
  private readonly pid: number | null;

  constructor(private readonly broker: MeteredBroker) {
    this.pid = broker.pid;
    // the threads are read inside the process's interval, so that main + shards stay within its total
    this.broker0 = this.pid === null ? null : cpuSeconds(this.pid, false);
    this.threads0 = this.pid === null ? null : threadSeconds(this.pid);
    this.self0 = cpuSeconds('self', true);
  }

  stop(): CpuUse {
    const wall = (performance.now() - this.t0) / 1000;
    const threads1 = this.pid === null ? null : threadSeconds(this.pid);
    const broker1 = this.pid === null ? null : cpuSeconds(this.pid, false);
    const self1 = cpuSeconds('self', true);
    const cores = (a: { user: number; system: number } | null, b: { user: number; system: number } | null): number | null =>
      a === null || b === null || wall <= 0 ? null : (b.user + b.system - a.user - a.system) / wall;
    const brokerCores = cores(this.broker0, broker1);
    return {
      brokerCores,
      brokerSystemCores: this.broker0 === null || broker1 === null ? null : (broker1.system - this.broker0.system) / wall,
      brokerThreads: brokerCores === null || this.threads0 === null || threads1 === null ? null : this.split(this.threads0, threads1, brokerCores, wall),
      clientCores: cores(this.self0, self1),
      seconds: wall,
    };
  }

  private split(before: Map<number, ThreadTime>, after: Map<number, ThreadTime>, total: number, wall: number): ThreadCores {
    const pid = this.pid!;
    const mainComm = after.get(pid)?.comm;
    // a thread born during the interval counts from 0
    const busy = [...after].map(([tid, t]) => ({ tid, comm: t.comm, cores: (t.seconds - (before.get(tid)?.seconds ?? 0)) / wall }));
    const main = busy.find((t) => t.tid === pid)?.cores ?? 0;
    const sum = (threads: typeof busy): number => threads.reduce((a, t) => a + t.cores, 0);
    const named = busy.filter((t) => t.comm.startsWith('samsa-shard-'));
    if (named.length > 0) {
      const shards = sum(named);
      const network = sum(busy.filter((t) => t.comm.startsWith('samsa-net-')));
      return { main, network, shards, other: Math.max(0, total - main - network - shards), shardTids: named.map((t) => t.tid) };
    }
    const n = this.broker.shardWorkers;
    if (n === null) return { main, network: null, shards: null, other: Math.max(0, total - main), shardTids: [] };
    const shardThreads = busy.filter((t) => t.tid !== pid && t.comm === mainComm).sort((a, b) => b.cores - a.cores).slice(0, n);
    const shards = sum(shardThreads);
    // ticks are read a moment apart from the process's total: never below 0
    return { main, network: null, shards, other: Math.max(0, total - main - shards), shardTids: shardThreads.map((t) => t.tid) };
  }
}

/** The column of a table that shows the broker's cores by thread. */
export const THREADS_COLUMN = 'main / net / shards / other' as const;

/** What the tables' notes say about THREADS_COLUMN. */
export const THREADS_NOTE = `${THREADS_COLUMN}: the broker's cores (user + system) by thread, from /proc/<pid>/task/*/stat: the main thread (tid = pid); `
  + 'its network threads (comm samsa-net-N; 0 with num.network.threads=0) and shard workers (samsa-shard-N); for a build that names no thread, net is "-" and shards are the N busiest threads named like main, N = the shard workers; '
  + 'other = the rest of the process (V8 GC and compiler threads, libuv pool, add-ons\' threads, threads that ended). "-" for shards: an external broker, whose shard workers are not known (all in other)';

/** "0.12 / 0.40 / 0.85 / 0.05" (cores) for a table cell; '-' without a pid. */
export function threadsCell(c: CpuUse): string {
  const t = c.brokerThreads;
  const cores = (n: number | null): string => (n === null ? '-' : n.toFixed(2));
  return t === null ? '-' : `${cores(t.main)} / ${cores(t.network)} / ${cores(t.shards)} / ${cores(t.other)}`;
}

/** "0.95 (sys 0.40)" for a table cell, the broker's split by thread, and the client's cores. */
export function coresCell(c: CpuUse): { 'broker CPU': string; [THREADS_COLUMN]: string; 'client CPU': string } {
  return {
    'broker CPU': c.brokerCores === null ? '-' : `${c.brokerCores.toFixed(2)} (sys ${c.brokerSystemCores!.toFixed(2)})`,
    [THREADS_COLUMN]: threadsCell(c),
    'client CPU': c.clientCores === null ? '-' : c.clientCores.toFixed(2),
  };
}
