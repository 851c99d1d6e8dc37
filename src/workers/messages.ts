// The messages that cross between the main thread and a shard worker: one table (ShardOps) of the
// operations, each with its task and what it answers. Record bytes travel by reference: produce
// data sits in the SharedArrayBuffer the frame was read into (named by a number once the worker
// holds it: the frame ring is handed over once, not with every task); fetched data comes back in
// the shard's read arena (shared-ring.ts) or in transferred buffers. Tasks cross on the shard's own
// MessagePort, a round trip's tasks in one message (ShardMessage) answered by one (BatchAnswer[]).
import type { MessagePort } from 'node:worker_threads';
import type { HistogramSnapshot } from '../metrics/histogram.js';
import type { CleanedPass } from '../storage/compaction.js';
import type { LogConfig, RecoveryReport } from '../storage/log.js';
import type { RecordError } from '../storage/log-validator.js';
import type { NetworkThreadData } from '../network/messages.js';

/** A partition is named across threads by "<topic>-<partition>", its directory name. */
export type PartitionKey = string;

/** cleanShutdown: the partition's log dir had the clean shutdown marker at start-up. */
export interface OpenPartition { key: PartitionKey; dir: string; config: LogConfig; cleanShutdown?: boolean }

export interface ProduceItem {
  key: PartitionKey; start: number; length: number; maxMessageBytes: number;
  /** message.timestamp.type=LogAppendTime: the broker stamps each batch with its append time. */
  logAppendTime: boolean;
  /** compression.type as a codec (records/compression.ts): batches in another one are recompressed; -1 or absent (producer) keeps them. */
  compression?: number;
  /** cleanup.policy contains compact: a batch with a record without a key is refused (INVALID_RECORD). */
  compacted?: boolean;
}
/** Produce v8+ record_errors (declared by the validator that finds them). */
export type { RecordError };
export interface ProduceResult {
  errorCode: number; baseOffset: number; logAppendTime: number; logStartOffset: number; logEndOffset: number; records: number; bytes: number;
  /** INVALID_RECORD: the records at fault, and Kafka's summary of them. */
  recordErrors?: RecordError[]; errorMessage?: string;
}

export interface FetchItem {
  key: PartitionKey; fetchOffset: number; maxBytes: number;
  /** 0 read_uncommitted (the default): up to the high watermark; 1 read_committed: below the LSO. */
  isolationLevel?: 0 | 1;
  /** Read into the shard's read arena where it fits; the main thread releases the region once the reply is written (server/request-memory.ts). */
  arena?: boolean;
}
export interface FetchResult {
  errorCode: number; highWatermark: number; lastStableOffset: number; logStartOffset: number;
  /** The stored batches, untouched; a view into a buffer transferred from the worker (null when in the arena). */
  records: Buffer | null;
  /** Where the stored batches are in the read arena instead, and the region's slot to release. */
  inArena?: { slot: number; start: number; length: number };
  /** read_committed: the aborted transactions overlapping the records; read_uncommitted: null. */
  abortedTransactions: { producerId: number; firstOffset: number }[] | null;
  /** The partition holds readable batches past these (below the high watermark, or the LSO for read_committed). */
  more: boolean;
}

export interface ListOffsetsItem {
  key: PartitionKey; timestamp: number;
  /** 1 read_committed: latest is the last stable offset, and no offset at or past it is answered. */
  isolationLevel?: number;
  /** ListOffsets v0: up to this many offsets, answered in oldStyleOffsets (see PartitionLog.legacyOffsetsBefore). */
  maxNumOffsets?: number;
}
export interface ListOffsetsResult { errorCode: number; timestamp: number; offset: number; oldStyleOffsets?: number[] }

/**
 * Every operation a shard serves: its task (what the main thread sends besides the op's name) and
 * its result (what the worker answers). Both ends are typed by this one table: ShardPool.run and
 * scatter answer the result of their task's op, and the worker's dispatch (shard.ts) is checked to
 * answer it.
 */
export interface ShardOps {
  open: { task: { partitions: OpenPartition[] }; result: OpenResult[] };
  /**
   * A port for later tasks (through Piscina): the main thread's, when the pool starts, and each
   * network thread's. waiting: an Int32 the port's thread keeps above 0 while fetches of its may
   * wait; meanwhile the shard tells it of every append other threads make (AppendNotice).
   */
  attach: { task: { port: MessagePort; waiting?: SharedArrayBuffer }; result: true };
  /**
   * The worker serves connections too, as a network thread (samsa.network.threads.colocated):
   * `port` is its line to the main thread; data.shardPorts holds ports to the other shards.
   */
  serve: { task: { data: NetworkThreadData; port: MessagePort }; result: true };
  /** Shared memory the worker keeps from now on, named by `id` in later tasks (the frame ring). */
  share: { task: { id: SharedMemoryId; sab: SharedArrayBuffer }; result: true };
  /** sab: where the items' records lie: the buffer, or the id of one shared before. */
  produce: { task: { sab: SharedArrayBuffer | SharedMemoryId; items: ProduceItem[] }; result: ProduceResult[] };
  /** maxBytes: the response's limit across the items, in their order (Fetch max_bytes, KIP-74). */
  fetch: { task: { items: FetchItem[]; maxBytes?: number }; result: FetchResult[] };
  listOffsets: { task: { items: ListOffsetsItem[] }; result: ListOffsetsResult[] };
  /** Whether each partition was open here (its files are deleted). */
  delete: { task: { keys: PartitionKey[] }; result: boolean[] };
  /** Retention of old segments; with producerIdExpirationMs, expiry of idle producers too. Answers the segments deleted. */
  retention: { task: { nowMs: number; producerIdExpirationMs?: number }; result: number };
  /** Transaction markers (COMMIT/ABORT control batches), one per item. */
  writeTxnMarkers: { task: { items: WriteTxnMarkersItem[] }; result: WriteTxnMarkersResult[] };
  /** The producers of each partition. */
  describeProducers: { task: { keys: PartitionKey[] }; result: DescribeProducersResult[] };
  /** One bounded step of log compaction over the shard's compacted partitions. */
  compact: { task: { nowMs: number }; result: CompactResult };
  /** The shard's counters and its partitions' offsets and sizes, for /metrics. */
  stats: { task: object; result: ShardStats };
  /** New topic configs for open partitions; whether each was open. */
  configure: { task: { items: ConfigureItem[] }; result: boolean[] };
  /** DeleteRecords: moves each log start offset up. */
  deleteRecords: { task: { items: DeleteRecordsItem[] }; result: DeleteRecordsResult[] };
  /** OffsetForLeaderEpoch from each partition's leader epoch cache. */
  epochEndOffsets: { task: { items: EpochEndOffsetItem[] }; result: EpochEndOffsetResult[] };
  /** Each partition's size on disk (DescribeLogDirs); -1: not open here. */
  sizes: { task: { keys: PartitionKey[] }; result: number[] };
  /** Closes every log; answers the log dirs where one was not closed cleanly. */
  close: { task: object; result: string[] };
}

export type ShardOp = keyof ShardOps;
/** A task of one op (or, by default, of any op), as it crosses to the worker. */
export type ShardTask<Op extends ShardOp = ShardOp> = { [K in Op]: { op: K } & ShardOps[K]['task'] }[Op];
export type ShardResult<Op extends ShardOp = ShardOp> = ShardOps[Op]['result'];
/** The ops a caller may give the pool: all but those that go through Piscina itself (attaching ports, serving connections). */
export type QueuedOp = Exclude<ShardOp, 'attach' | 'serve'>;
/** What one round trip sends over a shard's port: tasks, run in their order; answered with a BatchAnswer per task. */
export type ShardMessage = ShardTask<QueuedOp>[];
/** Shared memory the worker was given once (ShardOps.share), by its number. */
export type SharedMemoryId = number;

/** The ops that take items (or keys) and answer one result per item, in their order: what ShardPool.scatter splits by shard. */
export type ItemOp = Exclude<{ [K in ShardOp]: ShardResult<K> extends readonly unknown[] ? K : never }[ShardOp], 'close'>;
export type ItemResult<Op extends ItemOp> = ShardResult<Op>[number];

export interface ConfigureItem { key: PartitionKey; config: LogConfig }
/** offset -1: the high watermark (the log end offset). */
export interface DeleteRecordsItem { key: PartitionKey; offset: number }
export interface DeleteRecordsResult { errorCode: number; lowWatermark: number }
export interface EpochEndOffsetItem { key: PartitionKey; leaderEpoch: number }
export interface EpochEndOffsetResult { errorCode: number; leaderEpoch: number; endOffset: number }

/** Appends other threads made, told to a thread whose fetches may wait: [partition, bytes] pairs. */
export interface AppendNotice { appended: [PartitionKey, number][] }

/** One task's outcome in a round trip: its answer (the result of its op), or the error it threw. */
export type BatchAnswer = { ok: true; value: ShardResult<QueuedOp> } | { ok: false; error: string };

export interface WriteTxnMarkersItem { key: PartitionKey; producerId: number; producerEpoch: number; commit: boolean; coordinatorEpoch: number }
/** offset: where the marker went (-1 when not written); bytes: its size, for the fetch purgatory. */
export interface WriteTxnMarkersResult { errorCode: number; offset: number; bytes: number }

export interface ActiveProducer {
  producerId: number; producerEpoch: number; lastSequence: number; lastTimestamp: number;
  coordinatorEpoch: number; currentTxnStartOffset: number;
}
export interface DescribeProducersResult { errorCode: number; activeProducers: ActiveProducer[] }

export interface CompactResult {
  /** Some partition has a compaction pass under way (or was not reached): run again soon. */
  pending: boolean;
  /** The partitions whose pass finished in this step. */
  cleaned: Array<CleanedPass & { key: PartitionKey }>;
  /** The partitions whose compaction failed (not compacted again until reopened). */
  failed: Array<{ key: PartitionKey; error: string }>;
}

/** Cumulative since the worker started (src/metrics/shard-stats.ts). */
export interface ShardStats {
  busySeconds: number; tasks: number; heapUsedBytes: number; fsync: HistogramSnapshot;
  partitions: PartitionStats[];
}
export interface PartitionStats {
  key: PartitionKey; logStartOffset: number; logEndOffset: number; sizeBytes: number; segments: number;
  /** Appended by Produce (not transaction markers, not batches a retry repeated). */
  bytesIn: number; messagesIn: number;
}

export interface OpenResult extends RecoveryReport { key: PartitionKey; logEndOffset: number; errorCode: number; error?: string }

/** Well-known timestamps of ListOffsets. */
export const LATEST_TIMESTAMP = -1;
export const EARLIEST_TIMESTAMP = -2;
export const MAX_TIMESTAMP = -3;
export const EARLIEST_LOCAL_TIMESTAMP = -4;
export const LATEST_TIERED_TIMESTAMP = -5;
