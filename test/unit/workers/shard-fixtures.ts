// Shard pool fixtures for the unit tests of test/unit/workers: a produce task of one built batch,
// and partitions opened on their shards in a directory.
import assert from 'node:assert/strict';
import path from 'node:path';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { buildRecordBatch } from '../../../src/protocol/records/build.js';
import type { LogConfig } from '../../../src/storage/log.js';
import type { ShardTask } from '../../../src/workers/messages.js';
import { partitionKey, type ShardPool } from '../../../src/workers/pool.js';

const CONFIG: LogConfig = {
  segmentBytes: 1 << 20, segmentMs: 604_800_000, retentionMs: -1, retentionBytes: -1,
  flushIntervalMessages: Number.MAX_SAFE_INTEGER, indexIntervalBytes: 4096,
};

/** A produce task of one batch of `count` records to `key`, in shared memory of its own or at the start of `sab`. */
export function produceTask(key: string, count: number, sab?: SharedArrayBuffer): ShardTask<'produce'> {
  const batch = buildRecordBatch({ timestamp: Date.now(), records: Array.from({ length: count }, (_, i) => ({ key: null, value: Buffer.from(`v${i}`) })) });
  const memory = sab ?? new SharedArrayBuffer(batch.length);
  batch.copy(Buffer.from(memory));
  return { op: 'produce', sab: memory, items: [{ key, start: 0, length: batch.length, maxMessageBytes: 1 << 20, logAppendTime: false }] };
}

/** Opens the topic's partitions on their shards; answers their keys. */
export async function openPartitions(pool: ShardPool, dir: string, topic: string, partitions: number): Promise<string[]> {
  const ps = Array.from({ length: partitions }, (_, p) => p);
  const opened = await pool.scatter(ps, (p) => pool.shardFor(topic, p), (list) => ({
    op: 'open', partitions: list.map((p) => ({ key: partitionKey(topic, p), dir: path.join(dir, partitionKey(topic, p)), config: CONFIG })),
  }));
  assert.deepEqual(opened.map((o) => o.errorCode), ps.map(() => ErrorCode.NONE));
  return ps.map((p) => partitionKey(topic, p));
}
