// Micro: PartitionLog.append of 1 MiB of record batches, as the shard worker does it: one 1 MiB
// batch, or 64 batches of 16 KiB (more index work per byte); with the validation the shard runs
// first (scanBatches: headers and CRC-32C); and with log.flush.interval.messages=1 (fdatasync
// before every append returns). Appends go to the page cache unless synced; each task writes
// into its own temporary directory, removed afterwards.
//
//   node dist/bench/segment-append.js [--time 1000] [--dir /tmp]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { scanBatches, type BatchInfo } from '../src/protocol/records/batch.js';
import { DEFAULT_LOG_CONFIG, PartitionLog, type LogConfig } from '../src/storage/log.js';
import { Args } from './lib/args.js';
import { buildBatch } from './lib/batches.js';
import { MICRO_FLAGS, runMicro, type MicroTask } from './lib/micro.js';

const args = new Args(process.argv.slice(2), [...MICRO_FLAGS, { name: 'dir', help: 'parent of the temporary log directories', default: os.tmpdir() }],
  'segment-append: PartitionLog.append of 1 MiB of batches');

/** 1 MiB made of batches of `batchBytes` each (1 KiB records). */
function mebibyteOf(batchBytes: number): { records: Buffer; batches: BatchInfo[] } {
  const one = buildBatch({ recordSize: 1024, maxBytes: batchBytes }).bytes;
  const count = Math.max(1, Math.floor((1 << 20) / one.length));
  const records = Buffer.concat(Array.from({ length: count }, () => one));
  const scan = scanBatches(records);
  if (scan.code !== 0) throw new Error(`scanBatches: error ${scan.code}`);
  return { records, batches: scan.batches };
}

function appendTask(name: string, batchBytes: number, config: Partial<LogConfig>, validate: boolean): MicroTask {
  const { records, batches } = mebibyteOf(batchBytes);
  let dir = '';
  let log: PartitionLog | null = null;
  return {
    name,
    bytes: records.length,
    beforeAll: () => {
      dir = fs.mkdtempSync(path.join(args.str('dir')!, 'samsa-bench-append-'));
      log = PartitionLog.open(dir, { ...DEFAULT_LOG_CONFIG, ...config });
    },
    fn: () => {
      if (validate) {
        const scan = scanBatches(records);
        return log!.append(records, scan.batches);
      }
      return log!.append(records, batches);
    },
    afterAll: () => {
      log?.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

const segment = { segmentBytes: 256 << 20 };
await runMicro('segment-append', 'PartitionLog.append of 1 MiB (1 KiB records; segments roll at 256 MiB)', args, [
  appendTask('append 1 x 1 MiB batch', 1 << 20, segment, false),
  appendTask('append 64 x 16 KiB batches', 16 << 10, segment, false),
  appendTask('scanBatches + append 1 x 1 MiB', 1 << 20, segment, true),
  appendTask('scanBatches + append 64 x 16 KiB', 16 << 10, segment, true),
  appendTask('append 1 x 1 MiB, fdatasync each', 1 << 20, { ...segment, flushIntervalMessages: 1 }, false),
], ['scanBatches is what the shard runs on a produced frame before appending (header checks + CRC-32C)',
  'page-cache writes unless fdatasync: the disk itself is only in the last row']);
