// Producer state of one partition, Kafka's ProducerStateManager simplified: for each producer id
// that wrote here, its epoch, its last 5 batches (sequence range, offsets, timestamp), the epoch of
// the coordinator that wrote its last transaction marker, and the first offset of its ongoing
// transaction. The produce path checks batches against it (check), the log applies every appended
// batch to it (applyBatch, applyMarker), and the ongoing transactions give the last stable offset.
//
// The rules for a batch with a producer id (>= 0), checked for every batch of a request before any
// is appended:
//   - an epoch lower than the producer's known epoch: INVALID_PRODUCER_EPOCH (as Kafka 2.7+);
//   - the same epoch and the sequence range of one of the last 5 batches: a duplicate, answered with
//     that batch's first offset and not appended. A request whose first batch is a duplicate must be
//     duplicates only; otherwise OUT_OF_ORDER_SEQUENCE_NUMBER;
//   - a new epoch (or a known epoch with no batch yet, after a marker bumped it) starts at sequence
//     0; a known epoch continues at lastSeq + 1, wrapping from 2^31 - 1 to 0. Anything else:
//     OUT_OF_ORDER_SEQUENCE_NUMBER;
//   - a producer id this partition has no state for must start at sequence 0, else
//     OUT_OF_ORDER_SEQUENCE_NUMBER. Kafka 3.x accepts an unknown producer at any sequence (its state
//     may have gone with retention); samsa keeps the stricter rule, so a producer whose state expired
//     (producer.id.expiration.ms) must get a new producer id or epoch;
//   - a non-transactional batch from a producer with an ongoing transaction: INVALID_TXN_STATE;
//   - a batch with no sequence (-1, NO_SEQUENCE), as the group coordinator writes offsets committed in
//     a transaction, is checked for its epoch only and kept out of the duplicate history, as Kafka
//     does for the coordinator's own appends.
// A transaction marker with an epoch lower than the producer's is INVALID_PRODUCER_EPOCH, one from an
// older coordinator epoch TRANSACTION_COORDINATOR_FENCED; a marker for a producer with no ongoing
// transaction is written anyway (as Kafka does) and completes nothing.
import { ErrorCode } from '../protocol/errors.js';
import { TRANSACTIONAL_FLAG_MASK, type BatchInfo } from '../protocol/records/batch.js';

export const MAX_BATCHES_PER_PRODUCER = 5;
/** RecordBatch.NO_SEQUENCE: a batch the broker's own coordinator wrote for a producer. */
export const NO_SEQUENCE = -1;
const INT32_MAX = 0x7fffffff;

export interface BatchMetadata { firstSeq: number; lastSeq: number; firstOffset: number; lastOffset: number; timestamp: number }

export interface ProducerEntry {
  producerId: number;
  producerEpoch: number;
  /** The coordinator epoch of the producer's last transaction marker here; -1 when none. */
  coordinatorEpoch: number;
  /** The max timestamp of its last batch (or its last marker's time); drives expiry. */
  lastTimestamp: number;
  /** First offset of its ongoing transaction in this partition; -1 when none. */
  currentTxnFirstOffset: number;
  /** Its last (at most 5) batches of the current epoch, oldest first. */
  batches: BatchMetadata[];
}

/** A transaction a marker ended: from its first offset to the marker's offset. */
export interface CompletedTxn { producerId: number; firstOffset: number; lastOffset: number; aborted: boolean }

/** The header fields of a batch the producer state reads. */
export type ProducerBatch = Pick<BatchInfo, 'producerId' | 'producerEpoch' | 'baseSequence' | 'lastOffsetDelta' | 'maxTimestamp' | 'attributes'>;

export interface ProducerCheck {
  code: number;
  /** Set when the request repeats batches already appended: the first one's metadata. */
  duplicate: BatchMetadata | null;
}

/** The sequence of a batch's last record: baseSequence + lastOffsetDelta, wrapping past 2^31 - 1. */
export function lastSequenceOf(baseSequence: number, lastOffsetDelta: number): number {
  return baseSequence > INT32_MAX - lastOffsetDelta ? lastOffsetDelta - (INT32_MAX - baseSequence) - 1 : baseSequence + lastOffsetDelta;
}

const nextSequence = (seq: number): number => (seq === INT32_MAX ? 0 : seq + 1);
const isTransactional = (b: ProducerBatch): boolean => (b.attributes & TRANSACTIONAL_FLAG_MASK) !== 0;

const NOTHING_TO_CHECK: Readonly<ProducerCheck> = { code: ErrorCode.NONE, duplicate: null };

/** What check() tracks per producer while it walks a request's batches. */
interface Pending { epoch: number; lastSeq: number; inTxn: boolean }

export class ProducerStateManager {
  private readonly producers = new Map<number, ProducerEntry>();
  /** producerId -> first offset of its ongoing transaction; kept apart so the LSO is cheap. */
  private readonly ongoing = new Map<number, number>();

  get size(): number {
    return this.producers.size;
  }

  get(producerId: number): ProducerEntry | undefined {
    return this.producers.get(producerId);
  }

  entries(): IterableIterator<ProducerEntry> {
    return this.producers.values();
  }

  /** Replaces the whole state (loading a snapshot). */
  load(entries: Iterable<ProducerEntry>): void {
    this.clear();
    for (const e of entries) {
      this.producers.set(e.producerId, e);
      if (e.currentTxnFirstOffset >= 0) this.ongoing.set(e.producerId, e.currentTxnFirstOffset);
    }
  }

  clear(): void {
    this.producers.clear();
    this.ongoing.clear();
  }

  /** The smallest first offset of an ongoing transaction; -1 when there is none. */
  firstUnstableOffset(): number {
    let min = -1;
    for (const offset of this.ongoing.values()) if (min < 0 || offset < min) min = offset;
    return min;
  }

  /** Checks a produce request's batches for one partition, all of them before any is appended. */
  check(batches: readonly ProducerBatch[]): ProducerCheck {
    const first = batches[0];
    if (first === undefined || batches.every((b) => b.producerId < 0)) return NOTHING_TO_CHECK;
    const duplicate = this.findDuplicate(first);
    if (duplicate !== null) {
      const allDuplicates = batches.every((b) => this.findDuplicate(b) !== null);
      return allDuplicates ? { code: ErrorCode.NONE, duplicate } : { code: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, duplicate: null };
    }
    const pending = new Map<number, Pending>();
    for (const b of batches) {
      if (b.producerId < 0) continue;
      const s = pending.get(b.producerId) ?? this.pendingOf(b.producerId);
      const code = checkBatch(s, b);
      if (code !== ErrorCode.NONE) return { code, duplicate: null };
      const lastSeq = b.baseSequence === NO_SEQUENCE ? (s?.lastSeq ?? -1) : lastSequenceOf(b.baseSequence, b.lastOffsetDelta);
      pending.set(b.producerId, { epoch: b.producerEpoch, lastSeq, inTxn: (s?.inTxn ?? false) || isTransactional(b) });
    }
    return { code: ErrorCode.NONE, duplicate: null };
  }

  private pendingOf(producerId: number): Pending | undefined {
    const e = this.producers.get(producerId);
    if (e === undefined) return undefined;
    return { epoch: e.producerEpoch, lastSeq: e.batches.at(-1)?.lastSeq ?? -1, inTxn: e.currentTxnFirstOffset >= 0 };
  }

  private findDuplicate(b: ProducerBatch): BatchMetadata | null {
    if (b.producerId < 0 || b.baseSequence === NO_SEQUENCE) return null;
    const e = this.producers.get(b.producerId);
    if (e === undefined || e.producerEpoch !== b.producerEpoch) return null;
    const lastSeq = lastSequenceOf(b.baseSequence, b.lastOffsetDelta);
    return e.batches.find((m) => m.firstSeq === b.baseSequence && m.lastSeq === lastSeq) ?? null;
  }

  /** Checks a transaction marker for a producer; ErrorCode.NONE when it may be written. */
  checkMarker(producerId: number, producerEpoch: number, coordinatorEpoch: number): number {
    const e = this.producers.get(producerId);
    if (e === undefined) return ErrorCode.NONE;
    if (producerEpoch < e.producerEpoch) return ErrorCode.INVALID_PRODUCER_EPOCH;
    if (coordinatorEpoch < e.coordinatorEpoch) return ErrorCode.TRANSACTION_COORDINATOR_FENCED;
    return ErrorCode.NONE;
  }

  private entryOf(producerId: number, producerEpoch: number): ProducerEntry {
    let e = this.producers.get(producerId);
    if (e === undefined) {
      e = { producerId, producerEpoch, coordinatorEpoch: -1, lastTimestamp: -1, currentTxnFirstOffset: -1, batches: [] };
      this.producers.set(producerId, e);
    }
    return e;
  }

  /** Records an appended data batch (producerId >= 0) at offsets [firstOffset, lastOffset]. */
  applyBatch(b: ProducerBatch, firstOffset: number, lastOffset: number): void {
    const e = this.entryOf(b.producerId, b.producerEpoch);
    if (b.producerEpoch !== e.producerEpoch) {
      e.producerEpoch = b.producerEpoch;
      e.batches = [];
    }
    if (b.baseSequence !== NO_SEQUENCE) {
      e.batches.push({ firstSeq: b.baseSequence, lastSeq: lastSequenceOf(b.baseSequence, b.lastOffsetDelta), firstOffset, lastOffset, timestamp: b.maxTimestamp });
      if (e.batches.length > MAX_BATCHES_PER_PRODUCER) e.batches.shift();
    }
    e.lastTimestamp = b.maxTimestamp;
    if (isTransactional(b) && e.currentTxnFirstOffset < 0) {
      e.currentTxnFirstOffset = firstOffset;
      this.ongoing.set(b.producerId, firstOffset);
    }
  }

  /**
   * Records an appended transaction marker at `offset`: a higher epoch replaces the producer's
   * (its sequences start over), and its ongoing transaction, if any, ends: answered as completed.
   */
  applyMarker(producerId: number, producerEpoch: number, coordinatorEpoch: number, commit: boolean, offset: number, timestamp: number): CompletedTxn | null {
    const e = this.entryOf(producerId, producerEpoch);
    if (producerEpoch > e.producerEpoch) {
      e.producerEpoch = producerEpoch;
      e.batches = [];
    }
    e.coordinatorEpoch = coordinatorEpoch;
    e.lastTimestamp = Math.max(e.lastTimestamp, timestamp);
    if (e.currentTxnFirstOffset < 0) return null;
    const txn: CompletedTxn = { producerId, firstOffset: e.currentTxnFirstOffset, lastOffset: offset, aborted: !commit };
    e.currentTxnFirstOffset = -1;
    this.ongoing.delete(producerId);
    return txn;
  }

  /**
   * Forgets producers idle for `expirationMs` (producer.id.expiration.ms) by their last timestamp;
   * never one with an ongoing transaction. Answers how many went.
   */
  removeExpired(nowMs: number, expirationMs: number): number {
    let removed = 0;
    for (const [id, e] of this.producers) {
      if (e.currentTxnFirstOffset < 0 && nowMs - e.lastTimestamp >= expirationMs) {
        this.producers.delete(id);
        removed++;
      }
    }
    return removed;
  }
}

function checkBatch(s: Pending | undefined, b: ProducerBatch): number {
  if (s !== undefined && b.producerEpoch < s.epoch) return ErrorCode.INVALID_PRODUCER_EPOCH;
  if (b.baseSequence === NO_SEQUENCE) return s?.inTxn === true && !isTransactional(b) ? ErrorCode.INVALID_TXN_STATE : ErrorCode.NONE;
  const startsOver = s === undefined || b.producerEpoch > s.epoch || s.lastSeq < 0;
  const expected = startsOver ? 0 : nextSequence(s.lastSeq);
  if (b.baseSequence !== expected) return ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER;
  if (s?.inTxn === true && !isTransactional(b)) return ErrorCode.INVALID_TXN_STATE;
  return ErrorCode.NONE;
}
