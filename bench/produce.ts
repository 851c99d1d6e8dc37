// Produce throughput: 1 KiB and 100 B records, batches up to 1 MiB, acks 0, 1 and -1, several
// connections; a fresh topic per cell, checked afterwards (every record sent must be stored).
// Variants: raw (pipelined prebuilt requests: the broker's ceiling), kafkajs and kcat (librdkafka:
// what users see). Throughput counts record values (payload) only, in MB/s (10^6 bytes).
//
//   node dist/bench/produce.js [--bootstrap host:port] [--seconds 3] [--acks 0,1,-1] ...
import type { Admin } from './lib/admin.js';
import { runTopic } from './lib/admin.js';
import { main, runMacro, type MacroContext } from './lib/macro.js';
import { kafkajsProduce, kcatProduce, rawProduce, type ProduceLoad, type ProduceOutcome } from './lib/produce-load.js';
import { mbps, pct, type Row } from './lib/report.js';
import { coresCell, CpuMeter, type CpuUse } from './lib/target.js';

const FLAGS = [
  { name: 'record-sizes', help: 'record value sizes in bytes', default: '1024,100' },
  { name: 'batch-bytes', help: 'batch sizes of the raw generator (each request carries one batch)', default: '1048576,16384' },
  { name: 'client-batch-bytes', help: 'batch sizes for the real clients (kafkajs records per send, kcat batch.size)', default: '1048576' },
  { name: 'acks', help: 'acks values', default: '0,1,-1' },
  { name: 'connections', help: 'raw generator connections (one partition each); a list sweeps them, e.g. 1,4,16', default: '4' },
  { name: 'in-flight', help: 'raw generator requests outstanding per connection', default: '4' },
  { name: 'kafkajs-concurrency', help: 'concurrent producer.send() loops of kafkajs', default: '4' },
  { name: 'seconds', help: 'measured seconds per cell', default: '3' },
  { name: 'warmup', help: 'warm-up seconds per cell (not counted)', default: '1' },
  { name: 'kcat-mb', help: 'MB of record values kcat produces per cell', default: '500' },
];

interface Cell { variant: string; recordSize: number; batchBytes: number; acks: number; connections: number }

function cells(ctx: MacroContext): Cell[] {
  const { args } = ctx;
  const out: Cell[] = [];
  for (const variant of ctx.variants) {
    const batches = variant === 'raw' ? args.nums('batch-bytes') : args.nums('client-batch-bytes');
    for (const recordSize of args.nums('record-sizes')) {
      for (const batchBytes of batches) {
        for (const acks of args.nums('acks')) {
          // the sweep is the raw generator's; the real clients' topic gets the first value's partitions
          for (const connections of variant === 'raw' ? args.nums('connections') : args.nums('connections').slice(0, 1)) out.push({ variant, recordSize, batchBytes, acks, connections });
        }
      }
    }
  }
  return out;
}

async function runCell(ctx: MacroContext, cell: Cell): Promise<{ load: ProduceLoad; outcome: ProduceOutcome; stored: number; cpu: CpuUse }> {
  const { args, admin, target } = ctx;
  const { connections } = cell;
  const topic = runTopic(`bench-produce-${cell.variant}`);
  const leaders = await admin.createTopic(topic, connections);
  const load: ProduceLoad = {
    topic, leaders, acks: cell.acks, recordSize: cell.recordSize, batchBytes: cell.batchBytes,
    connections, inFlight: args.num('in-flight'), seconds: args.num('seconds'), warmupSeconds: args.num('warmup'),
  };
  try {
    let outcome: ProduceOutcome;
    const meter = new CpuMeter(target);
    if (cell.variant === 'raw') outcome = await rawProduce(load);
    else if (cell.variant === 'kafkajs') outcome = await kafkajsProduce({ ...load, connections: 1, inFlight: args.num('kafkajs-concurrency') }, target.bootstrap, admin);
    else if (cell.variant === 'kcat') outcome = await kcatProduce(load, target.bootstrap, Math.ceil((args.num('kcat-mb') * 1e6) / cell.recordSize), admin);
    else throw new Error(`unknown variant ${cell.variant} (raw, kafkajs, kcat)`);
    const cpu = meter.stop();
    const stored = await storedRecords(admin, load);
    return { load, outcome, stored, cpu };
  } finally {
    await admin.deleteTopic(topic);
  }
}

async function storedRecords(admin: Admin, load: ProduceLoad): Promise<number> {
  return (await admin.logEndOffsets(load.topic, load.leaders)).reduce((a, b) => a + b, 0);
}

const batchLabel = (b: number): string => (b >= 1 << 20 ? `${b / (1 << 20)} MiB` : b >= 1024 ? `${b / 1024} KiB` : `${b} B`);

main(() => runMacro('produce', 'produce throughput: raw pipelined requests, kafkajs and kcat', FLAGS, async (ctx) => {
  const rows: Row[] = [];
  const results: unknown[] = [];
  const notes = new Set<string>();
  const scaling: { cell: string; MBps: number; cpu: CpuUse }[] = [];
  let headline: number | null = null;
  for (const cell of cells(ctx)) {
    process.stdout.write(`  ${cell.variant} ${cell.recordSize} B records, ${batchLabel(cell.batchBytes)} batches, acks=${cell.acks}, ${cell.connections} conn ... `);
    ctx.rss.window();
    const { load, outcome, stored, cpu } = await runCell(ctx, cell);
    const rss = ctx.rss.window();
    const rate = mbps(outcome.records * cell.recordSize, outcome.seconds);
    const ratio = rate / ctx.ceiling.sendMBps;
    console.log(`${rate.toFixed(1)} MB/s`);
    if (outcome.note !== undefined) notes.add(`${cell.variant}: ${outcome.note}`);
    if (cell.variant === 'raw' && cell.recordSize === 1024 && cell.batchBytes === 1 << 20 && cell.acks === 1) headline = ratio;
    rows.push({
      variant: cell.variant,
      record: `${cell.recordSize} B`,
      batch: batchLabel(cell.batchBytes),
      acks: cell.acks,
      conns: cell.variant === 'raw' ? load.connections : 1,
      'in flight': cell.variant === 'raw' ? load.inFlight : cell.variant === 'kafkajs' ? ctx.args.num('kafkajs-concurrency') : '-',
      'records/s': Math.round(outcome.records / outcome.seconds),
      'MB/s': rate,
      'of ceiling': pct(ratio),
      ...coresCell(cpu),
      errors: outcome.errors === 0 ? 0 : `${outcome.errors} (${outcome.firstError})`,
      stored: stored === outcome.sent ? 'all' : `${stored} of ${outcome.sent}`,
      'broker RSS MiB': rss === null ? '-' : Math.round(rss),
    });
    results.push({ ...cell, connections: load.connections, inFlight: load.inFlight, outcome, stored, MBps: rate, ratioToCeiling: ratio, cpu, maxRssMiB: rss });
    if (cell.variant === 'raw') scaling.push({ cell: `raw ${cell.recordSize} B records, ${batchLabel(cell.batchBytes)} batches, acks=${cell.acks}, ${load.connections} conn`, MBps: rate, cpu });
  }
  return {
    tables: [{ title: `produce throughput (record values, MB/s; ceiling: send ${ctx.ceiling.sendMBps.toFixed(0)} MB/s)`, rows }],
    targets: [{
      target: 'produce, raw, 1 KiB records, 1 MiB batches, acks=1',
      goal: '>= 50% of the TCP ceiling',
      measured: headline === null ? '-' : pct(headline),
      met: headline === null ? null : headline >= 0.5,
    }],
    notes: [...notes, 'broker CPU / client CPU: cores kept busy during the cell (warm-up included); sys = kernel time (socket and file copies); client includes kcat', 'stored: records the broker holds afterwards (log end offsets) against records sent; "all" when they match', 'broker RSS MiB: the largest sample during the cell (topic creation and deletion included)'],
    data: { results },
    scaling,
  };
}));
