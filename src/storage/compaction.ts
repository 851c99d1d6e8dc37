// Log compaction (cleanup.policy=compact): Kafka's log cleaner, simplified. A pass builds the map
// key -> offset of the key's latest record over the whole log (closed segments and the active one),
// then rewrites each closed segment keeping only the records that are the latest for their key. The
// active segment is never rewritten. Offsets never change: a rewritten batch keeps its baseOffset and
// lastOffsetDelta, each kept record its offsetDelta; a batch left with no record is dropped, and a
// closed segment left with no batch is deleted (the first one stays, empty, to keep logStartOffset).
//
// Batches in every codec are read (gzip, snappy, lz4, zstd: records/compression.ts) and a rewritten
// batch is compressed again with its own codec. Transactional batches are cleaned as Kafka does:
// those of a committed transaction like any other (their records go into the map), those of an
// aborted one (per the .txnindex) are removed whole and never hide an older value, and those of a
// transaction still open (at or past the last stable offset) are kept whole and stay out of the map.
// Kept whole, never looked into: control batches (the COMMIT and ABORT markers), and batches whose
// records do not decompress or parse. Records with a null key are kept.
// Tombstones (null value) that are the latest for their key go once delete.retention.ms has passed
// since their segment's largest timestamp. No record younger than min.compaction.lag.ms is removed.
//
// Crash safety as Kafka's: a segment is rewritten into <base>.log.cleaned, fsynced, renamed to
// <base>.log.swap (the commit point), then its indexes are removed, the swap file is renamed over
// <base>.log and the indexes are rebuilt from it. On open, completeSwaps() finishes a committed swap
// (its indexes are rebuilt by the normal recovery scan) and the log removes leftover .cleaned files.
//
// Bounded work: a pass advances by a byte budget per call (reading for the map, then rewriting one
// segment chunk by chunk), so the shard that owns the partition is never blocked for long; appends
// and reads run between calls. A stale map is safe: appends only add newer records, so it can only
// make the cleaner keep a record it might have removed.
import * as fs from 'node:fs';
import { Reader } from '../protocol/primitives/reader.js';
import { ProtocolError } from '../protocol/primitives/protocol-error.js';
import {
  ATTRIBUTES_OFFSET, BASE_TIMESTAMP_OFFSET, CONTROL_FLAG_MASK, MAX_TIMESTAMP_OFFSET, PRODUCER_ID_OFFSET, RECORDS_COUNT_OFFSET,
  TIMESTAMP_TYPE_MASK, TRANSACTIONAL_FLAG_MASK, batchSizeAt, readBaseOffset, readInt64,
} from '../protocol/records/batch.js';
import { batchRecords, codecOf, rebuildBatch } from '../protocol/records/compression.js';
import { CLEANED_SUFFIX, INDEX_SUFFIX, LOG_SUFFIX, SWAP_SUFFIX, TIME_INDEX_SUFFIX, parseLogSwapFileName, segmentPath } from './file-names.js';
import type { LogConfig } from './log-config.js';
import { syncDir } from './durable-file.js';
import { Segment } from './segment.js';
import type { AbortedTxn } from './txn-index.js';

/** Source bytes one compact() call reads at most (plus the rest of the chunk it is in). */
export const CLEANER_BUDGET_BYTES = 4 * 1024 * 1024; // about 30 ms of work on a busy 2-core machine
export const DEFAULT_DELETE_RETENTION_MS = 86400000;
const CHUNK_BYTES = 1024 * 1024;

export interface CleanedPass {
  /** Closed segments rewritten, and those deleted because nothing in them was left. */
  segmentsRewritten: number;
  segmentsDeleted: number;
  /** Size of the closed segments the pass went over, before and after. */
  bytesBefore: number;
  bytesAfter: number;
  recordsRemoved: number;
}

export interface CompactionReport {
  /** Segment bytes this call read (building the map, rewriting). */
  bytesRead: number;
  /** A pass is under way: call again. */
  pending: boolean;
  /** Set by the call that finished a pass. */
  completed: CleanedPass | null;
}

export const IDLE_REPORT: Readonly<CompactionReport> = { bytesRead: 0, pending: false, completed: null };

/** What the cleaner needs of its partition log. */
export interface CleanerHost {
  readonly dir: string;
  readonly config: LogConfig;
  /** Oldest first; the last one is the active segment. Mutated in place by the log. */
  readonly segments: readonly Segment[];
  /** Puts `fresh` where `old` was (null: `old` is gone) and accounts for the change in size. */
  replaceSegment(old: Segment, fresh: Segment | null): void;
  /** Batches at or past it belong to transactions still open. */
  readonly lastStableOffset: number;
  /** The aborted transactions overlapping [from, to) (the .txnindex entries). */
  abortedTransactions(from: number, to: number): AbortedTxn[];
}

/** Where a batch stands: no transaction, or a transaction still open, aborted or committed. */
type TxnState = 'none' | 'open' | 'aborted' | 'committed';

/** The transactions of one segment: the last stable offset and the aborted transactions in it. */
interface TxnView { lastStableOffset: number; aborted: readonly AbortedTxn[] }

/** A batch's transaction state; the markers themselves (control batches) are 'none'. */
function txnStateAt(buf: Buffer, at: number, txns: TxnView): TxnState {
  if ((buf.readInt16BE(at + ATTRIBUTES_OFFSET) & (TRANSACTIONAL_FLAG_MASK | CONTROL_FLAG_MASK)) !== TRANSACTIONAL_FLAG_MASK) return 'none';
  const baseOffset = readBaseOffset(buf, at);
  if (baseOffset >= txns.lastStableOffset) return 'open';
  const producerId = readInt64(buf, at + PRODUCER_ID_OFFSET);
  return txns.aborted.some((t) => t.producerId === producerId && t.firstOffset <= baseOffset && baseOffset <= t.lastOffset) ? 'aborted' : 'committed';
}


/**
 * Finishes the committed swap of segment `baseOffset`: its indexes go (the open that follows
 * rebuilds them from the new .log) and <base>.log.swap is renamed over <base>.log.
 */
export function completeSwap(dir: string, baseOffset: number): void {
  fs.rmSync(segmentPath(dir, baseOffset, INDEX_SUFFIX), { force: true });
  fs.rmSync(segmentPath(dir, baseOffset, TIME_INDEX_SUFFIX), { force: true });
  fs.renameSync(segmentPath(dir, baseOffset, LOG_SUFFIX + SWAP_SUFFIX), segmentPath(dir, baseOffset, LOG_SUFFIX));
  syncDir(dir);
}

/** On open, before the directory is read: completes every committed swap a crash left behind. */
export function completeSwaps(dir: string): void {
  for (const name of fs.readdirSync(dir)) {
    const baseOffset = parseLogSwapFileName(name);
    if (baseOffset !== null) completeSwap(dir, baseOffset);
  }
}

// --- records inside a batch ---

/** The record forEachRecord is at: byte range in the records section, deltas, key, value null-ness. */
const rec = { start: 0, end: 0, offsetDelta: 0, timestampDelta: 0, keyStart: 0, keyLength: 0, valueIsNull: false };

/** Walks `count` records of a records section, filling `rec` for each. Throws on malformed records. */
function forEachRecord(records: Buffer, count: number, visit: () => void): void {
  const r = new Reader(records);
  for (let i = 0; i < count; i++) {
    const start = r.offset;
    const length = r.varint();
    if (length < 0) throw new ProtocolError(`negative record length ${length}`);
    r.need(length);
    const end = r.offset + length;
    r.int8(); // record attributes: unused
    rec.timestampDelta = r.varlong();
    rec.offsetDelta = r.varint();
    const keyLength = r.varint();
    if (keyLength < -1 || r.offset + Math.max(keyLength, 0) > end) throw new ProtocolError(`invalid key length ${keyLength}`);
    rec.keyStart = r.offset;
    rec.keyLength = keyLength;
    r.offset += Math.max(keyLength, 0);
    rec.valueIsNull = r.varint() < 0;
    if (r.offset > end) throw new ProtocolError(`record ${i} overruns its length`);
    rec.start = start;
    rec.end = end;
    r.offset = end;
    visit();
  }
}

/** The records section of the batch at buf[at, at + size) when the cleaner may look into it, else null. */
function readableRecords(buf: Buffer, at: number, size: number, txn: TxnState): Buffer | null {
  if ((buf.readInt16BE(at + ATTRIBUTES_OFFSET) & CONTROL_FLAG_MASK) !== 0 || txn === 'open' || txn === 'aborted') return null;
  try {
    return batchRecords(buf, at, size);
  } catch {
    return null;
  }
}

const keyOf = (records: Buffer): string => records.toString('latin1', rec.keyStart, rec.keyStart + rec.keyLength);

/** Adds the keyed records of one batch to the map (later offsets overwrite earlier ones). */
function addToMap(map: Map<string, number>, buf: Buffer, at: number, size: number, txns: TxnView): void {
  const records = readableRecords(buf, at, size, txnStateAt(buf, at, txns));
  if (records === null) return;
  const baseOffset = readBaseOffset(buf, at);
  try {
    forEachRecord(records, buf.readInt32BE(at + RECORDS_COUNT_OFFSET), () => {
      if (rec.keyLength >= 0) map.set(keyOf(records), baseOffset + rec.offsetDelta);
    });
  } catch {
    // malformed records: the batch is kept whole when cleaning
  }
}

/** The rules of one segment's rewrite, and what it found. */
interface CleanContext {
  map: Map<string, number>;
  txns: TxnView;
  nowMs: number;
  minCompactionLagMs: number;
  /** delete.retention.ms has passed since the segment's largest timestamp. */
  tombstonesExpired: boolean;
  /** When the tombstones kept here may go. */
  tombstonesDueMs: number;
  /** Earliest time a record kept only for its age (lag, tombstone) may go. */
  dueMs: number;
  recordsRemoved: number;
  changed: boolean;
}

/**
 * Cleans the batch at buf[at, at + size): the batch itself when every record stays (or it is not
 * looked into), a rewritten batch holding the records that stay, or null when none does.
 */
function cleanBatch(buf: Buffer, at: number, size: number, ctx: CleanContext): Buffer | null {
  const whole = buf.subarray(at, at + size);
  const txn = txnStateAt(buf, at, ctx.txns);
  const count = buf.readInt32BE(at + RECORDS_COUNT_OFFSET);
  if (txn === 'aborted') {
    const age = ctx.nowMs - readInt64(buf, at + MAX_TIMESTAMP_OFFSET);
    if (age < ctx.minCompactionLagMs) {
      ctx.dueMs = Math.min(ctx.dueMs, ctx.nowMs - age + ctx.minCompactionLagMs);
      return whole;
    }
    ctx.changed = true;
    ctx.recordsRemoved += count;
    return null;
  }
  const records = readableRecords(buf, at, size, txn);
  if (records === null) return whole;
  const baseOffset = readBaseOffset(buf, at);
  const attributes = buf.readInt16BE(at + ATTRIBUTES_OFFSET);
  const logAppendTime = (attributes & TIMESTAMP_TYPE_MASK) !== 0;
  const baseTimestamp = readInt64(buf, at + BASE_TIMESTAMP_OFFSET);
  const batchMaxTimestamp = readInt64(buf, at + MAX_TIMESTAMP_OFFSET);
  const kept: number[] = []; // start, end pairs
  let keptBytes = 0;
  let maxTimestamp = -1;
  let dueMs = ctx.dueMs;
  try {
    forEachRecord(records, count, () => {
      const timestamp = logAppendTime ? batchMaxTimestamp : baseTimestamp + rec.timestampDelta;
      let remove = false;
      if (rec.keyLength >= 0) {
        const latest = ctx.map.get(keyOf(records));
        const superseded = latest !== undefined && latest > baseOffset + rec.offsetDelta;
        remove = superseded || (rec.valueIsNull && ctx.tombstonesExpired);
        if (!remove && rec.valueIsNull) dueMs = Math.min(dueMs, ctx.tombstonesDueMs);
        if (remove && ctx.nowMs - timestamp < ctx.minCompactionLagMs) {
          remove = false;
          dueMs = Math.min(dueMs, timestamp + ctx.minCompactionLagMs);
        }
      }
      if (remove) return;
      kept.push(rec.start, rec.end);
      keptBytes += rec.end - rec.start;
      maxTimestamp = Math.max(maxTimestamp, timestamp);
    });
  } catch {
    return whole; // records that do not parse stay as they are
  }
  ctx.dueMs = dueMs;
  const keptCount = kept.length / 2;
  if (keptCount === count) return whole;
  ctx.changed = true;
  ctx.recordsRemoved += count - keptCount;
  if (keptCount === 0) return null;
  const body = Buffer.allocUnsafe(keptBytes);
  for (let i = 0, pos = 0; i < kept.length; i += 2) pos += records.copy(body, pos, kept[i]!, kept[i + 1]!);
  return rebuildBatch(buf, at, body, codecOf(buf, at), keptCount, logAppendTime ? undefined : maxTimestamp);
}

/** One closed segment being rewritten into <base>.log.cleaned, a chunk at a time. */
class SegmentRewrite {
  readonly cleanedPath: string;
  position = 0;
  written = 0;
  private fd: number;

  constructor(readonly source: Segment, readonly ctx: CleanContext) {
    this.cleanedPath = segmentPath(source.dir, source.baseOffset, LOG_SUFFIX + CLEANED_SUFFIX);
    const { O_WRONLY, O_CREAT, O_TRUNC } = fs.constants;
    this.fd = fs.openSync(this.cleanedPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644);
  }

  get done(): boolean {
    return this.position >= this.source.size;
  }

  /** Cleans source chunks until `budget` bytes are read or the segment is done; answers bytes read. */
  step(budget: number): number {
    let read = 0;
    while (!this.done && read < budget) {
      const chunk = this.source.read(this.position, CHUNK_BYTES);
      const out: Buffer[] = [];
      for (let at = 0; at < chunk.length;) {
        const size = batchSizeAt(chunk, at);
        const kept = cleanBatch(chunk, at, size, this.ctx);
        if (kept !== null) out.push(kept);
        at += size;
      }
      const bytes = Buffer.concat(out);
      for (let done = 0; done < bytes.length;) done += fs.writeSync(this.fd, bytes, done, bytes.length - done, this.written + done);
      this.written += bytes.length;
      this.position += chunk.length;
      read += chunk.length;
    }
    return read;
  }

  /** Makes the cleaned file durable and commits it: renamed to <base>.log.swap. */
  commit(): void {
    fs.fdatasyncSync(this.fd);
    this.closeFd();
    fs.renameSync(this.cleanedPath, segmentPath(this.source.dir, this.source.baseOffset, LOG_SUFFIX + SWAP_SUFFIX));
    syncDir(this.source.dir);
  }

  abort(): void {
    this.closeFd();
    fs.rmSync(this.cleanedPath, { force: true });
  }

  private closeFd(): void {
    if (this.fd >= 0) {
      fs.closeSync(this.fd);
      this.fd = -1;
    }
  }
}

/** The cleaner state of one partition log: the pass under way, and where the last one ended. */
export class LogCleaner {
  private phase: 'idle' | 'map' | 'clean' = 'idle';
  private map = new Map<string, number>();
  /** Map phase: the segment being read and the position in it. */
  private mapBase = 0;
  private mapPosition = 0;
  /** Clean phase: segments with base offsets in [cleanBase, passEnd) are still to be cleaned. */
  private cleanBase = 0;
  private passEnd = 0;
  private rewrite: SegmentRewrite | null = null;
  private pass: CleanedPass = emptyPass();
  private passDueMs = Infinity;
  /** Closed segments below this offset were cleaned by the last pass (0 after a restart). */
  private cleanedUpTo = 0;
  /** When a record the last pass kept only for its age may go (a reason for another pass). */
  private dueMs = Infinity;

  constructor(private readonly host: CleanerHost) {}

  /** Whether a pass is due: a segment was closed since the last one, or a kept record's time came. */
  private dirty(nowMs: number): boolean {
    const { segments } = this.host;
    return segments.length > 1 && (segments[segments.length - 1]!.baseOffset > this.cleanedUpTo || nowMs >= this.dueMs);
  }

  /** Advances the pass (starting one when due) by about `budgetBytes` of segment reads. */
  run(nowMs: number, budgetBytes: number): CompactionReport {
    if (this.phase === 'idle') {
      if (!this.dirty(nowMs)) return { ...IDLE_REPORT };
      this.phase = 'map';
      this.map = new Map();
      this.mapBase = this.host.segments[0]!.baseOffset;
      this.mapPosition = 0;
      this.pass = emptyPass();
      this.passDueMs = Infinity;
    }
    let bytesRead = 0;
    let completed: CleanedPass | null = null;
    while (bytesRead < budgetBytes && this.busy()) {
      if (this.phase === 'map') {
        bytesRead += this.mapStep(budgetBytes - bytesRead);
      } else {
        bytesRead += this.cleanStep(nowMs, budgetBytes - bytesRead);
        if (!this.busy()) completed = this.pass;
      }
    }
    return { bytesRead, pending: this.busy(), completed };
  }

  private busy(): boolean {
    return this.phase !== 'idle';
  }

  /** Reads for the map up to `budget` bytes; moves to the clean phase at the end of the log. */
  private mapStep(budget: number): number {
    const { segments } = this.host;
    let read = 0;
    while (read < budget) {
      const i = segments.findIndex((s) => s.baseOffset >= this.mapBase);
      const segment = segments[i]!; // the active segment is never removed
      if (segment.baseOffset !== this.mapBase) {
        this.mapBase = segment.baseOffset;
        this.mapPosition = 0;
      }
      if (this.mapPosition >= segment.size) {
        if (i < segments.length - 1) {
          this.mapBase = segments[i + 1]!.baseOffset;
          this.mapPosition = 0;
          continue;
        }
        this.phase = 'clean';
        this.cleanBase = segments[0]!.baseOffset;
        this.passEnd = segment.baseOffset;
        return read;
      }
      const chunk = segment.read(this.mapPosition, CHUNK_BYTES);
      const txns = this.txnView(i);
      for (let at = 0; at < chunk.length; at += batchSizeAt(chunk, at)) addToMap(this.map, chunk, at, batchSizeAt(chunk, at), txns);
      this.mapPosition += chunk.length;
      read += chunk.length;
    }
    return read;
  }

  /** The transactions of segments[i]; its aborted ones are looked up only when a transactional batch asks. */
  private txnView(i: number): TxnView {
    const { host } = this;
    const from = host.segments[i]!.baseOffset;
    const to = host.segments[i + 1]?.baseOffset ?? Number.MAX_SAFE_INTEGER;
    let aborted: AbortedTxn[] | null = null;
    return { lastStableOffset: host.lastStableOffset, get aborted() { return aborted ??= host.abortedTransactions(from, to); } };
  }

  /** Rewrites closed segments up to `budget` bytes read; ends the pass after the last one. */
  private cleanStep(nowMs: number, budget: number): number {
    const { segments, config } = this.host;
    let read = 0;
    while (read < budget) {
      if (this.rewrite !== null && !segments.includes(this.rewrite.source)) {
        this.rewrite.abort(); // deleted by retention meanwhile
        this.rewrite = null;
      }
      if (this.rewrite === null) {
        const source = segments.find((s) => s.baseOffset >= this.cleanBase);
        if (source === undefined || source.baseOffset >= this.passEnd) {
          this.finishPass();
          return read;
        }
        this.cleanBase = source.baseOffset + 1;
        const largest = source.largestTimestamp();
        const deleteRetentionMs = config.deleteRetentionMs ?? DEFAULT_DELETE_RETENTION_MS;
        this.rewrite = new SegmentRewrite(source, {
          map: this.map, txns: this.txnView(segments.indexOf(source)), nowMs, minCompactionLagMs: config.minCompactionLagMs ?? 0,
          tombstonesExpired: nowMs - largest > deleteRetentionMs, tombstonesDueMs: largest + deleteRetentionMs + 1,
          dueMs: Infinity, recordsRemoved: 0, changed: false,
        });
      }
      read += this.rewrite.step(budget - read);
      if (this.rewrite.done) this.finishSegment(this.rewrite);
    }
    return read;
  }

  /** Puts a fully cleaned segment in place of its source (or drops the source, or keeps it). */
  private finishSegment(rewrite: SegmentRewrite): void {
    this.rewrite = null;
    const { source, ctx } = rewrite;
    const { segments } = this.host;
    this.passDueMs = Math.min(this.passDueMs, ctx.dueMs);
    this.pass.bytesBefore += source.size;
    this.pass.recordsRemoved += ctx.recordsRemoved;
    if (!ctx.changed) {
      rewrite.abort();
      this.pass.bytesAfter += source.size;
    } else if (rewrite.written === 0 && source !== segments[0]) {
      rewrite.abort();
      source.delete();
      this.host.replaceSegment(source, null);
      this.pass.segmentsDeleted++;
    } else {
      rewrite.commit();
      source.close();
      completeSwap(source.dir, source.baseOffset);
      const fresh = Segment.open(source.dir, source.baseOffset, source.probe);
      const truncated = fresh.recover(this.host.config.indexIntervalBytes, true);
      if (truncated > 0) throw new Error(`${fresh.logPath}: the cleaned segment failed its own recovery scan`);
      fresh.closeForAppends();
      this.host.replaceSegment(source, fresh);
      this.pass.segmentsRewritten++;
      this.pass.bytesAfter += rewrite.written;
    }
  }

  private finishPass(): void {
    this.phase = 'idle';
    this.map = new Map();
    this.cleanedUpTo = this.passEnd;
    this.dueMs = this.passDueMs;
  }

  /** Drops the pass under way (its .cleaned file included); the next run starts a new one. */
  abort(): void {
    this.rewrite?.abort();
    this.rewrite = null;
    this.phase = 'idle';
    this.map = new Map();
  }
}

function emptyPass(): CleanedPass {
  return { segmentsRewritten: 0, segmentsDeleted: 0, bytesBefore: 0, bytesAfter: 0, recordsRemoved: 0 };
}
