// What a shard worker counts for /metrics, kept in plain numbers so the produce path allocates
// nothing for it: bytes and messages appended per partition, the time spent running tasks, and
// (histogram.ts) fsync times. The main thread asks for a snapshot when /metrics is scraped
// (the `stats` task); counters are cumulative since the worker started, so a snapshot can be
// lost or repeated without losing or doubling a count. Each partition belongs to one worker, so
// the main thread adds the workers' snapshots up without overlap.
import { getHeapStatistics } from 'node:v8';
import type { PartitionLog } from '../storage/log.js';
import type { PartitionKey, PartitionStats, ShardStats } from '../workers/messages.js';
import { fsyncSeconds } from './histogram.js';

interface Traffic { bytesIn: number; messagesIn: number }

const traffic = new Map<PartitionKey, Traffic>();
let busySeconds = 0;
let tasks = 0;

/** A produce append of `messages` records in `bytes` bytes to the partition. */
export function countAppend(key: PartitionKey, bytes: number, messages: number): void {
  let t = traffic.get(key);
  if (t === undefined) traffic.set(key, t = { bytesIn: 0, messagesIn: 0 });
  t.bytesIn += bytes;
  t.messagesIn += messages;
}

/** A partition deleted: its counts go with it. */
export function forgetPartition(key: PartitionKey): void {
  traffic.delete(key);
}

/** A task ran for `ms` milliseconds. */
export function countTask(ms: number): void {
  busySeconds += ms / 1000;
  tasks++;
}

export function shardStats(logs: ReadonlyMap<PartitionKey, PartitionLog>): ShardStats {
  const partitions: PartitionStats[] = [];
  for (const [key, log] of logs) {
    const t = traffic.get(key);
    partitions.push({
      key, logStartOffset: log.logStartOffset, logEndOffset: log.logEndOffset, sizeBytes: log.sizeInBytes, segments: log.segmentCount,
      bytesIn: t?.bytesIn ?? 0, messagesIn: t?.messagesIn ?? 0,
    });
  }
  return { busySeconds, tasks, heapUsedBytes: getHeapStatistics().used_heap_size, fsync: fsyncSeconds.snapshot(), partitions };
}
