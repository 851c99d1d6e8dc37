// Cost per request: µs of broker CPU for each small Produce and Fetch request (issue 14, goal 0).
// Raw generator, one partition, ONE connection with --in-flight requests outstanding:
//  - produce: one batch of --batch-bytes per request (16 KiB and 2 KiB by default), acks=1;
//  - fetch: a partition filled with --fetch-batches such batches, then read back from offset 0,
//    each Fetch returning exactly one batch.
// Broker CPU (user + system, every thread, from /proc/<pid>/stat) over the cell, divided by the
// requests answered in it, and the broker's cores by thread (main / net / shards / other, target.ts).
// Many small requests, so this is the broker's fixed cost per request.
//
//   node dist/bench/requests.js [--bootstrap host:port --broker-pid N] [--batch-bytes 16384,2048] [--workers 1,2] [--requests fetch]
import { runTopic } from './lib/admin.js';
import { buildBatch } from './lib/batches.js';
import { fill, layoutFor, rawFetch } from './lib/fetch-load.js';
import { main, runMacro, type MacroContext } from './lib/macro.js';
import { rawProduce } from './lib/produce-load.js';
import type { Row } from './lib/report.js';
import { CpuMeter, threadsCell, THREADS_COLUMN, type CpuUse } from './lib/target.js';

const FLAGS = [
  { name: 'batch-bytes', help: 'largest batch, one batch per request (the table shows the size of the whole records that fit)', default: '16384,2048' },
  { name: 'record-size', help: 'record value size in bytes', default: '1024' },
  { name: 'in-flight', help: 'requests outstanding on the one connection', default: '8' },
  { name: 'seconds', help: 'measured seconds of each produce cell', default: '3' },
  { name: 'warmup', help: 'warm-up seconds of each produce cell (its requests and CPU count too)', default: '1' },
  { name: 'fetch-batches', help: 'batches to fill and read back in each fetch cell', default: '60000' },
  { name: 'requests', help: 'which cells: produce, fetch or both (for a profile of one of them)', default: 'produce,fetch' },
];

interface Measured {
  requests: number;
  cpu: CpuUse;
}

/** µs of CPU per request, from cores kept busy over the cell (null: not measured). */
const perRequest = (m: Measured, cores: number | null): number | null => (cores === null ? null : (cores * m.cpu.seconds * 1e6) / m.requests);

/** requests/s, broker cores and µs of broker CPU per request, over the whole cell; printed as it ends. */
function costCells(m: Measured): Row {
  const perSecond = Math.round(m.requests / m.cpu.seconds);
  const us = perRequest(m, m.cpu.brokerCores);
  console.log(`${perSecond} requests/s, ${us === null ? '-' : us.toFixed(1)} µs/request`);
  return {
    requests: m.requests,
    'requests/s': perSecond,
    'broker cores': m.cpu.brokerCores ?? '-',
    [THREADS_COLUMN]: threadsCell(m.cpu),
    'µs/request': us ?? '-',
    'of it sys µs': perRequest(m, m.cpu.brokerSystemCores) ?? '-',
    'client cores': m.cpu.clientCores ?? '-',
  };
}

async function produceCell(ctx: MacroContext, batchBytes: number): Promise<Measured & { errors: number; batchSize: number }> {
  const { args, admin, target } = ctx;
  const topic = runTopic('bench-requests-produce');
  const leaders = await admin.createTopic(topic, 1);
  try {
    const meter = new CpuMeter(target);
    const out = await rawProduce({
      topic, leaders, acks: 1, recordSize: args.num('record-size'), batchBytes, connections: 1,
      inFlight: args.num('in-flight'), seconds: args.num('seconds'), warmupSeconds: args.num('warmup'),
    });
    const cpu = meter.stop();
    // rawProduce waits for every answer, so every request sent was answered inside the meter
    const batchSize = buildBatch({ recordSize: args.num('record-size'), maxBytes: batchBytes }).bytes.length;
    return { requests: out.sent / out.recordsPerBatch, cpu, errors: out.errors, batchSize };
  } finally {
    await admin.deleteTopic(topic);
  }
}

async function fetchCell(ctx: MacroContext, batchBytes: number): Promise<Measured & { error: string | null; batchSize: number }> {
  const { args, admin, target } = ctx;
  const topic = runTopic('bench-requests-fetch');
  const leaders = await admin.createTopic(topic, 1);
  try {
    const probe = layoutFor(topic, leaders, 1, args.num('record-size'), batchBytes);
    const layout = layoutFor(topic, leaders, args.num('fetch-batches') * probe.batch.bytes.length, args.num('record-size'), batchBytes);
    await fill(layout, args.num('in-flight'));
    const meter = new CpuMeter(target);
    const r = await rawFetch(layout, args.num('in-flight'), 1);
    const cpu = meter.stop();
    return { requests: r.requests, cpu, error: r.error, batchSize: layout.batch.bytes.length };
  } finally {
    await admin.deleteTopic(topic);
  }
}

main(() => runMacro('requests', 'broker CPU per small request: raw Produce and Fetch of one batch each, on one connection', FLAGS, async (ctx) => {
  const rows: Row[] = [];
  const results: unknown[] = [];
  const cells = new Set(ctx.args.list('requests'));
  for (const batchBytes of ctx.args.nums('batch-bytes')) {
    if (cells.has('produce')) {
      process.stdout.write(`  produce, ${batchBytes} B batches, acks=1 ... `);
      const p = await produceCell(ctx, batchBytes);
      rows.push({ request: 'Produce acks=1', batch: `${p.batchSize} B`, ...costCells(p), errors: p.errors });
      results.push({ request: 'produce', batchBytes: p.batchSize, requests: p.requests, cpu: p.cpu, errors: p.errors });
    }
    if (cells.has('fetch')) {
      process.stdout.write(`  fetch, one ${batchBytes} B batch per request ... `);
      const f = await fetchCell(ctx, batchBytes);
      rows.push({ request: 'Fetch, 1 batch', batch: `${f.batchSize} B`, ...costCells(f), errors: f.error ?? 0 });
      results.push({ request: 'fetch', batchBytes: f.batchSize, requests: f.requests, cpu: f.cpu, error: f.error });
    }
  }
  const worst = (kind: string): number | null => {
    const v = rows.filter((r) => String(r.request).startsWith(kind)).map((r) => r['µs/request']).filter((x): x is number => typeof x === 'number');
    return v.length === 0 ? null : Math.max(...v);
  };
  const target = (kind: string, label: string): { target: string; goal: string; measured: string; met: boolean | null } => {
    const w = worst(kind);
    return { target: `broker CPU per ${label}`, goal: '<= 25 µs', measured: w === null ? '-' : `${w.toFixed(1)} µs`, met: w === null ? null : w <= 25 };
  };
  return {
    tables: [{ title: `broker CPU per request (one connection, ${ctx.args.num('in-flight')} in flight, ${ctx.args.num('record-size')} B records)`, rows }],
    targets: [target('Produce', 'Produce request (worst batch size)'), target('Fetch', 'Fetch request of one batch (worst batch size)')],
    notes: [
      'µs/request: broker CPU seconds (user + system, all threads) over the cell / requests answered in it; "of it sys": the kernel\'s part',
      'produce: warm-up included in both the requests and the CPU; fetch: the read only (not the fill)',
      'requests/s: requests / the cell\'s wall time (connect included)',
    ],
    data: { results },
  };
}));
