// End-to-end latency: p50, p99 and p99.9 from produce to consume at fixed rates (1, 10 and 50 MB/s
// of 1 KiB records by default), acks=-1, one partition, a fresh topic per cell. Variants: raw
// (prebuilt batches, one per millisecond, and a raw long-polling consumer: the broker's own
// latency), kafkajs -> kcat and kcat -> kcat (what users see; librdkafka's defaults, among them
// its linger.ms, unless --kcat-producer-props says otherwise). --window-seconds 5 adds the raw
// cells' percentiles per 5 s of send time: a long run (--seconds 60 --rates 200) shows a periodic stall.
// --windowed-rates 200 adds raw cells with such windows (1 s unless --window-seconds says) to the
// others (npm run bench -- --long does), and the target of the worst 1 s window at 200 MB/s.
//
//   node dist/bench/e2e-latency.js [--bootstrap host:port] [--rates 1,10,50] [--seconds 8] ...
import { runTopic } from './lib/admin.js';
import { clientE2e, rawE2e, type E2eLoad, type E2eOutcome } from './lib/e2e-load.js';
import { main, runMacro } from './lib/macro.js';
import { pct, percentile, type Row } from './lib/report.js';
import { coresCell, CpuMeter } from './lib/target.js';

const FLAGS = [
  { name: 'rates', help: 'MB/s of record values to produce (10^6 bytes)', default: '1,10,50' },
  { name: 'record-size', help: 'record value size in bytes', default: '1024' },
  { name: 'batch-bytes', help: 'raw: batches of at most this many bytes, as often as the rate needs (e.g. 16384: about 3,050 batches/s at 50 MB/s); 0: one batch per millisecond', default: '0' },
  { name: 'seconds', help: 'measured seconds per cell', default: '8' },
  { name: 'warmup', help: 'warm-up seconds per cell (not counted)', default: '1' },
  { name: 'window-seconds', help: 'raw: also p50/p99/p99.9 per window of this many seconds, so that a periodic stall shows (e.g. --variants raw --rates 200 --seconds 60 --window-seconds 5)', default: '0' },
  { name: 'windowed-rates', help: 'raw only: more cells at these MB/s, split into windows of --window-seconds (1 s when it is 0), e.g. 200 (npm run bench -- --long adds it)' },
  { name: 'kcat-producer-props', help: 'extra -X settings of the kcat producer, e.g. linger.ms=0', default: '' },
  { name: 'prime-seconds', help: 'seconds of raw load on a scratch topic, not measured, before the first cell: a freshly started broker compiles its hot paths in its first second, which at 200 MB/s leaves a backlog of up to 0.5 s that the first cell would otherwise measure (0: none)', default: '2' },
];

const P99_TARGET_MS = 5;
/** The windowed target: p99 of the worst window of this many seconds at this rate (raw). */
const STALL_WINDOW_S = 1;
const STALL_RATE_MB = 200;

main(() => runMacro('e2e-latency', 'end-to-end latency at fixed rates, acks=-1: raw, kafkajs -> kcat, kcat -> kcat', FLAGS, async (ctx) => {
  const { args, admin, target, ceiling } = ctx;
  const rows: Row[] = [];
  const windowRows: Row[] = [];
  const results: unknown[] = [];
  const notes = new Set<string>(['latency: from writing the Produce request to the consumer having the record; acks=-1, one partition']);
  let headline: number | null = null;
  let worstWindow: { p99: number; fromS: number } | null = null;
  const windowed = args.nums('windowed-rates');
  // windows of --window-seconds on every raw cell, or of 1 s on the --windowed-rates cells only
  const windowSeconds = args.num('window-seconds') > 0 ? args.num('window-seconds') : windowed.length > 0 ? 1 : 0;
  const windowsFor = (variant: string, rateMB: number): number => (variant === 'raw' && (args.num('window-seconds') > 0 || windowed.includes(rateMB)) ? windowSeconds : 0);
  const rates = [...args.nums('rates'), ...windowed];
  if (args.num('prime-seconds') > 0 && rates.length > 0) {
    const rateMB = Math.max(...rates);
    process.stdout.write(`  priming the broker: ${args.num('prime-seconds')} s of raw load at ${rateMB} MB/s on a scratch topic, not measured ... `);
    const topic = runTopic('bench-e2e-prime');
    const [leader] = await admin.createTopic(topic, 1);
    try {
      await rawE2e({ topic, leader: leader!, rate: rateMB * 1e6, recordSize: args.num('record-size'), seconds: args.num('prime-seconds'), warmupSeconds: 0, batchBytes: args.num('batch-bytes') });
    } finally {
      await admin.deleteTopic(topic);
    }
    console.log('done');
    notes.add(`every run starts with ${args.num('prime-seconds')} s of raw load at ${rateMB} MB/s on a scratch topic, not measured (--prime-seconds): a fresh broker's first second is compilation`);
  }
  // the real-client variants consume with kcat
  for (const variant of ctx.variants.filter((v) => v === 'raw' || ctx.kcat)) {
    for (const rateMB of variant === 'raw' ? [...new Set([...args.nums('rates'), ...windowed])] : args.nums('rates')) {
      const topic = runTopic(`bench-e2e-${variant}`);
      const [leader] = await admin.createTopic(topic, 1);
      const load: E2eLoad = { topic, leader: leader!, rate: rateMB * 1e6, recordSize: args.num('record-size'), seconds: args.num('seconds'), warmupSeconds: args.num('warmup'), windowSeconds: windowsFor(variant, rateMB), batchBytes: args.num('batch-bytes') };
      process.stdout.write(`  ${variant} at ${rateMB} MB/s ... `);
      let r: E2eOutcome;
      const meter = new CpuMeter(target);
      try {
        if (variant === 'raw') r = await rawE2e(load);
        else if (variant === 'kafkajs' || variant === 'kcat') r = await clientE2e(load, target.bootstrap, variant, args.list('kcat-producer-props'));
        else throw new Error(`unknown variant ${variant} (raw, kafkajs, kcat)`);
      } finally {
        await admin.deleteTopic(topic);
      }
      const cpu = meter.stop();
      const l = r.latencies;
      const p50 = percentile(l, 50);
      const p99 = percentile(l, 99);
      const p999 = percentile(l, 99.9);
      console.log(`p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, p99.9 ${p999.toFixed(2)} ms`);
      if (variant === 'raw' && rateMB === 50) headline = p99;
      if (r.note !== undefined) notes.add(r.note);
      const achieved = (r.records * load.recordSize) / load.seconds / 1e6;
      rows.push({
        variant: variant === 'raw' ? 'raw -> raw' : `${variant} -> kcat`,
        'MB/s': rateMB,
        'of ceiling': pct(rateMB / ceiling.sendMBps),
        'sent MB/s': achieved,
        samples: l.length,
        'p50 ms': p50,
        'p99 ms': p99,
        'p99.9 ms': p999,
        'max ms': l.length > 0 ? l[l.length - 1]! : NaN,
        'ack p50 ms': r.ackLatencies === null ? '-' : percentile(r.ackLatencies, 50),
        'ack p99 ms': r.ackLatencies === null ? '-' : percentile(r.ackLatencies, 99),
        'send lag ms': r.maxScheduleLagMs,
        ...coresCell(cpu),
        missing: r.missing,
        errors: r.errors === 0 ? (r.firstError === null ? 0 : `0 (${r.firstError.slice(0, 60)})`) : `${r.errors} (${r.firstError})`,
      });
      for (const w of r.windows ?? []) {
        windowRows.push({ variant: 'raw -> raw', 'MB/s': rateMB, 'from s': w.fromS, samples: w.samples, 'p50 ms': w.p50, 'p99 ms': w.p99, 'p99.9 ms': w.p999, 'max ms': w.max });
        if (rateMB === STALL_RATE_MB && load.windowSeconds === STALL_WINDOW_S && w.samples > 0 && (worstWindow === null || w.p99 > worstWindow.p99)) worstWindow = { p99: w.p99, fromS: w.fromS };
      }
      results.push({ variant, rateMBps: rateMB, windowSeconds: load.windowSeconds ?? 0, windows: r.windows ?? null, records: r.records, samples: l.length, p50, p99, p999, max: l[l.length - 1], ackP50: r.ackLatencies === null ? null : percentile(r.ackLatencies, 50), ackP99: r.ackLatencies === null ? null : percentile(r.ackLatencies, 99), missing: r.missing, errors: r.errors, firstError: r.firstError, maxScheduleLagMs: r.maxScheduleLagMs, cpu });
    }
  }
  notes.add('ack p50/p99: Produce request to its answer (raw only): the produce half of the latency');
  notes.add('send lag: how far the load generator fell behind its schedule at worst (a generator that cannot keep up hides latency)');
  return {
    tables: [
      { title: `end-to-end latency, acks=-1, ${args.num('record-size')} B records (ceiling: send ${ceiling.sendMBps.toFixed(0)} MB/s)`, rows },
      ...(windowRows.length > 0 ? [{ title: `end-to-end latency per ${windowSeconds} s window of send time (raw; a periodic stall shows as a window apart)`, rows: windowRows }] : []),
    ],
    targets: [
      { target: 'e2e p99, raw, 50 MB/s, acks=-1', goal: `<= ${P99_TARGET_MS} ms`, measured: headline === null ? '-' : `${headline.toFixed(2)} ms`, met: headline === null ? null : headline <= P99_TARGET_MS },
      {
        target: `e2e p99 of the worst ${STALL_WINDOW_S} s window at ${STALL_RATE_MB} MB/s, raw, acks=-1`,
        goal: `<= ${P99_TARGET_MS} ms`,
        measured: worstWindow === null ? '-' : `${worstWindow.p99.toFixed(2)} ms (the window from ${worstWindow.fromS} s)`,
        met: worstWindow === null ? null : worstWindow.p99 <= P99_TARGET_MS,
      },
    ],
    notes: [...notes],
    data: { results },
  };
}));
