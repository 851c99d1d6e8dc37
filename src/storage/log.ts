// The partition log: an ordered list of segments in one directory, of which only the last (active)
// one is appended to. It assigns offsets, rolls segments by size, age and offset range, serves reads
// and timestamp lookups across segments, applies retention to whole closed segments, compacts closed
// segments (cleanup.policy=compact, see compaction.ts), and recovers the directory on open.
// Synchronous by design, but for the flushes of rolled segments (below): one worker thread owns a
// partition.
//
// It also keeps the partition's producer state (producer-state.ts): every appended batch with a
// producer id updates it, transaction markers end transactions (an aborted one goes into the
// .txnindex of the marker's segment), and the ongoing transactions give the last stable offset
// (LSO), below which a read_committed read stays. The state is snapshotted (producer-snapshot.ts)
// when a segment rolls and on close; open loads the latest snapshot at or below the log end offset
// and replays the batch headers after it, rebuilding the .txnindex entries of that range.
//
// Directory: <baseOffset:20 digits>.log/.index/.timeindex(/.txnindex) per segment,
// <offset:20 digits>.snapshot (see file-names.ts), leader-epoch-checkpoint, log-start-offset-checkpoint
// and recovery-point-checkpoint (checkpoint.ts). logStartOffset is the first segment's base offset, or
// more when DeleteRecords moved it inside that segment (then it is in the checkpoint file, so it
// survives restarts); logEndOffset is the active segment's next offset. The leader epoch cache
// keeps where each leader epoch started (batches keep the epoch their producer wrote).
// Retention deletes whole segments, oldest first: those past retention.ms or beyond retention.bytes,
// and those wholly below the log start offset; the active one too when it qualifies and holds
// records (it is rolled first, as Kafka does, so appends go on at the same log end offset in a new
// empty segment). Compaction leaves offset gaps in closed segments, never in the active one.
//
// Flushes and recovery, as Kafka's: a roll does not sync the segment it closes on this thread; it
// schedules its flush (fdatasync of the .log and its indexes, with the producer state snapshot taken
// at the roll and the directory) on a SegmentFlusher, off the thread (segment-flusher.ts), and
// appends go on. The recovery-point-checkpoint (checkpoint.ts) says where
// a scan after a crash must start: before the roll it is moved to the rolled segment's start unless
// it already lies in that segment or before it, and once the flushes of every closed segment have
// completed it moves to the active segment's start (everything before it durable); a flush of the
// active segment (flush.messages) moves it into the active segment, and only then. So the point
// only moves forward. On open, segments before the point's segment are trusted (their indexes when
// consistent, else rebuilt), the point's segment is scanned from the point and every later one in
// full, closed ones included; a dir without the file trusts every closed segment and scans the
// active one. After a clean shutdown (clean-shutdown.ts) the active segment is not scanned either.
// close() completes pending flushes on this thread before it returns; a flush that fails is logged
// and leaves the point where it was; the flush of a segment deleted meanwhile (retention,
// DeleteRecords, compaction) or of a closed log changes nothing. What recovery did is in `recovery`.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ErrorCode } from '../protocol/errors.js';
import {
  CONTROL_FLAG_MASK, PRODUCER_EPOCH_OFFSET, PRODUCER_ID_OFFSET, ATTRIBUTES_OFFSET, BASE_SEQUENCE_OFFSET,
  type BatchInfo, batchSizeAt, lastOffsetDeltaAt, maxTimestampAt, readBaseOffset, readInt64, scanBatches,
} from '../protocol/records/batch.js';
import { buildControlBatch } from '../protocol/records/build.js';
import { readTxnMarker } from '../protocol/records/read.js';
import { CLEANER_BUDGET_BYTES, IDLE_REPORT, LogCleaner, completeSwaps, type CompactionReport } from './compaction.js';
import { LOG_SUFFIX, isTempFileName, parseSegmentFileName, segmentPath } from './file-names.js';
import { deleteOldSnapshots, loadLatestSnapshot, snapshotPath, writeSnapshot } from './producer-snapshot.js';
import { ProducerStateManager, type ProducerBatch } from './producer-state.js';
import {
  LOG_START_OFFSET_CHECKPOINT, type RecoveryPoint, readCheckpoint, readRecoveryPoint, writeCheckpoint, writeRecoveryPoint,
} from './checkpoint.js';
import { LEADER_EPOCH, LeaderEpochCache } from './leader-epoch.js';
import { syncDir } from './durable-file.js';
import { Segment } from './segment.js';
import { ASYNC_FLUSHER, type SegmentFlusher } from './segment-flusher.js';
import type { LogConfig } from './log-config.js';
import { validateRecords, type AppendOptions, type Refusal } from './log-validator.js';
import { NO_PROBE, type StorageProbe } from './probe.js';
import type { AbortedTxn } from './txn-index.js';

export { DEFAULT_LOG_CONFIG, type LogConfig } from './log-config.js';

export interface RecoveryReport {
  /** Bytes cut from torn or corrupt tails, plus later segments dropped after a corrupt closed one. */
  truncatedBytes: number;
  /** Bytes validated batch by batch (the active segment, and closed ones whose indexes were rebuilt). */
  scannedBytes: number;
  /** Closed segments whose indexes were rebuilt: missing or inconsistent, or at or after the recovery point. */
  rebuiltIndexes: number;
  /** Where the log was cut (its log end offset after the truncation); -1 when nothing was. */
  truncatedFromOffset: number;
  /** After a clean shutdown: the active segment was not scanned, its indexes were trusted. */
  skippedScan: boolean;
  /**
   * After a crash: the scan started at this recovery point, inside the active segment or at the start
   * of a closed one whose flush had not completed (-1: the active segment was scanned from its start).
   */
  recoveryPointOffset: number;
  /** The producer state snapshot it started from (-1: none, replayed from the log start)... */
  producerSnapshotOffset: number;
  /** ...and the batch headers replayed after it. */
  replayedBatches: number;
}

/** What an open found before it looked: nothing done (also the report of a log that could not be opened). */
export const NO_RECOVERY: Readonly<RecoveryReport> = {
  truncatedBytes: 0, scannedBytes: 0, rebuiltIndexes: 0, truncatedFromOffset: -1, skippedScan: false, recoveryPointOffset: -1,
  producerSnapshotOffset: -1, replayedBatches: 0,
};

/**
 * What an append from a producer did (appendAsLeader), with the log's offsets after it; on a
 * refusal the base offset is -1 and the counts 0.
 */
export interface LeaderAppend extends Refusal {
  baseOffset: number;
  /** The time stamped into the batches (message.timestamp.type=LogAppendTime), else -1. */
  logAppendTime: number;
  logStartOffset: number;
  logEndOffset: number;
  /** Records and bytes appended (0 for a refusal or a duplicate). */
  records: number;
  bytes: number;
}

/** How often a flush also writes the recovery point (Kafka's log.flush.offset.checkpoint.interval.ms default). */
const RECOVERY_POINT_INTERVAL_MS = 60_000;

/** Index entries hold int32 relative offsets and positions. */
const MAX_RELATIVE_OFFSET = 0x7fffffff;
const MAX_SEGMENT_BYTES = 0x7fffffff;


export class PartitionLog {
  readonly dir: string;
  /** "<topic>-<partition>", as Kafka reads it from the directory's name (for error messages). */
  readonly topicPartition: string;
  readonly recovery: RecoveryReport = { ...NO_RECOVERY };
  private readonly config: LogConfig;
  private readonly now: () => number;
  private readonly segments: Segment[] = [];
  private active!: Segment;
  private totalBytes = 0;
  private messagesSinceFlush = 0;
  /** Set when a failed append left the disk in a state it could not undo; appends then throw it. */
  private failure: Error | null = null;
  private closed = false;
  private readonly found = { offset: 0, timestamp: 0 };
  private readonly cleaner: LogCleaner;
  /** Set when a compaction failed: this log is not compacted again until it is reopened. */
  private cleanerFailed = false;
  /** Idempotent and transactional producers of this partition. */
  readonly producers = new ProducerStateManager();
  /** When flush() last wrote the recovery point. */
  private recoveryPointWrittenMs = -Infinity;
  /** The offset of the latest producer state snapshot; -1 when there is none. */
  private snapshotOffset = -1;
  /** The log start offset as DeleteRecords last set it (the first segment's base offset may pass it). */
  private startOffset = 0;
  /** Leader epochs and their start offsets (leader-epoch-checkpoint). */
  leaderEpochs!: LeaderEpochCache;
  /**
   * Closed segments whose flush (scheduled when they rolled) has not completed: 'pending', or
   * 'failed' for good (a retried fdatasync may report success for pages it lost). While any is here
   * the recovery point stays at or before the first of them.
   */
  private readonly unflushed = new Map<Segment, 'pending' | 'failed'>();
  /** The segment base offset of the recovery point on disk, or on its way there; -1 when there is no file. */
  private pointSegment = -1;
  /** A point write off the thread is under way (writeActiveStartPoint), and the one to write after it. */
  private pointInFlight = false;
  private nextPoint: RecoveryPoint | null = null;

  private constructor(dir: string, config: LogConfig, now: () => number, private readonly probe: StorageProbe,
    private readonly flusher: SegmentFlusher) {
    this.dir = dir;
    this.topicPartition = path.basename(dir);
    this.config = config;
    this.now = now;
    const log = this;
    this.cleaner = new LogCleaner({
      dir, config, segments: this.segments,
      replaceSegment: (old, fresh) => this.replaceSegment(old, fresh),
      get lastStableOffset() { return log.lastStableOffset; },
      abortedTransactions: (from, to) => this.collectAbortedTransactions(from, to),
    });
  }

  /**
   * Opens and recovers the log in `dir`. cleanShutdown: its log dir had the clean shutdown marker
   * (clean-shutdown.ts), so the active segment's indexes are trusted instead of scanning its records,
   * when they agree with its batch headers (Segment.adoptActiveIndexes); else it is scanned as after a crash.
   * probe: where the log reports its flush times and producer appends (its owner's). flusher: what
   * syncs rolled segments off this thread (segment-flusher.ts).
   */
  static open(dir: string, config: LogConfig, now: () => number = Date.now, cleanShutdown = false, probe: StorageProbe = NO_PROBE,
    flusher: SegmentFlusher = ASYNC_FLUSHER): PartitionLog {
    const log = new PartitionLog(dir, config, now, probe, flusher);
    fs.mkdirSync(dir, { recursive: true });
    log.load(cleanShutdown);
    return log;
  }

  get logStartOffset(): number {
    return Math.max(this.startOffset, this.segments[0]!.baseOffset);
  }

  get logEndOffset(): number {
    return this.active.nextOffset;
  }

  /** The first offset of the oldest ongoing transaction, or the log end offset when none is. */
  get lastStableOffset(): number {
    const first = this.producers.firstUnstableOffset();
    return first < 0 ? this.logEndOffset : Math.max(first, this.logStartOffset);
  }

  get sizeInBytes(): number {
    return this.totalBytes;
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  private load(cleanShutdown: boolean): void {
    completeSwaps(this.dir);
    const names = fs.readdirSync(this.dir);
    const bases: number[] = [];
    for (const name of names) {
      const parsed = parseSegmentFileName(name);
      if (parsed !== null && parsed.suffix === LOG_SUFFIX) bases.push(parsed.baseOffset);
    }
    const logs = new Set(bases);
    for (const name of names) {
      const parsed = parseSegmentFileName(name);
      // leftovers of interrupted work, and indexes whose .log is gone (a deletion cut short)
      if (isTempFileName(name) || (parsed !== null && !logs.has(parsed.baseOffset))) {
        fs.rmSync(`${this.dir}/${name}`, { recursive: true, force: true });
      }
    }
    bases.sort((a, b) => a - b);
    if (bases.length === 0) {
      this.segments.push(Segment.create(this.dir, 0, this.probe));
      syncDir(this.dir);
    }
    // segments from the point's one on may not be durable (their flush had not completed): scanned
    const point = readRecoveryPoint(this.dir);
    const scanFrom = point?.segmentBaseOffset ?? Infinity;
    for (let i = 0; i < bases.length; i++) {
      const segment = Segment.open(this.dir, bases[i]!, this.probe);
      this.segments.push(segment);
      const isLast = i === bases.length - 1;
      if (!isLast && bases[i]! < scanFrom && segment.adoptIndexes(bases[i + 1]!)) continue;
      if (isLast && cleanShutdown && segment.adoptActiveIndexes()) {
        this.recovery.skippedScan = true;
        break;
      }
      const fileSize = segment.size;
      let truncated = point === null || bases[i] !== scanFrom ? null : segment.recoverFrom(point, this.config.indexIntervalBytes, !isLast);
      if (truncated !== null) {
        // a point at the active segment's start is a scan of all of it, as without one
        if (point!.position > 0 || !isLast) this.recovery.recoveryPointOffset = point!.offset;
        this.recovery.scannedBytes += fileSize - point!.position;
      } else {
        this.recovery.scannedBytes += fileSize;
        truncated = segment.recover(this.config.indexIntervalBytes, !isLast);
      }
      this.recovery.truncatedBytes += truncated;
      if (truncated > 0) this.recovery.truncatedFromOffset = segment.nextOffset;
      if (isLast) break;
      this.recovery.rebuiltIndexes++;
      if (truncated > 0) {
        // corruption inside a closed segment: the log ends there, later segments go
        for (let j = i + 1; j < bases.length; j++) this.removeSegmentFiles(bases[j]!);
        break;
      }
      segment.closeForAppends();
    }
    this.active = this.segments[this.segments.length - 1]!;
    this.pointSegment = point?.segmentBaseOffset ?? -1;
    // the closed segments scanned were synced as they closed: all before the active one are durable
    // (a point past the active segment is one of segments that recovery dropped)
    this.writeActiveStartPoint();
    if (this.active.size > 0 && this.active.rollReferenceMs < 0) this.active.rollReferenceMs = this.now();
    for (const segment of this.segments) this.totalBytes += segment.size;
    const checkpointed = readCheckpoint(this.dir, LOG_START_OFFSET_CHECKPOINT, 1)?.[0]?.[0] ?? 0;
    this.startOffset = Math.min(checkpointed, this.logEndOffset);
    this.leaderEpochs = new LeaderEpochCache(this.dir);
    this.leaderEpochs.truncateFromEnd(this.logEndOffset);
    this.leaderEpochs.truncateFromStart(this.logStartOffset);
    // a log from before the cache existed: everything in it was written in the one epoch there is
    if (this.leaderEpochs.latestEpoch < 0 && this.logEndOffset > this.logStartOffset) this.leaderEpochs.assign(LEADER_EPOCH, this.logStartOffset);
    this.loadProducerState();
  }

  /**
   * The latest snapshot at or below the log end offset (later ones were taken before a truncation
   * and go), then every batch header after it, from the log start offset when there is none. The
   * .txnindex entries of the replayed range are dropped and written again as the markers replay.
   */
  private loadProducerState(): void {
    const snapshot = loadLatestSnapshot(this.dir, this.logEndOffset);
    if (snapshot !== null) this.producers.load(snapshot.producers);
    this.snapshotOffset = snapshot?.offset ?? -1;
    this.recovery.producerSnapshotOffset = this.snapshotOffset;
    const from = Math.max(snapshot?.offset ?? 0, this.segments[0]!.baseOffset);
    for (let i = this.segmentIndexFor(from); i < this.segments.length; i++) {
      const segment = this.segments[i]!;
      segment.txnIndex.truncateTo(from);
      segment.forEachBatchHeader(from, (buf, at, position) => {
        this.recovery.replayedBatches++;
        const producerId = readInt64(buf, at + PRODUCER_ID_OFFSET);
        if (producerId < 0) return;
        const baseOffset = readBaseOffset(buf, at);
        if ((buf.readInt16BE(at + ATTRIBUTES_OFFSET) & CONTROL_FLAG_MASK) !== 0) {
          const epoch = buf.readInt16BE(at + PRODUCER_EPOCH_OFFSET);
          const timestamp = maxTimestampAt(buf, at);
          const marker = readTxnMarker(segment.read(position, 0));
          if (marker !== null) this.applyMarker(segment, producerId, epoch, marker.coordinatorEpoch, marker.commit, baseOffset, timestamp);
          return;
        }
        this.producers.applyBatch(headerFields(buf, at, producerId), baseOffset, baseOffset + lastOffsetDeltaAt(buf, at));
      });
    }
  }

  /** Ends the producer's transaction at the marker's offset; an aborted one goes into the txn index. */
  private applyMarker(segment: Segment, producerId: number, producerEpoch: number, coordinatorEpoch: number, commit: boolean, offset: number, timestamp: number): void {
    const txn = this.producers.applyMarker(producerId, producerEpoch, coordinatorEpoch, commit, offset, timestamp);
    if (txn === null || !txn.aborted) return;
    const first = this.producers.firstUnstableOffset();
    segment.txnIndex.append({ producerId, firstOffset: txn.firstOffset, lastOffset: offset, lastStableOffset: first < 0 ? offset + 1 : first });
  }

  /**
   * Snapshots the producer state as of `offset` (the log end offset) and keeps the latest two; false
   * when it failed. sync false (a roll): not fsynced, the roll's flush syncs it.
   */
  private takeSnapshot(offset: number, sync = true): boolean {
    try {
      writeSnapshot(this.dir, offset, this.producers.entries(), sync);
      this.snapshotOffset = offset;
      deleteOldSnapshots(this.dir);
      return true;
    } catch (err) {
      // a missing snapshot only makes the next open replay more of the log
      console.error(`${this.dir}: producer state snapshot at ${offset} failed: ${String(err)}`);
      return false;
    }
  }

  private removeSegmentFiles(baseOffset: number): void {
    const logPath = segmentPath(this.dir, baseOffset, LOG_SUFFIX);
    try {
      this.recovery.truncatedBytes += fs.statSync(logPath).size;
    } catch {
      // already gone
    }
    Segment.removeFiles(this.dir, baseOffset);
  }

  append(records: Buffer, batches: BatchInfo[]): { baseOffset: number; lastOffset: number; logAppendTime: number } {
    if (this.closed) throw new Error(`${this.dir}: log is closed`);
    if (this.failure !== null) throw this.failure;
    let offsets = 0;
    let messages = 0;
    for (let i = 0; i < batches.length; i++) {
      offsets += batches[i]!.lastOffsetDelta + 1;
      messages += batches[i]!.recordsCount;
    }
    const baseOffset = this.active.nextOffset;
    const lastOffset = baseOffset + offsets - 1;
    this.maybeRoll(records.length, lastOffset);
    const segment = this.active;
    try {
      segment.append(records, batches, baseOffset, this.config.indexIntervalBytes);
    } catch (err) {
      if (segment.broken) this.failure = err as Error;
      throw err;
    }
    let offset = baseOffset;
    for (let i = 0; i < batches.length; i++) {
      const batch = batches[i]!;
      const last = offset + batch.lastOffsetDelta;
      if (batch.producerId >= 0) {
        if ((batch.attributes & CONTROL_FLAG_MASK) === 0) this.producers.applyBatch(batch, offset, last);
        else {
          const marker = readTxnMarker(records.subarray(batch.position, batch.position + batch.size));
          if (marker !== null) this.applyMarker(segment, batch.producerId, batch.producerEpoch, marker.coordinatorEpoch, marker.commit, offset, batch.maxTimestamp);
        }
      }
      offset = last + 1;
    }
    this.leaderEpochs.assign(LEADER_EPOCH, baseOffset);
    this.totalBytes += records.length;
    this.messagesSinceFlush += messages;
    if (this.messagesSinceFlush >= this.config.flushIntervalMessages) this.flush();
    return { baseOffset, lastOffset, logAppendTime: -1 };
  }

  /**
   * The produce path (Kafka's appendAsLeader): validates the producer's batches as the topic's
   * settings ask (log-validator.ts: sizes, keys, recompression, LogAppendTime), then checks them
   * against the producer state and appends them; a duplicate answers its original base offset and
   * appends nothing. Appends are reported to the probe. Throws on an I/O error, as append().
   */
  appendAsLeader(produced: Buffer, options: AppendOptions): LeaderAppend {
    const valid = validateRecords(produced, options, this.topicPartition, this.now);
    if ('errorCode' in valid) return { ...this.appendAnswer(valid.errorCode), ...valid };
    const { code, baseOffset, duplicate } = this.appendFromProducer(valid.records, valid.batches);
    if (code !== ErrorCode.NONE) return this.appendAnswer(code);
    if (duplicate) return this.appendAnswer(ErrorCode.NONE, baseOffset);
    this.probe.appended(valid.records.length, valid.recordCount);
    return this.appendAnswer(ErrorCode.NONE, baseOffset, valid.logAppendTime, valid.recordCount, valid.records.length);
  }

  private appendAnswer(errorCode: number, baseOffset = -1, logAppendTime = -1, records = 0, bytes = 0): LeaderAppend {
    return { errorCode, baseOffset, logAppendTime, logStartOffset: this.logStartOffset, logEndOffset: this.logEndOffset, records, bytes };
  }

  /**
   * Checks validated batches against the producer state (idempotence, transactions),
   * then appends them. A repeat of batches already appended is not appended again: it answers the
   * first one's original base offset with `duplicate` set. Throws on an I/O error, as append().
   */
  appendFromProducer(records: Buffer, batches: BatchInfo[]): { code: number; baseOffset: number; duplicate: boolean } {
    const check = this.producers.check(batches);
    if (check.code !== ErrorCode.NONE) return { code: check.code, baseOffset: -1, duplicate: false };
    if (check.duplicate !== null) return { code: ErrorCode.NONE, baseOffset: check.duplicate.firstOffset, duplicate: true };
    return { code: ErrorCode.NONE, baseOffset: this.append(records, batches).baseOffset, duplicate: false };
  }

  /**
   * Appends a COMMIT or ABORT marker for a producer (buildControlBatch), ending its ongoing
   * transaction here. INVALID_PRODUCER_EPOCH for an epoch older than the producer's,
   * TRANSACTION_COORDINATOR_FENCED for an older coordinator epoch. Throws on an I/O error.
   */
  writeTxnMarker(producerId: number, producerEpoch: number, commit: boolean, coordinatorEpoch: number, timestamp: number): { code: number; offset: number; bytes: number } {
    const code = this.producers.checkMarker(producerId, producerEpoch, coordinatorEpoch);
    if (code !== ErrorCode.NONE) return { code, offset: -1, bytes: 0 };
    const records = buildControlBatch({ producerId, producerEpoch, timestamp, commit, coordinatorEpoch });
    const { baseOffset } = this.append(records, scanBatches(records).batches);
    return { code: ErrorCode.NONE, offset: baseOffset, bytes: records.length };
  }

  /** Forgets producers idle for producer.id.expiration.ms; answers how many went. */
  expireProducers(nowMs: number, expirationMs: number): number {
    return this.producers.removeExpired(nowMs, expirationMs);
  }

  private maybeRoll(bytes: number, lastOffset: number): void {
    const segment = this.active;
    const now = this.now();
    if (segment.size > 0 && (
      segment.size + bytes > Math.min(this.config.segmentBytes, MAX_SEGMENT_BYTES)
      || now - segment.rollReferenceMs > this.config.segmentMs
      || lastOffset - segment.baseOffset > MAX_RELATIVE_OFFSET
    )) this.roll();
    if (this.active.rollReferenceMs < 0) this.active.rollReferenceMs = now;
  }

  /**
   * Closes the active segment and starts a new one at the log end offset. The closed segment is
   * flushed off this thread (Kafka's UnifiedLog.roll schedules its flush): first the recovery point
   * goes to its start, unless it already lies in it or before it, so that a crash before the flush
   * completed scans it. When that point cannot be written, the segment is synced here, as before.
   */
  private roll(): void {
    const segment = this.active;
    let async = this.pointSegment >= 0 && this.pointSegment <= segment.baseOffset;
    if (!async) async = this.writePoint(startOf(segment));
    const next = Segment.create(this.dir, segment.nextOffset, this.probe);
    this.segments.push(next);
    this.active = next;
    // the next flush of the new segment writes its point (once the closed ones are durable)
    this.recoveryPointWrittenMs = -Infinity;
    if (!async) {
      syncDir(this.dir);
      segment.closeForAppends();
      this.takeSnapshot(next.baseOffset);
      return;
    }
    // as Kafka's roll: the snapshot is synced by the same flush, with the directory (the new
    // segment's files and the snapshot's rename; a crash before it scans from the rolled segment,
    // and the new one held nothing synced yet)
    const synced = this.takeSnapshot(next.baseOffset, false) ? [snapshotPath(this.dir, next.baseOffset), this.dir] : [this.dir];
    const alsoSync = openForSync(synced);
    this.unflushed.set(segment, 'pending');
    try {
      segment.closeForAppendsAsync(this.flusher, (err) => this.flushed(segment, err), alsoSync);
    } catch (err) {
      // nothing was scheduled: the point stays at or before this segment
      this.unflushed.delete(segment);
      throw err;
    }
  }

  /**
   * A rolled segment's flush completed. Nothing to record when the log was closed or the segment is
   * no longer one of its own (deleted, replaced by compaction): its fd may have been closed under
   * the flush. A failure is logged and keeps the recovery point where it is.
   */
  private flushed(segment: Segment, err: NodeJS.ErrnoException | null): void {
    if (this.closed || this.unflushed.get(segment) !== 'pending') return;
    if (err !== null) {
      this.unflushed.set(segment, 'failed');
      console.error(`${this.dir}: flush of segment ${segment.baseOffset} failed, recovery after a crash scans from it: ${String(err)}`);
      return;
    }
    this.unflushed.delete(segment);
    if (this.unflushed.size === 0) this.writeActiveStartPoint(true);
  }

  /** A closed segment leaves the log (retention, compaction): its flush, if any, no longer counts. */
  private forgetFlush(segment: Segment): void {
    if (!this.unflushed.delete(segment)) return;
    if (this.unflushed.size === 0 && !this.closed) this.writeActiveStartPoint();
  }

  /**
   * Every closed segment is durable: a recovery point before the active segment goes to its start
   * (none is written where there is no file: that already means as much). offThread: written
   * through the flusher, off this thread, when it can (a flush completing); the point is taken as
   * moved at once, since until the file lands the one on disk lies before it, which only makes
   * recovery scan more.
   */
  private writeActiveStartPoint(offThread = false): void {
    // a point write off the thread still under way may land after this one: written here again
    const settled = !this.pointInFlight || offThread;
    if (this.pointSegment < 0 || (this.pointSegment === this.active.baseOffset && settled)) return;
    const point = startOf(this.active);
    if (!offThread || this.flusher.writePoint === undefined) {
      this.writePoint(point);
      return;
    }
    this.pointSegment = point.segmentBaseOffset;
    this.writePointOffThread(point);
  }

  /** One point write off the thread at a time; the latest point asked for meanwhile goes next. */
  private writePointOffThread(point: RecoveryPoint): void {
    if (this.pointInFlight) {
      this.nextPoint = point;
      return;
    }
    this.pointInFlight = true;
    this.flusher.writePoint!(this.dir, point, (err) => {
      this.pointInFlight = false;
      if (err !== null) console.error(`${this.dir}: recovery point checkpoint failed: ${String(err)}`);
      const next = this.nextPoint;
      this.nextPoint = null;
      if (next !== null && !this.closed) this.writePointOffThread(next);
    });
  }

  /** Writes the recovery point; false (logged) when that failed: the older point only makes recovery scan more. */
  private writePoint(point: RecoveryPoint): boolean {
    try {
      writeRecoveryPoint(this.dir, point);
      this.pointSegment = point.segmentBaseOffset;
      return true;
    } catch (err) {
      console.error(`${this.dir}: recovery point checkpoint failed: ${String(err)}`);
      return false;
    }
  }

  /**
   * The batches from `offset` on, up to maxBytes, read into `alloc`; with minOneMessage at least the
   * first one whatever its size (Segment.read).
   */
  read(offset: number, maxBytes: number, alloc?: (size: number) => Buffer, minOneMessage = true): { code: number; records: Buffer } {
    if (offset < this.logStartOffset || offset > this.logEndOffset) {
      return { code: ErrorCode.OFFSET_OUT_OF_RANGE, records: Buffer.allocUnsafeSlow(0) };
    }
    for (let i = this.segmentIndexFor(offset); i < this.segments.length; i++) {
      const records = this.segments[i]!.readFrom(offset, maxBytes, alloc, minOneMessage);
      if (records !== null) return { code: ErrorCode.NONE, records };
    }
    return { code: ErrorCode.NONE, records: Buffer.allocUnsafeSlow(0) };
  }

  /**
   * A read_committed read: as read(), but only batches below the last stable offset (a fetch at or
   * past it gets no batch), and the aborted transactions that overlap what is returned.
   */
  readCommitted(offset: number, maxBytes: number, alloc?: (size: number) => Buffer, minOneMessage = true): { code: number; records: Buffer; abortedTransactions: AbortedTxn[] } {
    const { code, records } = this.read(offset, maxBytes, alloc, minOneMessage);
    if (code !== ErrorCode.NONE) return { code, records, abortedTransactions: [] };
    const lso = this.lastStableOffset;
    let end = 0;
    let upperBound = offset;
    while (end < records.length) {
      const base = readBaseOffset(records, end);
      if (base >= lso) break;
      upperBound = base + lastOffsetDeltaAt(records, end) + 1;
      end += batchSizeAt(records, end);
    }
    const kept = end === records.length ? records : records.subarray(0, end);
    return { code, records: kept, abortedTransactions: end === 0 ? [] : this.collectAbortedTransactions(offset, upperBound) };
  }

  /** Kafka's collectAbortedTransactions: aborted transactions overlapping [startOffset, upperBoundOffset). */
  collectAbortedTransactions(startOffset: number, upperBoundOffset: number): AbortedTxn[] {
    const out: AbortedTxn[] = [];
    for (let i = this.segmentIndexFor(startOffset); i < this.segments.length; i++) {
      if (this.segments[i]!.txnIndex.collectAbortedTxns(startOffset, upperBoundOffset, out)) break;
    }
    return out;
  }

  /** Index of the last segment whose base offset is <= offset (0 when offset precedes all). */
  private segmentIndexFor(offset: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.segments[mid]!.baseOffset <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  offsetForTimestamp(timestamp: number): { offset: number; timestamp: number } | null {
    for (const segment of this.segments) {
      if (segment.maxTimestamp < timestamp) continue;
      if (segment.offsetForTimestamp(timestamp, this.found)) {
        return { offset: Math.max(this.found.offset, this.logStartOffset), timestamp: this.found.timestamp };
      }
    }
    return null;
  }

  /**
   * ListOffsets v0, as Kafka's legacyFetchOffsetsBefore: each segment stands for its base offset
   * (not below the log start offset) at its file's mtime, and the log end offset at nowMs when the
   * active segment holds data. Latest (-1) starts from the newest of these, earliest (-2) from the
   * oldest, a timestamp from the newest modified at or before it; at most maxNumOffsets offsets
   * from there towards older ones, in descending order.
   */
  legacyOffsetsBefore(timestamp: number | 'latest' | 'earliest', maxNumOffsets: number, nowMs: number): number[] {
    const points = this.segments.map((s) => ({ offset: Math.max(s.baseOffset, this.logStartOffset), time: s.lastModifiedMs() }));
    if (this.active.size > 0) points.push({ offset: this.logEndOffset, time: nowMs });
    let start: number;
    if (timestamp === 'latest') start = points.length - 1;
    else if (timestamp === 'earliest') start = 0;
    else for (start = points.length - 1; start >= 0 && points[start]!.time > timestamp; start--);
    const offsets: number[] = [];
    for (let i = start; i >= 0 && offsets.length < maxNumOffsets; i--) offsets.push(points[i]!.offset);
    return offsets.sort((a, b) => b - a);
  }

  maxTimestamp(): { offset: number; timestamp: number } | null {
    let best: Segment | null = null;
    for (const segment of this.segments) {
      if (segment.maxTimestamp >= 0 && (best === null || segment.maxTimestamp > best.maxTimestamp)) best = segment;
    }
    if (best === null) return null;
    const result = { offset: best.offsetOfMaxTimestamp, timestamp: best.maxTimestamp };
    const position = best.findBatch(best.offsetOfMaxTimestamp);
    if (position >= 0 && best.resolveRecord(position, best.maxTimestamp, this.found)) result.offset = this.found.offset;
    return result;
  }

  /**
   * Deletes whole segments, oldest first: those wholly below the log start offset, and with
   * cleanup.policy delete those past retention.ms or beyond retention.bytes. As Kafka does, the
   * active segment goes too when it qualifies and holds records: it is rolled first, so appends go
   * on in a new empty one at the log end offset. Answers how many went.
   */
  enforceRetention(nowMs: number): number {
    if (this.closed || this.failure !== null) return 0;
    const { retentionMs, retentionBytes } = this.config;
    const policyDelete = this.config.delete !== false;
    let deleted = 0;
    for (;;) {
      const oldest = this.segments[0]!;
      const active = oldest === this.active;
      if (active && oldest.size === 0) break;
      const belowStart = (active ? oldest.nextOffset : this.segments[1]!.baseOffset) <= this.startOffset;
      const expired = policyDelete && retentionMs >= 0 && nowMs - oldest.largestTimestamp() > retentionMs;
      const oversize = policyDelete && retentionBytes >= 0 && this.totalBytes - oldest.size >= retentionBytes;
      if (!belowStart && !expired && !oversize) break;
      if (active) this.roll();
      this.segments.shift();
      this.totalBytes -= oldest.size;
      oldest.delete();
      this.forgetFlush(oldest);
      deleted++;
    }
    if (deleted > 0) this.leaderEpochs.truncateFromStart(this.logStartOffset);
    return deleted;
  }

  /**
   * DeleteRecords: moves the log start offset up to `offset` (made durable in the checkpoint file
   * before this returns) and deletes the segments wholly below it. OFFSET_OUT_OF_RANGE past the log
   * end offset; an offset at or below the log start offset changes nothing. Answers the log start
   * offset (Kafka's low watermark).
   */
  deleteRecordsBefore(offset: number): { code: number; logStartOffset: number } {
    if (offset < 0 || offset > this.logEndOffset) return { code: ErrorCode.OFFSET_OUT_OF_RANGE, logStartOffset: this.logStartOffset };
    if (offset > this.logStartOffset) {
      writeCheckpoint(this.dir, LOG_START_OFFSET_CHECKPOINT, [[offset]]);
      this.startOffset = offset;
      this.enforceRetention(this.now());
      this.leaderEpochs.truncateFromStart(this.logStartOffset);
    }
    return { code: ErrorCode.NONE, logStartOffset: this.logStartOffset };
  }

  /** Topic configs changed while the log is open: later appends, retention and compaction follow them. */
  reconfigure(config: LogConfig): void {
    Object.assign(this.config, config);
  }

  /**
   * One bounded step of log compaction (see compaction.ts): starts a pass when a segment was closed
   * since the last one (or a kept tombstone's time came) and advances it by about `budgetBytes` of
   * reads. Rewrites closed segments only. Throws on an I/O error; the log is then not compacted again
   * until it is reopened (whose recovery completes or drops the interrupted rewrite).
   */
  compact(nowMs: number, budgetBytes: number = CLEANER_BUDGET_BYTES): CompactionReport {
    if (this.closed || this.failure !== null || this.cleanerFailed || this.config.compact !== true) return { ...IDLE_REPORT };
    try {
      return this.cleaner.run(nowMs, budgetBytes);
    } catch (err) {
      this.cleanerFailed = true;
      try {
        this.cleaner.abort();
      } catch {
        // the next open removes the .cleaned file
      }
      throw err;
    }
  }

  /** For the cleaner: a closed segment rewritten (fresh) or deleted (null). */
  private replaceSegment(old: Segment, fresh: Segment | null): void {
    const i = this.segments.indexOf(old);
    if (i < 0 || old === this.active) throw new Error(`${this.dir}: segment ${old.baseOffset} is not a closed segment of this log`);
    this.totalBytes -= old.size;
    // a rewritten segment was synced by the cleaner
    this.forgetFlush(old);
    if (fresh === null) {
      this.segments.splice(i, 1);
    } else {
      this.segments[i] = fresh;
      this.totalBytes += fresh.size;
    }
  }

  /**
   * fdatasync of the active segment; at most every RECOVERY_POINT_INTERVAL_MS it becomes the
   * recovery point, and only when no closed segment's flush is outstanding (else the point stays
   * before that segment).
   */
  flush(): void {
    this.active.flush();
    this.messagesSinceFlush = 0;
    if (this.unflushed.size > 0) return;
    const now = this.now();
    if (now - this.recoveryPointWrittenMs < RECOVERY_POINT_INTERVAL_MS) return;
    this.recoveryPointWrittenMs = now;
    this.writePoint(this.active.recoveryPoint());
  }

  /**
   * Flushes and closes the log; `snapshot` (default) records the producer state for the next open.
   * A log about to be deleted (`flush` false) is closed without syncing what nobody will read.
   * Answers whether it was closed cleanly: records and indexes synced (those of rolled segments whose
   * flush had not completed too: here, on this thread), the active segment's last time index entry
   * written and the producer state snapshotted at the log end offset.
   */
  close(snapshot = true, flush = true): boolean {
    if (this.closed) return false;
    this.closed = true;
    let clean = false;
    try {
      this.cleaner.abort();
    } catch {
      // the next open removes the .cleaned file
    }
    try {
      if (this.failure === null && flush) {
        // rolled segments whose flush is still under way are synced here: a shutdown may block
        for (const [segment, state] of this.unflushed) {
          if (state !== 'pending') continue;
          segment.flushNow();
          this.unflushed.delete(segment);
        }
        // as Kafka's LogSegment.close: the active segment gets its last time index entry too
        this.active.closeForAppends();
        // none when the latest one is at the log end already, or there is nothing to replay
        const end = this.logEndOffset;
        const needed = this.snapshotOffset !== end && !(end === this.logStartOffset && this.producers.size === 0);
        clean = !(snapshot && needed) || this.takeSnapshot(end);
        // a failed flush: not known to be durable, so not clean, and the point stays before it
        if (this.unflushed.size > 0) clean = false;
        else this.writeActiveStartPoint();
      }
    } finally {
      for (const segment of this.segments) segment.close();
    }
    return clean;
  }

  /**
   * Deletes the partition: closed at once, its directory renamed out of the way (a topic of the same
   * name may come back at once) and its files removed in the background, off this thread, since
   * unlinking gigabytes takes a while.
   */
  deleteAll(): void {
    this.close(false, false);
    const doomed = `${this.dir}.${randomBytes(8).toString('hex')}-delete`;
    try {
      fs.renameSync(this.dir, doomed);
    } catch {
      fs.rmSync(this.dir, { recursive: true, force: true });
      return;
    }
    fs.rm(doomed, { recursive: true, force: true }, () => {});
  }
}

/** Read-only fds of `paths` for a flush to sync (those that cannot be opened are left out: less is synced, recovery copes). */
function openForSync(paths: readonly string[]): number[] {
  const fds: number[] = [];
  for (const p of paths) {
    try {
      fds.push(fs.openSync(p, 'r'));
    } catch (err) {
      console.error(`${p}: cannot open for the roll's flush: ${String(err)}`);
    }
  }
  return fds;
}

/** A recovery point at the start of `segment`: all of it is scanned. */
function startOf(segment: Segment): RecoveryPoint {
  return {
    segmentBaseOffset: segment.baseOffset, offset: segment.baseOffset, position: 0,
    maxTimestamp: -1, offsetOfMaxTimestamp: -1, offsetIndexEntries: 0, timeIndexEntries: 0,
  };
}

function headerFields(buf: Buffer, at: number, producerId: number): ProducerBatch {
  return {
    producerId,
    producerEpoch: buf.readInt16BE(at + PRODUCER_EPOCH_OFFSET),
    baseSequence: buf.readInt32BE(at + BASE_SEQUENCE_OFFSET),
    lastOffsetDelta: lastOffsetDeltaAt(buf, at),
    maxTimestamp: maxTimestampAt(buf, at),
    attributes: buf.readInt16BE(at + ATTRIBUTES_OFFSET),
  };
}
