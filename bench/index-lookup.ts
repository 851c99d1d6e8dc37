// Micro: finding an offset in a log of many small batches. OffsetIndex.lookup alone (binary
// search over the in-memory entries), then PartitionLog.read at random offsets: segment binary
// search, index lookup, the walk over batch headers (one pread each) from the indexed position,
// and the read itself (a few bytes, or 1 MiB).
//
//   node dist/bench/index-lookup.js [--time 1000] [--batches 200000]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { scanBatches } from '../src/protocol/records/batch.js';
import { DEFAULT_LOG_CONFIG, PartitionLog } from '../src/storage/log.js';
import { OffsetIndex } from '../src/storage/offset-index.js';
import { Args } from './lib/args.js';
import { buildBatch } from './lib/batches.js';
import { MICRO_FLAGS, runMicro } from './lib/micro.js';

const args = new Args(process.argv.slice(2), [
  ...MICRO_FLAGS,
  { name: 'batches', help: 'single-record batches in the log', default: '200000' },
  { name: 'record-size', help: 'record value size in bytes', default: '100' },
  { name: 'dir', help: 'parent of the temporary log directory', default: os.tmpdir() },
], 'index-lookup: OffsetIndex.lookup and PartitionLog.read at random offsets');

const total = args.num('batches');
const dir = fs.mkdtempSync(path.join(args.str('dir')!, 'samsa-bench-index-'));
const config = { ...DEFAULT_LOG_CONFIG, segmentBytes: 8 << 20 };
const log = PartitionLog.open(dir, config);
const one = buildBatch({ recordSize: args.num('record-size'), records: 1 }).bytes;
const PER_APPEND = 1000;
const chunk = Buffer.concat(Array.from({ length: PER_APPEND }, () => one));
for (let appended = 0; appended < total; appended += PER_APPEND) {
  const records = Buffer.from(chunk);
  log.append(records, scanBatches(records).batches);
}
const logBytes = log.sizeInBytes;

// a standalone index with one entry per indexIntervalBytes, like a full 1 GiB segment's
const indexDir = fs.mkdtempSync(path.join(args.str('dir')!, 'samsa-bench-offset-index-'));
const index = new OffsetIndex(path.join(indexDir, '00000000000000000000.index'), 0);
const ENTRIES = (1 << 30) / DEFAULT_LOG_CONFIG.indexIntervalBytes;
for (let i = 0; i < ENTRIES; i++) index.append(i * 24, i * 4096);

const RANDOM = 1 << 14;
const offsets = Array.from({ length: RANDOM }, () => Math.floor(Math.random() * log.logEndOffset));
const indexOffsets = Array.from({ length: RANDOM }, () => Math.floor(Math.random() * ENTRIES * 24));
let i = 0;
const next = (list: number[]): number => list[i++ & (RANDOM - 1)]!;

try {
  await runMicro('index-lookup', `offset lookups: a log of ${total} batches (${(logBytes / 2 ** 20).toFixed(1)} MiB, ${log.segmentCount} segments of <= 8 MiB, index entry every 4096 bytes)`, args, [
    { name: `OffsetIndex.lookup, ${ENTRIES} entries (a full 1 GiB segment)`, fn: () => index.lookup(next(indexOffsets)) },
    { name: 'PartitionLog.read(random offset, 1 byte) = find the batch', fn: () => log.read(next(offsets), 1) },
    { name: 'PartitionLog.read(random offset, 64 KiB)', bytes: 64 << 10, fn: () => log.read(next(offsets), 64 << 10) },
    { name: 'PartitionLog.read(random offset, 1 MiB)', bytes: 1 << 20, fn: () => log.read(next(offsets), 1 << 20) },
  ], ['read(…, 1 byte) answers the first whole batch: the cost of finding it (segment search, index lookup, header preads)',
    'MB/s of the reads counts the bytes asked for; all reads come from the page cache']);
} finally {
  log.close();
  index.closeFd();
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(indexDir, { recursive: true, force: true });
}
