// Runs every benchmark, one child process each (micro first, then macro), and prints one summary:
// the headline figures and every target, measured against its goal. `npm run bench` builds and
// runs this. Macro benchmarks start their own Samsa unless --bootstrap names a broker.
//
//   node dist/bench/all.js [--only micro|macro|<name>,...] [--bootstrap host:port] [--long]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Args } from './lib/args.js';
import { pct, printTable, RESULTS_DIR, writeResults, type Row } from './lib/report.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));

interface Entry { name: string; kind: 'micro' | 'macro'; args: string[]; long: string[] }

/** Default arguments keep the whole run near 10 minutes on a 2-core machine; --long adds these. */
const ENTRIES: Entry[] = [
  { name: 'crc32c', kind: 'micro', args: ['--time', '500'], long: ['--time', '2000'] },
  { name: 'codec', kind: 'micro', args: ['--time', '500'], long: ['--time', '2000'] },
  { name: 'segment-append', kind: 'micro', args: ['--time', '1000'], long: ['--time', '3000'] },
  { name: 'index-lookup', kind: 'micro', args: ['--time', '500'], long: ['--time', '2000', '--batches', '1000000'] },
  { name: 'produce', kind: 'macro', args: ['--seconds', '4', '--warmup', '1'], long: ['--seconds', '15', '--warmup', '2', '--kcat-mb', '2000'] },
  { name: 'fetch', kind: 'macro', args: ['--size-mb', '2048', '--passes', '2'], long: ['--size-mb', '8192', '--passes', '3'] },
  { name: 'requests', kind: 'macro', args: ['--seconds', '3'], long: ['--seconds', '10', '--fetch-batches', '100000'] },
  // --long: also a raw cell at 200 MB/s (60 s, like every long cell) with 1 s windows: the stall of issue 14
  { name: 'e2e-latency', kind: 'macro', args: ['--seconds', '10', '--warmup', '1'], long: ['--seconds', '60', '--warmup', '2', '--windowed-rates', '200'] },
];

const args = new Args(process.argv.slice(2), [
  { name: 'only', help: 'micro, macro, or benchmark names (crc32c, codec, segment-append, index-lookup, produce, fetch, requests, e2e-latency)' },
  { name: 'bootstrap', help: 'host:port of a running broker for the macro benchmarks (Samsa or Kafka)' },
  { name: 'broker-pid', help: 'pid of that broker, to sample its RSS and CPU' },
  { name: 'broker-override', help: 'key=value for the Samsa the macro benchmarks start (repeatable)' },
  { name: 'variants', help: 'macro load generators: raw, kafkajs, kcat', default: 'raw,kafkajs,kcat' },
  { name: 'long', help: 'longer runs, an 8 GB log and a 200 MB/s end-to-end cell with 1 s windows (about 20 minutes)' },
], 'all: every benchmark in bench/, one child process each, then a summary');

function selected(e: Entry): boolean {
  const only = args.list('only');
  return only.length === 0 || only.includes(e.kind) || only.includes(e.name);
}

function run(e: Entry, out: string): Promise<{ code: number | null; seconds: number }> {
  const extra = e.kind === 'macro'
    ? [...(args.has('bootstrap') ? ['--bootstrap', args.str('bootstrap')!] : []), ...(args.has('broker-pid') ? ['--broker-pid', args.str('broker-pid')!] : []),
      ...args.list('broker-override').flatMap((kv) => ['--broker-override', kv]), '--variants', args.list('variants').join(',')]
    : [];
  const argv = [path.join(HERE, `${e.name}.js`), ...(args.bool('long') ? e.long : e.args), ...extra, '--out', out];
  console.log(`\n# ${e.name}\n$ node ${path.relative(process.cwd(), argv[0]!)} ${argv.slice(1).join(' ')}`);
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, argv, { stdio: 'inherit' });
    p.once('error', reject);
    p.once('exit', (code) => resolve({ code, seconds: (performance.now() - start) / 1000 }));
  });
}

type Json = Record<string, any>;

function headline(name: string, r: Json): Row[] {
  const rows: Row[] = [];
  const add = (what: string, value: string): void => { rows.push({ benchmark: name, figure: what, value }); };
  if (r.ceiling !== undefined) add('loopback TCP ceiling (send / receive)', `${r.ceiling.sendMBps.toFixed(0)} / ${r.ceiling.receiveMBps.toFixed(0)} MB/s`);
  for (const x of (r.results ?? []) as Json[]) {
    if (name === 'produce' && x.recordSize === 1024 && (x.variant !== 'raw' || x.batchBytes === 1 << 20)) {
      add(`${x.variant}, 1 KiB records, ${x.batchBytes === 1 << 20 ? '1 MiB' : `${x.batchBytes / 1024} KiB`} batches, acks=${x.acks}`, `${x.MBps.toFixed(1)} MB/s (${pct(x.ratioToCeiling)})`);
    } else if (name === 'fetch' && x.pass === 1) {
      add(`${x.variant} catch-up read`, `${x.MBps.toFixed(1)} MB/s (${pct(x.ratioToCeiling)})`);
    } else if (name === 'requests') {
      add(`${x.request}, ${x.batchBytes} B batches: broker CPU per request`, x.cpu.brokerCores === null ? '-' : `${((x.cpu.brokerCores * x.cpu.seconds * 1e6) / x.requests).toFixed(1)} µs`);
    } else if (name === 'e2e-latency') {
      add(`${x.variant === 'raw' ? 'raw -> raw' : `${x.variant} -> kcat`} at ${x.rateMBps} MB/s: p50 / p99 / p99.9`, `${x.p50.toFixed(2)} / ${x.p99.toFixed(2)} / ${x.p999.toFixed(2)} ms`);
      const windows = ((x.windows ?? []) as Json[]).filter((w) => w.samples > 0);
      if (windows.length > 0) {
        const worst = windows.reduce((a, w) => (w.p99 > a.p99 ? w : a));
        add(`raw -> raw at ${x.rateMBps} MB/s: p99 of the worst ${x.windowSeconds} s window`, `${worst.p99.toFixed(2)} ms (from ${worst.fromS} s)`);
      }
    } else if (r.tinybench !== undefined && x.opsPerSec !== undefined) {
      add(x.task, x.MBps !== null ? `${x.MBps.toFixed(0)} MB/s` : `${(x.latencyMs.mean * 1000).toFixed(2)} µs`);
    }
  }
  if (r.memory?.maxRssMiB != null) add('broker max RSS', `${r.memory.maxRssMiB.toFixed(0)} MiB`);
  return rows;
}

const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const runDir = path.join(RESULTS_DIR, `run-${stamp}`);
fs.mkdirSync(runDir, { recursive: true });
const started = performance.now();
const ran: Json[] = [];
for (const e of ENTRIES.filter(selected)) {
  const out = path.join(runDir, `${e.name}.json`);
  const { code, seconds } = await run(e, out);
  ran.push({ name: e.name, code, seconds, result: fs.existsSync(out) ? JSON.parse(fs.readFileSync(out, 'utf8')) : null });
  if (code !== 0) console.error(`\n${e.name} failed (exit ${code})`);
}
const figures = ran.flatMap((r) => (r.result === null ? [{ benchmark: r.name, figure: 'FAILED', value: `exit ${r.code}` }] : headline(r.name, r.result)));
const targets = ran.flatMap((r) => ((r.result?.targets ?? []) as Json[]).map((t) => ({ benchmark: r.name, ...t, met: t.met === null ? 'not measured' : t.met ? 'yes' : 'NO' })));
console.log(`\n\n# summary (${((performance.now() - started) / 1000).toFixed(0)} s; ${ran.map((r) => `${r.name} ${r.seconds.toFixed(0)} s`).join(', ')})`);
printTable('headline figures', figures);
printTable('targets (reported, never enforced)', targets, ['benchmark', 'target', 'goal', 'measured', 'met']);
writeResults('summary', { command: `node ${process.argv.slice(1).join(' ')}`, runs: ran.map((r) => ({ name: r.name, code: r.code, seconds: r.seconds })), figures, targets }, path.join(runDir, 'summary.json'));
console.log(`all results of this run: ${path.relative(process.cwd(), runDir)}/`);
process.exit(ran.every((r) => r.code === 0) ? 0 : 1);
