// Command-line flags for the benchmarks: `--name value`, `--name=value` and bare `--flag`.
// Every benchmark reads its flags through this, so `--help` lists what a script accepts.

export interface FlagSpec {
  name: string;
  help: string;
  default?: string;
}

export class Args {
  private readonly values = new Map<string, string[]>();

  constructor(argv: string[], private readonly specs: FlagSpec[], private readonly usage: string) {
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i]!;
      if (!arg.startsWith('--')) throw new Error(`unexpected argument ${JSON.stringify(arg)}\n${this.help()}`);
      const eq = arg.indexOf('=');
      let name: string;
      let value: string;
      if (eq >= 0) {
        name = arg.slice(2, eq);
        value = arg.slice(eq + 1);
      } else {
        name = arg.slice(2);
        const next = argv[i + 1];
        if (next !== undefined && !next.startsWith('--')) { value = next; i++; } else value = 'true';
      }
      if (name === 'help') {
        console.log(this.help());
        process.exit(0);
      }
      if (!specs.some((s) => s.name === name)) throw new Error(`unknown flag --${name}\n${this.help()}`);
      const list = this.values.get(name) ?? [];
      list.push(value);
      this.values.set(name, list);
    }
  }

  help(): string {
    const width = Math.max(...this.specs.map((s) => s.name.length)) + 4;
    const lines = this.specs.map((s) => `  --${s.name.padEnd(width)}${s.help}${s.default !== undefined ? ` (default: ${s.default})` : ''}`);
    return `${this.usage}\n\nflags:\n${lines.join('\n')}`;
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  str(name: string): string | undefined {
    const v = this.values.get(name);
    if (v !== undefined) return v[v.length - 1];
    return this.specs.find((s) => s.name === name)?.default;
  }

  num(name: string): number {
    const raw = this.str(name);
    const n = Number(raw);
    if (raw === undefined || raw === '' || !Number.isFinite(n)) throw new Error(`--${name} needs a number, got ${JSON.stringify(raw)}`);
    return n;
  }

  bool(name: string): boolean {
    const raw = this.str(name);
    return raw === 'true' || raw === '1' || raw === 'yes';
  }

  /** Every value the flag was given, as given (repeated flags in order); the default when none. */
  all(name: string): string[] {
    const v = this.values.get(name);
    if (v !== undefined) return [...v];
    const d = this.specs.find((s) => s.name === name)?.default;
    return d === undefined ? [] : [d];
  }

  /** A comma-separated list (the flag may also be repeated). */
  list(name: string): string[] {
    const v = this.values.get(name);
    const raw = v !== undefined ? v.join(',') : this.specs.find((s) => s.name === name)?.default ?? '';
    return raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  }

  nums(name: string): number[] {
    return this.list(name).map((s) => {
      const n = Number(s);
      if (!Number.isFinite(n)) throw new Error(`--${name}: ${JSON.stringify(s)} is not a number`);
      return n;
    });
  }
}

/** Flags that every macro benchmark takes. */
export const COMMON_MACRO_FLAGS: FlagSpec[] = [
  { name: 'bootstrap', help: 'host:port of a running broker (Samsa or Kafka); without it a Samsa is started on a temporary directory' },
  { name: 'broker-pid', help: 'pid of the broker given by --bootstrap, to sample its RSS and CPU (a local process only)' },
  { name: 'broker-override', help: 'key=value passed as --override to the Samsa this run starts (repeatable)' },
  { name: 'workers', help: 'shard workers (samsa.worker.threads) to sweep, e.g. 1,2,4: the broker is started afresh for each value, and each table gets a row per value (not with --bootstrap)' },
  { name: 'taskset', help: 'CPU lists to run the started broker on with taskset -c, separated by \';\': e.g. 0 or "0;0,1" (one broker per list, in turn, and per --workers value; not with --bootstrap)' },
  { name: 'variants', help: 'which load generators to run: raw, kafkajs, kcat', default: 'raw,kafkajs,kcat' },
  { name: 'ceiling-seconds', help: 'seconds spent measuring the loopback TCP ceiling', default: '3' },
  { name: 'out', help: 'where to write the JSON results (default bench/results/<name>-<timestamp>.json)' },
];
