// The broker a macro benchmark runs against: the one named by --bootstrap (Samsa or Kafka, left
// running), or a Samsa this run starts on a temporary directory and stops (samsa.ts). Also
// samples the broker's resident memory (VmRSS in /proc/<pid>/status) and CPU time while a
// benchmark runs.
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
  stop(): Promise<void>;
}

export function splitHostPort(bootstrap: string): { host: string; port: number } {
  const at = bootstrap.lastIndexOf(':');
  if (at <= 0) throw new Error(`--bootstrap wants host:port, got ${JSON.stringify(bootstrap)}`);
  return { host: bootstrap.slice(0, at).replace(/^\[(.*)\]$/, '$1'), port: Number(bootstrap.slice(at + 1)) };
}

/** `extra` overrides come on top of --broker-override (the --workers sweep sets the shard workers here). */
export async function openTarget(args: Args, extra: Record<string, string> = {}): Promise<Target> {
  const bootstrap = args.str('bootstrap');
  if (bootstrap !== undefined) {
    const { host, port } = splitHostPort(bootstrap);
    const pid = args.has('broker-pid') ? args.num('broker-pid') : null;
    return { bootstrap, host, port, pid, kind: 'external', overrides: {}, stop: async () => {} };
  }
  const overrides: Record<string, string> = {};
  for (const kv of args.list('broker-override')) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new Error(`--broker-override wants key=value, got ${JSON.stringify(kv)}`);
    overrides[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  Object.assign(overrides, extra);
  const broker = await SamsaProcess.start(overrides);
  return {
    bootstrap: broker.bootstrap,
    host: '127.0.0.1',
    port: broker.port,
    pid: broker.proc.pid ?? null,
    kind: `samsa (started by the benchmark; ${String(broker.started.workers)} shard worker${broker.started.workers === 1 ? '' : 's'})`,
    overrides,
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

/** user and system CPU seconds of a process (threads included; with `children`, waited-for children too). */
function cpuSeconds(pid: number | 'self', children: boolean): { user: number; system: number } | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state): utime is field 14, stime 15, cutime 16, cstime 17
    const user = Number(fields[11]) + (children ? Number(fields[13]) : 0);
    const system = Number(fields[12]) + (children ? Number(fields[14]) : 0);
    return { user: user / TICKS_PER_SECOND, system: system / TICKS_PER_SECOND };
  } catch {
    return null;
  }
}

export interface CpuUse {
  /** Cores the broker kept busy on average (user + system), and the system share of it. */
  brokerCores: number | null;
  brokerSystemCores: number | null;
  /** Cores this benchmark process and the clients it ran (kcat) kept busy. */
  clientCores: number | null;
  /** Wall-clock seconds between start and stop (cores x seconds = CPU seconds). */
  seconds: number;
}

/** CPU use of the broker and of this process (with its child processes) between start and stop. */
export class CpuMeter {
  private readonly t0 = performance.now();
  private readonly broker0: { user: number; system: number } | null;
  private readonly self0: { user: number; system: number } | null;

  constructor(private readonly pid: number | null) {
    this.broker0 = pid === null ? null : cpuSeconds(pid, false);
    this.self0 = cpuSeconds('self', true);
  }

  stop(): CpuUse {
    const wall = (performance.now() - this.t0) / 1000;
    const broker1 = this.pid === null ? null : cpuSeconds(this.pid, false);
    const self1 = cpuSeconds('self', true);
    const cores = (a: { user: number; system: number } | null, b: { user: number; system: number } | null): number | null =>
      a === null || b === null || wall <= 0 ? null : (b.user + b.system - a.user - a.system) / wall;
    return {
      brokerCores: cores(this.broker0, broker1),
      brokerSystemCores: this.broker0 === null || broker1 === null ? null : (broker1.system - this.broker0.system) / wall,
      clientCores: cores(this.self0, self1),
      seconds: wall,
    };
  }
}

/** "0.95 (sys 0.40)" for a table cell. */
export function coresCell(c: CpuUse): { 'broker CPU': string; 'client CPU': string } {
  return {
    'broker CPU': c.brokerCores === null ? '-' : `${c.brokerCores.toFixed(2)} (sys ${c.brokerSystemCores!.toFixed(2)})`,
    'client CPU': c.clientCores === null ? '-' : c.clientCores.toFixed(2),
  };
}
