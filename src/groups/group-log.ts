// The group coordinator's log: the compacted internal topic __consumer_offsets. A group's records
// live in one partition, chosen as Kafka chooses it (the Java hash of the group id); they are
// appended through the owning shard like any produce, and read back in full at start-up.
import type { Cluster } from '../cluster/cluster.js';
import type { BrokerConfig } from '../config/index.js';
import type { Logger } from '../log.js';
import { ErrorCode } from '../protocol/errors.js';
import { buildRecordBatch } from '../protocol/records/build.js';
import { readRecords } from '../protocol/records/read.js';
import { TRANSACTIONAL_FLAG_MASK, lastOffsetDeltaAt, readBaseOffset } from '../protocol/records/batch.js';
import type { ProduceItem } from '../workers/messages.js';
import { partitionKey, type ShardPool } from '../workers/pool.js';

export const GROUP_METADATA_TOPIC = '__consumer_offsets';

export interface LogRecord { key: Buffer; value: Buffer | null }

/** Where a replayed record came from; control records are transaction markers. */
export interface LoadedBatch { partition: number; timestamp: number; producerId: number; isTransactional: boolean; isControl: boolean }

/** A control record's key: int16 version, int16 type (0 abort, 1 commit). */
export function isCommitMarker(key: Buffer): boolean {
  return key.length >= 4 && key.readInt16BE(2) === 1;
}

/** Java's String.hashCode, as Kafka hashes group ids (and transactional ids) to partitions. */
export function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/** Kafka's Utils.abs(hash) % partitions. */
export function partitionForKey(key: string, partitions: number): number {
  const h = javaStringHash(key);
  return (h === -2147483648 ? 0 : Math.abs(h)) % partitions;
}

const LOAD_CHUNK_BYTES = 4 * 1024 * 1024;

/** One internal, compacted topic the broker writes its own records to (groups, transactions). */
export class CoordinatorLog {
  private ready: Promise<number> | null = null;
  private partitions = 0;

  constructor(
    readonly topic: string,
    private readonly wantedPartitions: number,
    private readonly segmentBytes: number,
    private readonly cluster: Cluster,
    private readonly shards: ShardPool,
    private readonly config: BrokerConfig,
    private readonly logger: Logger,
  ) {}

  /** The topic's partition count once it exists (an existing topic keeps the count it was made with). */
  get partitionCount(): number { return this.partitions; }

  partitionFor(key: string): number {
    return partitionForKey(key, this.partitions);
  }

  /**
   * Creates the topic on first use, as Kafka does on the first FindCoordinator. NONE or an error
   * code. Only success is kept: a failure (a full disk, say) is answered to the requests waiting on
   * this attempt, and the next request tries again.
   */
  ensure(): Promise<number> {
    if (this.ready !== null) return this.ready;
    const attempt: Promise<number> = this.create().then((errorCode) => {
      if (errorCode !== ErrorCode.NONE && this.ready === attempt) this.ready = null;
      return errorCode;
    });
    this.ready = attempt;
    return attempt;
  }

  private async create(): Promise<number> {
    try {
      const outcome = await this.cluster.ensureTopic(this.topic, this.wantedPartitions, true, {
        'cleanup.policy': 'compact', 'segment.bytes': String(this.segmentBytes),
      });
      if (outcome.errorCode === ErrorCode.NONE && outcome.topic !== undefined) {
        this.partitions = outcome.topic.partitions;
        return ErrorCode.NONE;
      }
      this.logger.error({ topic: this.topic, errorCode: outcome.errorCode, error: outcome.errorMessage }, 'could not create a coordinator topic; the next request tries again');
      return outcome.errorCode === ErrorCode.NONE ? ErrorCode.COORDINATOR_NOT_AVAILABLE : outcome.errorCode;
    } catch (err) {
      this.logger.error({ topic: this.topic, err }, 'could not create a coordinator topic; the next request tries again');
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    }
  }

  /** Whether the topic exists already (then start-up loads it). */
  exists(): boolean {
    const topic = this.cluster.topics.get(this.topic);
    if (topic !== undefined) this.partitions = topic.partitions;
    return topic !== undefined;
  }

  /**
   * Appends the records as one batch to the partition of `key`. Answers an error code. With a
   * producer, the batch is transactional (TxnOffsetCommit): it counts once its transaction commits.
   */
  async append(key: string, records: LogRecord[], producer?: { producerId: number; producerEpoch: number }): Promise<number> {
    if (records.length === 0) return ErrorCode.NONE;
    const ready = await this.ensure();
    if (ready !== ErrorCode.NONE) return ready;
    const partition = this.partitionFor(key);
    const batch = buildRecordBatch({
      timestamp: Date.now(), records: records.map((r) => ({ key: r.key, value: r.value })),
      ...(producer === undefined ? {} : { producerId: producer.producerId, producerEpoch: producer.producerEpoch, attributes: TRANSACTIONAL_FLAG_MASK }),
    });
    const sab = new SharedArrayBuffer(batch.length);
    batch.copy(Buffer.from(sab));
    const item: ProduceItem = {
      key: partitionKey(this.topic, partition), start: 0, length: batch.length,
      maxMessageBytes: Math.max(this.config.messageMaxBytes, batch.length), logAppendTime: false,
    };
    const [result] = await this.shards.scatter(
      [item], () => this.cluster.shardFor(this.topic, partition), (list) => ({ op: 'produce', sab, items: list }),
    );
    if (result === undefined) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    // Kafka answers a failed coordinator write with a retriable coordinator error.
    return result.errorCode === ErrorCode.NONE ? ErrorCode.NONE : ErrorCode.COORDINATOR_NOT_AVAILABLE;
  }

  /** Reads every record of every partition, oldest first, into `visit`. */
  async load(visit: (record: LogRecord, batch: LoadedBatch) => void): Promise<void> {
    if (!this.exists()) return;
    for (let p = 0; p < this.partitions; p++) {
      const key = partitionKey(this.topic, p);
      let offset = 0;
      for (;;) {
        const [r] = await this.shards.scatter(
          [{ key, fetchOffset: offset, maxBytes: LOAD_CHUNK_BYTES }], () => this.cluster.shardFor(this.topic, p), (list) => ({ op: 'fetch', items: list }),
        );
        if (r === undefined || r.errorCode !== ErrorCode.NONE) throw new Error(`could not read ${key} at offset ${offset}: error ${r?.errorCode}`);
        if (r.records === null || r.records.length === 0 || offset >= r.highWatermark) break;
        // Fetched bytes cross from the worker as a plain Uint8Array.
        const records = Buffer.from(r.records.buffer, r.records.byteOffset, r.records.byteLength);
        const next = nextOffsetAfter(records, offset);
        for (const rec of readRecords(records)) {
          if (rec.offset < offset || rec.key === null) continue;
          visit({ key: rec.key, value: rec.value }, {
            partition: p, timestamp: rec.timestamp, producerId: rec.batch.producerId,
            isTransactional: rec.batch.isTransactional, isControl: rec.batch.isControl,
          });
        }
        if (next <= offset) break;
        offset = next;
      }
    }
  }
}

/** The offset after the last complete batch in a fetch result. */
function nextOffsetAfter(records: Buffer, from: number): number {
  let next = from;
  let position = 0;
  while (position + 12 <= records.length) {
    const size = 12 + records.readInt32BE(position + 8);
    if (size < 61 || position + size > records.length) break;
    next = readBaseOffset(records, position) + lastOffsetDeltaAt(records, position) + 1;
    position += size;
  }
  return next;
}
