// Restart time of a large log: how long start-up recovery takes (the start-up line's recoveryMs)
// after a clean stop (SIGTERM: the clean shutdown marker, no scan) and after kill -9 (every active
// segment scanned batch by batch). The log is written straight into the partition directories of a
// topic the broker created (valid v2 batches, 1 KiB records), so that writing gigabytes costs only
// the disk; the first start then has no indexes and no producer snapshots and rebuilds them all.
// Deletes its data directory at the end. Not part of `npm run bench` (it writes --gib GiB).
//
//   node dist/bench/restart.js --gib 10 --partitions 10
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeBaseOffset } from '../src/protocol/records/batch.js';
import { buildRecordBatch } from '../src/protocol/records/build.js';
import { CLEAN_SHUTDOWN_FILE } from '../src/storage/clean-shutdown.js';
import { LOG_SUFFIX, segmentPath } from '../src/storage/file-names.js';
import { BrokerProcess } from '../test/helpers/broker.js';
import { Admin } from './lib/admin.js';
import { Args } from './lib/args.js';
import { printTable, writeResults, type Row } from './lib/report.js';

const args = new Args(process.argv.slice(2), [
  { name: 'gib', help: 'GiB of record batches in all', default: '10' },
  { name: 'partitions', help: 'partitions they are spread over', default: '10' },
  { name: 'segment-bytes', help: 'log.segment.bytes', default: '1073741824' },
  { name: 'batch-bytes', help: 'about this many bytes per batch (1 KiB records)', default: '65536' },
  { name: 'rounds', help: 'clean and kill -9 restarts each', default: '2' },
  { name: 'workers', help: 'samsa.worker.threads', default: String(Math.max(1, os.cpus().length)) },
  { name: 'dir', help: 'where the data directory is made', default: os.tmpdir() },
  { name: 'cold', help: 'drop the partitions\' files from the page cache before each start (GNU dd iflag=nocache), as after a reboot' },
], 'node dist/bench/restart.js [flags]');

const TOPIC = 'restart-bench';
const gib = args.num('gib');
const partitions = args.num('partitions');
const segmentBytes = args.num('segment-bytes');
const records = Math.max(1, Math.floor(args.num('batch-bytes') / 1024));
const bytesPerPartition = Math.floor((gib * 2 ** 30) / partitions);

/** Fills one partition directory with segments of whole batches; answers the offsets written. */
function writePartition(dir: string, batch: Buffer, perBatch: number): number {
  for (const name of fs.readdirSync(dir)) {
    if (/\.(log|index|timeindex|txnindex|snapshot)$/.test(name)) fs.rmSync(path.join(dir, name));
  }
  const perChunk = Math.max(1, Math.floor((4 << 20) / batch.length));
  const chunk = Buffer.concat(Array.from({ length: perChunk }, () => batch));
  let offset = 0;
  let written = 0;
  while (written + batch.length <= bytesPerPartition) {
    const fd = fs.openSync(segmentPath(dir, offset, LOG_SUFFIX), 'w');
    let size = 0;
    while (written + batch.length <= bytesPerPartition && size + batch.length <= segmentBytes) {
      const n = Math.min(perChunk, Math.floor((segmentBytes - size) / batch.length), Math.floor((bytesPerPartition - written) / batch.length));
      for (let i = 0; i < n; i++) writeBaseOffset(chunk, i * batch.length, offset + i * perBatch);
      fs.writeSync(fd, chunk, 0, n * batch.length, size);
      size += n * batch.length;
      written += n * batch.length;
      offset += n * perBatch;
    }
    fs.fdatasyncSync(fd);
    fs.closeSync(fd);
  }
  return offset;
}

/** Evicts the partitions' files (clean pages only: they are all synced) from the page cache, this run's files alone. */
function dropFromPageCache(dir: string): void {
  for (const sub of fs.readdirSync(dir)) {
    if (!sub.startsWith(`${TOPIC}-`)) continue;
    for (const name of fs.readdirSync(path.join(dir, sub))) {
      execFileSync('dd', [`if=${path.join(dir, sub, name)}`, 'iflag=nocache', 'count=0', 'status=none']);
    }
  }
}

function recoveryOf(broker: BrokerProcess): { recoveryMs: number; scannedBytes: number; skippedScans: number; rebuiltIndexes: number } {
  const json = (msg: string): Record<string, unknown> => JSON.parse(broker.output.find((l) => l.includes(`"msg":"${msg}"`))!) as Record<string, unknown>;
  const started = json('samsa started');
  const done = json('recovery done');
  return { recoveryMs: Number(started.recoveryMs), scannedBytes: Number(done.scannedBytes), skippedScans: Number(done.skippedScans), rebuiltIndexes: Number(done.rebuiltIndexes) };
}

const dataDir = fs.mkdtempSync(path.join(args.str('dir')!, 'samsa-restart-bench-'));
const options = { dataDir, startTimeoutMs: 600_000, overrides: { 'log.segment.bytes': segmentBytes, 'samsa.worker.threads': args.num('workers') } };
const rows: Row[] = [];
let broker: BrokerProcess | undefined;
try {
  broker = await BrokerProcess.start(options);
  const admin = await Admin.connect(broker.host, broker.port);
  await admin.createTopic(TOPIC, partitions);
  admin.conn.close();
  await broker.stop();

  const batch = buildRecordBatch({
    timestamp: Date.now(),
    records: Array.from({ length: records }, (_, i) => ({ key: Buffer.from(`key-${i}`), value: Buffer.alloc(1000, 0x61 + (i % 26)) })),
  });
  const writeStarted = Date.now();
  let offsets = 0;
  for (let p = 0; p < partitions; p++) offsets += writePartition(path.join(dataDir, `${TOPIC}-${p}`), batch, records);
  // the files changed behind the broker's back: its marker no longer holds
  fs.rmSync(path.join(dataDir, CLEAN_SHUTDOWN_FILE), { force: true });
  const totalBytes = partitions * Math.floor(bytesPerPartition / batch.length) * batch.length;
  console.log(`wrote ${(totalBytes / 2 ** 30).toFixed(2)} GiB (${offsets} records in ${batch.length}-byte batches) in ${((Date.now() - writeStarted) / 1000).toFixed(1)} s`);

  const measure = async (what: string, stop: 'clean' | 'kill' | null): Promise<void> => {
    const stopStarted = Date.now();
    if (stop === 'clean') await broker!.stop();
    if (stop === 'kill') await broker!.kill();
    const stopMs = Date.now() - stopStarted;
    if (args.bool('cold')) dropFromPageCache(dataDir);
    broker = await BrokerProcess.start({ ...options, port: broker!.port });
    const r = recoveryOf(broker);
    rows.push({ restart: what, 'stop ms': stop === null ? null : stopMs, 'recoveryMs': r.recoveryMs, 'scanned GiB': r.scannedBytes / 2 ** 30, 'partitions not scanned': r.skippedScans, 'indexes rebuilt': r.rebuiltIndexes });
    console.log(JSON.stringify(rows.at(-1)));
  };
  await broker.kill();
  await measure('first start (no indexes, no snapshots)', null);
  for (let round = 0; round < args.num('rounds'); round++) {
    await measure('after a clean stop (SIGTERM)', 'clean');
    await measure('after kill -9', 'kill');
  }
  printTable(`restart of ${(totalBytes / 2 ** 30).toFixed(2)} GiB in ${partitions} partitions (log.segment.bytes ${segmentBytes}, ${broker.options.overrides!['samsa.worker.threads']} shard workers, ${args.bool('cold') ? 'cold' : 'warm'} page cache)`, rows);
  writeResults('restart', { gib, partitions, segmentBytes, batchBytes: batch.length, cold: args.bool('cold'), rows });
} finally {
  await broker?.kill();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
