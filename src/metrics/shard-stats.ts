// What a shard worker counts for /metrics, kept in plain numbers so the produce path allocates
// nothing for it: bytes and messages appended per partition, the time spent running tasks, and
// fsync times. The worker creates one ShardProbe and hands each log it opens the probe of its
// partition (storage/probe.ts), through which the log reports its appends and flushes. The main
// thread asks for a snapshot when /metrics is scraped (the `stats` task); counters are cumulative
// since the worker started, so a snapshot can be lost or repeated without losing or doubling a
// count. Each partition belongs to one worker, so the main thread adds the workers' snapshots up
// without overlap.
import { getHeapStatistics } from 'node:v8';
import type { PartitionLog } from '../storage/log.js';
import type { StorageProbe } from '../storage/probe.js';
import type { PartitionKey, PartitionStats, ShardStats } from '../workers/messages.js';
import { FSYNC_SECONDS_BUCKETS, HistogramCounts } from './histogram.js';

interface Traffic { bytesIn: number; messagesIn: number }

export class ShardProbe {
  private readonly traffic = new Map<PartitionKey, Traffic>();
  /** The fsync time of this shard's segment flushes, all partitions together. */
  private readonly fsyncSeconds = new HistogramCounts(FSYNC_SECONDS_BUCKETS);
  private busySeconds = 0;
  private tasks = 0;

  /** The probe for the partition's log: its producer appends counted under its key, its flushes in the shard's fsync histogram. */
  partition(key: PartitionKey): StorageProbe {
    return {
      fsync: (seconds) => this.fsyncSeconds.observe(seconds),
      appended: (bytes, records) => this.countAppend(key, bytes, records),
    };
  }

  /** A produce append of `messages` records in `bytes` bytes to the partition. */
  private countAppend(key: PartitionKey, bytes: number, messages: number): void {
    let t = this.traffic.get(key);
    if (t === undefined) this.traffic.set(key, t = { bytesIn: 0, messagesIn: 0 });
    t.bytesIn += bytes;
    t.messagesIn += messages;
  }

  /** A partition deleted: its counts go with it. */
  forget(key: PartitionKey): void {
    this.traffic.delete(key);
  }

  /** A task ran for `ms` milliseconds. */
  countTask(ms: number): void {
    this.busySeconds += ms / 1000;
    this.tasks++;
  }

  stats(logs: ReadonlyMap<PartitionKey, Pick<PartitionLog, 'logStartOffset' | 'logEndOffset' | 'sizeInBytes' | 'segmentCount'>>): ShardStats {
    const partitions: PartitionStats[] = [];
    for (const [key, log] of logs) {
      const t = this.traffic.get(key);
      partitions.push({
        key, logStartOffset: log.logStartOffset, logEndOffset: log.logEndOffset, sizeBytes: log.sizeInBytes, segments: log.segmentCount,
        bytesIn: t?.bytesIn ?? 0, messagesIn: t?.messagesIn ?? 0,
      });
    }
    return {
      busySeconds: this.busySeconds, tasks: this.tasks, heapUsedBytes: getHeapStatistics().used_heap_size,
      fsync: this.fsyncSeconds.snapshot(), partitions,
    };
  }
}
