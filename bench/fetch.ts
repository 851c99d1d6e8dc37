// Fetch throughput: catch-up reads of a large log. Fills a fresh topic (--size-mb over --partitions
// partitions, 1 KiB records in 1 MiB batches), then each variant reads all of it from offset 0:
// raw (prebuilt pipelined Fetch requests, one connection per partition: the broker's ceiling),
// kcat and kafkajs (what users see). The log was just written, so reads come from the page cache.
// Throughput counts record values (payload), in MB/s (10^6 bytes), against the receive ceiling.
//
//   node dist/bench/fetch.js [--bootstrap host:port] [--size-mb 1024] [--partitions 4] ...
import { runTopic } from './lib/admin.js';
import { fill, kafkajsConsume, kcatConsume, layoutFor, rawFetch, type ReadOutcome } from './lib/fetch-load.js';
import { main, runMacro } from './lib/macro.js';
import { mbps, pct, type Row } from './lib/report.js';
import { coresCell, CpuMeter, type CpuUse } from './lib/target.js';

const FLAGS = [
  { name: 'size-mb', help: 'MB of record batches to write and read back', default: '1024' },
  { name: 'partitions', help: 'partitions (the raw reader uses one connection each)', default: '4' },
  { name: 'record-size', help: 'record value size in bytes', default: '1024' },
  { name: 'batch-bytes', help: 'batch size when filling', default: '1048576' },
  { name: 'in-flight', help: 'raw reader requests outstanding per connection', default: '4' },
  { name: 'batches-per-fetch', help: 'batches each raw Fetch asks for (partition max bytes = that many batches)', default: '1' },
  { name: 'passes', help: 'times each variant reads the whole topic', default: '1' },
];

main(() => runMacro('fetch', 'fetch throughput: catch-up reads with raw pipelined requests, kcat and kafkajs', FLAGS, async (ctx) => {
  const { args, admin, target, ceiling } = ctx;
  const topic = runTopic('bench-fetch');
  const leaders = await admin.createTopic(topic, args.num('partitions'));
  const layout = layoutFor(topic, leaders, args.num('size-mb') * 1e6, args.num('record-size'), args.num('batch-bytes'));
  const totalRecords = leaders.length * layout.batchesPerPartition * layout.batch.records;
  const totalBatchBytes = leaders.length * layout.batchesPerPartition * layout.batch.bytes.length;
  const rows: Row[] = [];
  const results: unknown[] = [];
  const scaling: { cell: string; MBps: number; cpu: CpuUse }[] = [];
  const notes = new Set<string>(['the log was just written: reads come from the page cache, as a consumer that keeps up would',
    'broker CPU / client CPU: cores kept busy during the pass; sys = kernel time; client includes kcat']);
  let headline: number | null = null;
  try {
    process.stdout.write(`  filling ${topic}: ${(totalBatchBytes / 1e6).toFixed(0)} MB in ${leaders.length} partitions ... `);
    const fillSeconds = await fill(layout);
    console.log(`${mbps(totalBatchBytes, fillSeconds).toFixed(1)} MB/s (raw Produce acks=1)`);
    const groups = ctx.variants.includes('kafkajs') ? await admin.servesGroups() : false;
    for (const variant of ctx.variants) {
      for (let pass = 1; pass <= args.num('passes'); pass++) {
        process.stdout.write(`  ${variant} pass ${pass} ... `);
        let r: ReadOutcome | string;
        const meter = new CpuMeter(target);
        if (variant === 'raw') r = await rawFetch(layout, args.num('in-flight'), args.num('batches-per-fetch'));
        else if (variant === 'kcat') r = await kcatConsume(layout, target.bootstrap);
        else if (variant === 'kafkajs') r = groups ? await kafkajsConsume(layout, target.bootstrap) : 'skipped: kafkajs only consumes through a group, and this broker serves no consumer groups (FindCoordinator, JoinGroup, ...)';
        else throw new Error(`unknown variant ${variant} (raw, kafkajs, kcat)`);
        if (typeof r === 'string') {
          console.log(r);
          notes.add(`kafkajs ${r}`);
          rows.push({ variant, pass, records: '-', seconds: '-', 'records/s': '-', 'MB/s': '-', 'of ceiling': '-', error: 'skipped' });
          break;
        }
        const cpu = meter.stop();
        const rate = mbps(r.records * layout.recordSize, r.seconds);
        const ratio = rate / ceiling.receiveMBps;
        console.log(`${rate.toFixed(1)} MB/s${r.error !== null ? ` (${r.error})` : ''}`);
        if (variant === 'raw' && pass === 1) headline = ratio;
        if (r.note !== undefined) notes.add(`${variant}: ${r.note}`);
        rows.push({ variant, pass, records: r.records, seconds: r.seconds, 'records/s': Math.round(r.records / r.seconds), 'MB/s': rate, 'of ceiling': pct(ratio), ...coresCell(cpu), error: r.error ?? '' });
        results.push({ variant, pass, ...r, MBps: rate, ratioToCeiling: ratio, cpu });
        if (variant === 'raw') scaling.push({ cell: `raw catch-up read, pass ${pass}`, MBps: rate, cpu });
      }
    }
    return {
      tables: [{ title: `fetch throughput, catch-up reads of ${(totalBatchBytes / 1e6).toFixed(0)} MB (${totalRecords} records of ${layout.recordSize} B, ${leaders.length} partitions; record values, MB/s; ceiling: receive ${ceiling.receiveMBps.toFixed(0)} MB/s)`, rows }],
      targets: [{ target: 'fetch, raw catch-up reads', goal: '>= 70% of the TCP ceiling', measured: headline === null ? '-' : pct(headline), met: headline === null ? null : headline >= 0.7 }],
      notes: [...notes],
      data: { topic, partitions: leaders.length, recordsPerBatch: layout.batch.records, batchBytes: layout.batch.bytes.length, batchesPerPartition: layout.batchesPerPartition, totalRecords, totalBatchBytes, fillSeconds, results },
      scaling,
    };
  } finally {
    await admin.deleteTopic(topic);
  }
}));
