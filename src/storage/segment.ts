// One segment of a partition log: the .log file plus its offset index, time index and transaction
// index (txn-index.ts, only once an aborted transaction ends in the segment).
// The .log file is whole record batches back to back, exactly as produced except for the base offset
// written in at append; there is no file header. The segment appends with positional writes at its
// size, finds the batch holding an offset (where a recent read ended, else an index lookup and a
// walk over batch headers), and reads whole batches as one standalone Buffer, in one pread when the
// first batch fits. Only the last segment of a log is appended to.
// Closing it for appends syncs its files: at once (closeForAppends: the log closing, recovery,
// compaction), or off the thread through a SegmentFlusher when the log rolls (closeForAppendsAsync),
// its index fds held open until that flush completes or the segment is closed.
import * as fs from 'node:fs';
import {
  BATCH_HEADER_SIZE, BatchInfo, LOG_OVERHEAD,
  batchSizeAt, checkHeaderAt, findRecordByTimestamp, lastOffsetDeltaAt, maxTimestampAt, nextOffsetAfter, readBaseOffset, writeBaseOffset,
} from '../protocol/records/batch.js';
import { INDEX_SUFFIX, LOG_SUFFIX, TIME_INDEX_SUFFIX, TXN_INDEX_SUFFIX, segmentPath } from './file-names.js';
import type { RecoveryPoint } from './checkpoint.js';
import { OffsetIndex } from './offset-index.js';
import type { StorageProbe } from './probe.js';
import { scanLogFile } from './recovery.js';
import type { SegmentFlusher } from './segment-flusher.js';
import { TimeIndex } from './time-index.js';
import { TransactionIndex } from './txn-index.js';

/** Scratch for batch header reads; the log is owned by one thread, so one is enough. */
const header = Buffer.allocUnsafe(BATCH_HEADER_SIZE);
const recordHit = { offsetDelta: 0, timestamp: 0 };
/** Read size of forEachBatchHeader: headers of small batches come many to a read. */
const HEADER_WALK_BYTES = 64 * 1024;
/** Where the reads of a segment ended, kept for the fetches that go on from there (readFrom). */
const READ_ENDS_KEPT = 16;

export function readFully(fd: number, buf: Buffer, off: number, len: number, position: number): number {
  let got = 0;
  while (got < len) {
    const n = fs.readSync(fd, buf, off + got, len - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}

function writeFully(fd: number, buf: Buffer, off: number, len: number, position: number): void {
  let done = 0;
  while (done < len) done += fs.writeSync(fd, buf, off + done, len - done, position + done);
}

function closeAll(fds: readonly number[]): void {
  for (const fd of fds) {
    try {
      fs.closeSync(fd);
    } catch {
      // closed is closed
    }
  }
}

/** Runs one step of undoing a failed append; false when it failed too. */
function undo(step: () => void): boolean {
  try {
    step();
    return true;
  } catch {
    return false;
  }
}

export class Segment {
  readonly dir: string;
  readonly baseOffset: number;
  readonly offsetIndex: OffsetIndex;
  readonly timeIndex: TimeIndex;
  readonly txnIndex: TransactionIndex;
  readonly logPath: string;
  /** Bytes of whole batches in the .log file. */
  size: number;
  /** One past the last offset held (the log end offset while this segment is active). */
  nextOffset: number;
  /** Largest batch maxTimestamp, and the last offset of the batch holding it; -1 when none. */
  maxTimestamp = -1;
  offsetOfMaxTimestamp = -1;
  /** When the segment started counting towards log.roll.ms; -1 until its first append. */
  rollReferenceMs = -1;
  /** Set when a failed append could not be undone on disk: the segment must not be appended to. */
  broken = false;
  /** Where its flush times go (the log's owner's). */
  readonly probe: StorageProbe;
  private fd: number;
  private bytesSinceLastIndexEntry = 0;
  /** The flush closeForAppendsAsync scheduled, while it has not completed (null: none), with the fds it opened for it. */
  private pendingFlush: { ownFds: number[] } | null = null;
  /**
   * Where recent reads ended: the offset one past a read's last batch, and the position of the
   * batch after it. A consumer's next fetch asks for exactly that offset, and finds its batch
   * here without an index lookup or a header read. Right for as long as the bytes before that
   * position stay as they are: emptied when the segment is rescanned (it may be cut shorter).
   */
  private readonly readEnds = new Map<number, number>();

  private constructor(dir: string, baseOffset: number, fd: number, size: number, probe: StorageProbe) {
    this.dir = dir;
    this.probe = probe;
    this.baseOffset = baseOffset;
    this.logPath = segmentPath(dir, baseOffset, LOG_SUFFIX);
    this.fd = fd;
    this.size = size;
    this.nextOffset = baseOffset;
    this.offsetIndex = new OffsetIndex(segmentPath(dir, baseOffset, INDEX_SUFFIX), baseOffset);
    this.timeIndex = new TimeIndex(segmentPath(dir, baseOffset, TIME_INDEX_SUFFIX), baseOffset);
    this.txnIndex = new TransactionIndex(segmentPath(dir, baseOffset, TXN_INDEX_SUFFIX));
  }

  /** A new, empty segment (any files of that name are replaced). */
  static create(dir: string, baseOffset: number, probe: StorageProbe): Segment {
    fs.rmSync(segmentPath(dir, baseOffset, INDEX_SUFFIX), { force: true });
    fs.rmSync(segmentPath(dir, baseOffset, TIME_INDEX_SUFFIX), { force: true });
    fs.rmSync(segmentPath(dir, baseOffset, TXN_INDEX_SUFFIX), { force: true });
    const { O_RDWR, O_CREAT, O_TRUNC } = fs.constants;
    const fd = fs.openSync(segmentPath(dir, baseOffset, LOG_SUFFIX), O_RDWR | O_CREAT | O_TRUNC, 0o644);
    const segment = new Segment(dir, baseOffset, fd, 0, probe);
    segment.offsetIndex.persist();
    segment.timeIndex.persist();
    return segment;
  }

  /** An existing segment; its indexes are loaded but not yet trusted (see adoptIndexes, recover). */
  static open(dir: string, baseOffset: number, probe: StorageProbe): Segment {
    const fd = fs.openSync(segmentPath(dir, baseOffset, LOG_SUFFIX), fs.constants.O_RDWR);
    return new Segment(dir, baseOffset, fd, fs.fstatSync(fd).size, probe);
  }

  /**
   * For a closed segment ending before `nextOffset`: trusts the loaded indexes when they are
   * consistent, taking the max timestamp from the time index's last entry. False: recover() it.
   */
  adoptIndexes(nextOffset: number): boolean {
    if (!this.offsetIndex.isConsistent(this.size, nextOffset)) return false;
    if (!this.timeIndex.isConsistent(nextOffset)) return false;
    if (this.size > 0 && this.timeIndex.entries === 0) return false;
    this.nextOffset = nextOffset;
    this.maxTimestamp = this.timeIndex.lastTimestamp();
    this.offsetOfMaxTimestamp = this.timeIndex.lastOffset();
    this.offsetIndex.closeFd();
    this.timeIndex.closeFd();
    return true;
  }

  /**
   * For the active segment after a clean shutdown: trusts the loaded indexes without reading the
   * records. The batch headers from the last offset index entry to the end of the file must be sane
   * and tile it exactly (their last one gives the next offset), and both indexes must be consistent
   * with that; a few header reads, whatever the segment's size. False: recover() it.
   */
  adoptActiveIndexes(): boolean {
    if (!this.offsetIndex.isConsistent(this.size, Number.MAX_SAFE_INTEGER)) return false;
    const entries = this.offsetIndex.entries;
    const tailStart = entries === 0 ? 0 : this.offsetIndex.positionAt(entries - 1);
    let nextOffset = entries === 0 ? this.baseOffset : this.offsetIndex.offsetAt(entries - 1);
    for (let position = tailStart; position < this.size;) {
      if (this.size - position < BATCH_HEADER_SIZE) return false;
      const h = this.readHeader(position);
      const size = checkHeaderAt(h, 0, this.size - position);
      const baseOffset = readBaseOffset(h, 0);
      if (size < 0 || (position === tailStart ? baseOffset !== nextOffset : baseOffset < nextOffset)) return false;
      nextOffset = baseOffset + lastOffsetDeltaAt(h, 0) + 1;
      position += size;
    }
    if (!this.timeIndex.isConsistent(nextOffset) || (this.size > 0 && this.timeIndex.entries === 0)) return false;
    this.nextOffset = nextOffset;
    this.maxTimestamp = this.size > 0 ? this.timeIndex.lastTimestamp() : -1;
    this.offsetOfMaxTimestamp = this.size > 0 ? this.timeIndex.lastOffset() : -1;
    this.bytesSinceLastIndexEntry = this.size - tailStart;
    // as recover(): log.roll.ms counts from the first batch's timestamp
    const first = this.size > 0 ? maxTimestampAt(this.readHeader(0), 0) : -1;
    this.rollReferenceMs = first >= 0 ? first : -1;
    return true;
  }

  /** What of this (active) segment the next fdatasync makes durable (see RecoveryPoint). */
  recoveryPoint(): RecoveryPoint {
    return {
      segmentBaseOffset: this.baseOffset, offset: this.nextOffset, position: this.size,
      maxTimestamp: this.maxTimestamp, offsetOfMaxTimestamp: this.offsetOfMaxTimestamp,
      offsetIndexEntries: this.offsetIndex.entries, timeIndexEntries: this.timeIndex.entries,
    };
  }

  /**
   * recover() from a recovery point of this segment: what precedes it (batches and index entries)
   * was fdatasynced and is kept; only the batches after it are validated. Returns the bytes
   * truncated, or null when the point does not fit the files (then recover() it all): a whole batch
   * header right after it must start at its offset, so a stale point never cuts good batches.
   * allowGaps: a closed segment (see recover).
   */
  recoverFrom(point: RecoveryPoint, indexIntervalBytes: number, allowGaps = false): number | null {
    const { position, offset, offsetIndexEntries, timeIndexEntries } = point;
    const fileSize = fs.fstatSync(this.fd).size;
    if (point.segmentBaseOffset !== this.baseOffset || position > fileSize || offset < this.baseOffset
      || offsetIndexEntries > this.offsetIndex.entries || timeIndexEntries > this.timeIndex.entries
      || !this.offsetIndex.prefixIsConsistent(offsetIndexEntries, position, offset)
      || !this.timeIndex.prefixIsConsistent(timeIndexEntries, offset)) return null;
    if (fileSize - position >= BATCH_HEADER_SIZE && readBaseOffset(this.readHeader(position), 0) !== offset) return null;
    return this.rescan(point, indexIntervalBytes, allowGaps);
  }

  /**
   * Validates the .log from the start, truncates it after the last good batch and rebuilds both
   * indexes from what it kept. Returns the bytes truncated. allowGaps: a closed segment, where
   * compaction may have dropped batches (see scanLogFile).
   */
  recover(indexIntervalBytes: number, allowGaps = false): number {
    return this.rescan({
      segmentBaseOffset: this.baseOffset, offset: this.baseOffset, position: 0,
      maxTimestamp: -1, offsetOfMaxTimestamp: -1, offsetIndexEntries: 0, timeIndexEntries: 0,
    }, indexIntervalBytes, allowGaps);
  }

  /** Keeps what precedes `point`, validates the batches after it, truncates after the last good one and indexes them. */
  private rescan(point: RecoveryPoint, indexIntervalBytes: number, allowGaps: boolean): number {
    const fileSize = fs.fstatSync(this.fd).size;
    const entries = point.offsetIndexEntries;
    this.offsetIndex.rollbackTo(entries);
    this.timeIndex.rollbackTo(point.timeIndexEntries);
    this.maxTimestamp = point.maxTimestamp;
    this.offsetOfMaxTimestamp = point.offsetOfMaxTimestamp;
    this.bytesSinceLastIndexEntry = point.position - (entries === 0 ? 0 : this.offsetIndex.positionAt(entries - 1));
    // log.roll.ms counts from the first batch's timestamp
    const first = point.position > 0 ? maxTimestampAt(this.readHeader(0), 0) : -1;
    this.rollReferenceMs = first >= 0 ? first : -1;
    const scan = scanLogFile(this.fd, fileSize, point.offset, (position, buf, at, size, baseOffset) => {
      const maxTimestamp = maxTimestampAt(buf, at);
      if (position === 0 && maxTimestamp >= 0) this.rollReferenceMs = maxTimestamp;
      this.indexBatch(position, size, baseOffset, baseOffset + lastOffsetDeltaAt(buf, at), maxTimestamp, indexIntervalBytes);
    }, allowGaps, point.position);
    if (scan.validBytes < fileSize) fs.ftruncateSync(this.fd, scan.validBytes);
    this.readEnds.clear();
    this.size = scan.validBytes;
    this.nextOffset = scan.nextOffset;
    this.offsetIndex.persist();
    this.timeIndex.persist();
    return fileSize - scan.validBytes;
  }

  private indexBatch(position: number, size: number, baseOffset: number, lastOffset: number, maxTimestamp: number,
    indexIntervalBytes: number): void {
    if (maxTimestamp > this.maxTimestamp) {
      this.maxTimestamp = maxTimestamp;
      this.offsetOfMaxTimestamp = lastOffset;
    }
    if (this.bytesSinceLastIndexEntry >= indexIntervalBytes) {
      this.offsetIndex.append(baseOffset, position);
      this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp);
      this.bytesSinceLastIndexEntry = 0;
    }
    this.bytesSinceLastIndexEntry += size;
  }

  /**
   * Appends validated batches (tiling `records`), numbering them from `firstOffset` and writing each
   * base offset into `records`. On an I/O error the segment is put back as it was (or marked broken
   * when even that fails) and the error is rethrown.
   */
  append(records: Buffer, batches: readonly BatchInfo[], firstOffset: number, indexIntervalBytes: number): void {
    const startSize = this.size;
    const offsetEntries = this.offsetIndex.entries;
    const timeEntries = this.timeIndex.entries;
    const maxTimestamp = this.maxTimestamp;
    const offsetOfMaxTimestamp = this.offsetOfMaxTimestamp;
    const bytesSinceLastIndexEntry = this.bytesSinceLastIndexEntry;
    let offset = firstOffset;
    for (let i = 0; i < batches.length; i++) {
      const batch = batches[i]!;
      writeBaseOffset(records, batch.position, offset);
      const lastOffset = offset + batch.lastOffsetDelta;
      this.indexBatch(startSize + batch.position, batch.size, offset, lastOffset, batch.maxTimestamp, indexIntervalBytes);
      offset = lastOffset + 1;
    }
    try {
      writeFully(this.fd, records, 0, records.length, startSize);
      this.offsetIndex.persist();
      this.timeIndex.persist();
    } catch (err) {
      this.maxTimestamp = maxTimestamp;
      this.offsetOfMaxTimestamp = offsetOfMaxTimestamp;
      this.bytesSinceLastIndexEntry = bytesSinceLastIndexEntry;
      // each undo on its own: the in-memory entries go back even when a file cannot
      let undone = undo(() => this.offsetIndex.rollbackTo(offsetEntries));
      undone = undo(() => this.timeIndex.rollbackTo(timeEntries)) && undone;
      undone = undo(() => fs.ftruncateSync(this.fd, startSize)) && undone;
      this.broken = !undone;
      throw err;
    }
    this.size = startSize + records.length;
    this.nextOffset = offset;
  }

  /** Reads the header of the batch at `position` into the shared scratch buffer. */
  private readHeader(position: number): Buffer {
    if (readFully(this.fd, header, 0, BATCH_HEADER_SIZE, position) < BATCH_HEADER_SIZE) {
      throw new Error(`${this.logPath}: short read of batch header at ${position}`);
    }
    return header;
  }

  /**
   * Position of the first batch whose last offset is >= `offset`, or -1 when the segment has none.
   * Leaves that batch's header in the shared scratch (for resolveRecord).
   */
  findBatch(offset: number): number {
    let position = this.offsetIndex.lookup(offset);
    while (position < this.size) {
      const h = this.readHeader(position);
      if (readBaseOffset(h, 0) + lastOffsetDeltaAt(h, 0) >= offset) return position;
      position += batchSizeAt(h, 0);
    }
    return -1;
  }

  /**
   * Walks the batch headers from the first batch holding `offset` or later to the end of the
   * segment. `visit` gets a buffer holding the header at `at` (valid only during the call) and the
   * batch's position in the file.
   */
  forEachBatchHeader(offset: number, visit: (buf: Buffer, at: number, position: number) => void): void {
    let position = this.findBatch(offset);
    if (position < 0) return;
    const window = Buffer.allocUnsafe(HEADER_WALK_BYTES);
    let start = 0;
    let length = 0;
    while (position < this.size) {
      if (position < start || position + BATCH_HEADER_SIZE > start + length) {
        start = position;
        length = readFully(this.fd, window, 0, Math.min(HEADER_WALK_BYTES, this.size - position), position);
        if (length < BATCH_HEADER_SIZE) throw new Error(`${this.logPath}: short read of batch header at ${position}`);
      }
      const at = position - start;
      visit(window, at, position);
      position += batchSizeAt(window, at);
    }
  }

  /**
   * Whole batches from the first one holding `offset` or later, up to `maxBytes`, as read()
   * reads them; null when the segment has none. A read that goes on from where an earlier one
   * ended (a consumer's next fetch) needs one pread in all.
   */
  readFrom(offset: number, maxBytes: number, alloc?: (size: number) => Buffer, minOneMessage = true): Buffer | null {
    const hinted = this.readEnds.get(offset);
    const position = hinted !== undefined && hinted < this.size ? hinted : this.findBatch(offset);
    if (position < 0) return null;
    const records = this.read(position, maxBytes, alloc, minOneMessage);
    if (records.length > 0) {
      const next = nextOffsetAfter(records, offset);
      if (this.readEnds.size >= READ_ENDS_KEPT && !this.readEnds.has(next)) this.readEnds.clear();
      this.readEnds.set(next, position + records.length);
    }
    return records;
  }

  /**
   * Whole batches from `position` (a batch start) up to `maxBytes`, read into `alloc(size)` (by
   * default one standalone allocation, transferable); the result may be a subarray of it. With
   * `minOneMessage` (Kafka's name) the first batch comes whole even when larger than maxBytes;
   * without it such a read is empty, and nothing is allocated for it. With `minOneMessage`, one
   * pread when the first batch fits in maxBytes; when it does not, `alloc` is called a second
   * time, for the whole batch, and only that buffer is used.
   */
  read(position: number, maxBytes: number, alloc: (size: number) => Buffer = Buffer.allocUnsafeSlow, minOneMessage = true): Buffer {
    if (!minOneMessage && maxBytes < BATCH_HEADER_SIZE) return Buffer.allocUnsafeSlow(0);
    const want = Math.min(maxBytes, this.size - position);
    let firstSize = -1;
    if (!minOneMessage || want < BATCH_HEADER_SIZE) {
      // The header first: nothing is read (or allocated) unless the first batch fits, and a read
      // this short would not hold the header.
      firstSize = batchSizeAt(this.readHeader(position), 0);
      if (!minOneMessage && firstSize > maxBytes) return Buffer.allocUnsafeSlow(0);
    }
    let size = Math.max(firstSize, want);
    let out = alloc(size);
    let got = readFully(this.fd, out, 0, size, position);
    if (firstSize < 0) {
      if (got < BATCH_HEADER_SIZE) throw new Error(`${this.logPath}: short read of batch header at ${position}`);
      firstSize = batchSizeAt(out, 0);
      if (firstSize > got) {
        // Larger than maxBytes: the first batch is read whole.
        size = firstSize;
        out = alloc(size);
        got = readFully(this.fd, out, 0, size, position);
      }
    }
    if (got < firstSize) throw new Error(`${this.logPath}: short read of the batch at ${position}`);
    let end = firstSize;
    while (end + LOG_OVERHEAD <= got) {
      const size = batchSizeAt(out, end);
      if (size < BATCH_HEADER_SIZE || end + size > got) break;
      end += size;
    }
    return end === got ? out : out.subarray(0, end);
  }

  /**
   * The first record with timestamp >= `timestamp`: found through the time index, then batch headers,
   * then (uncompressed or gzip CreateTime batches) the records themselves; for other batches the
   * batch's base offset and maxTimestamp. False when no batch here has maxTimestamp >= timestamp.
   */
  offsetForTimestamp(timestamp: number, out: { offset: number; timestamp: number }): boolean {
    if (this.maxTimestamp < timestamp) return false;
    let position = this.offsetIndex.lookup(this.timeIndex.scanStartFor(timestamp));
    while (position < this.size) {
      const h = this.readHeader(position);
      if (maxTimestampAt(h, 0) >= timestamp) {
        this.resolveRecord(position, timestamp, out);
        return true;
      }
      position += batchSizeAt(h, 0);
    }
    return false;
  }

  /**
   * For the batch at `position` (its header in the scratch buffer): the first record with timestamp
   * >= `timestamp` where its records can be read (uncompressed or gzip: true), else the batch as a
   * whole: its base offset and maxTimestamp (false).
   */
  resolveRecord(position: number, timestamp: number, out: { offset: number; timestamp: number }): boolean {
    const size = batchSizeAt(header, 0);
    const baseOffset = readBaseOffset(header, 0);
    out.offset = baseOffset;
    out.timestamp = maxTimestampAt(header, 0);
    const batch = Buffer.allocUnsafe(size);
    if (readFully(this.fd, batch, 0, size, position) < size) return false;
    if (!findRecordByTimestamp(batch, 0, timestamp, recordHit)) return false;
    out.offset = baseOffset + recordHit.offsetDelta;
    out.timestamp = recordHit.timestamp;
    return true;
  }

  /** For retention: the largest timestamp, or the file's mtime when no batch carries one. */
  largestTimestamp(): number {
    return this.maxTimestamp >= 0 ? this.maxTimestamp : this.lastModifiedMs();
  }

  /** The .log file's mtime (ListOffsets v0 dates segments by it, as Kafka does). */
  lastModifiedMs(): number {
    return fs.fstatSync(this.fd).mtimeMs;
  }

  /** Stops appends: final time index entry, everything synced, index fds closed. */
  closeForAppends(): void {
    this.appendLastTimeIndexEntry();
    this.flush();
    this.txnIndex.sync();
    this.offsetIndex.closeFd();
    this.timeIndex.closeFd();
  }

  /**
   * Stops appends as closeForAppends, but the records and indexes are synced by `flusher`, off this
   * thread (a roll): `done` gets null once they are durable, or the error. Until then the index fds
   * stay open; flushNow() completes the flush here instead, close() gives it up. Either way `done`
   * still comes, and is then the caller's to ignore. The flush's time goes to the probe.
   * alsoSync: fds of other files to sync in the same flush (the roll's producer state snapshot and
   * the directory); the segment closes them with its own.
   */
  closeForAppendsAsync(flusher: SegmentFlusher, done: (err: NodeJS.ErrnoException | null) => void, alsoSync: readonly number[] = []): void {
    const pending = { ownFds: [...alsoSync] };
    let fds: number[];
    try {
      this.appendLastTimeIndexEntry();
      fds = [this.fd, this.offsetIndex.syncFd(), this.timeIndex.syncFd()];
      const txnFd = this.txnIndex.openForSync();
      if (txnFd >= 0) pending.ownFds.push(txnFd);
    } catch (err) {
      closeAll(pending.ownFds);
      throw err;
    }
    fds.push(...pending.ownFds);
    this.pendingFlush = pending;
    const started = performance.now();
    flusher.flush(fds, (err) => {
      if (this.pendingFlush === pending) {
        this.pendingFlush = null;
        if (err === null) this.probe.fsync((performance.now() - started) / 1000);
        this.releaseFlushFds(pending);
      }
      done(err);
    });
  }

  /** Completes the pending flush (closeForAppendsAsync) on this thread, at once; a no-op without one. */
  flushNow(): void {
    const pending = this.pendingFlush;
    if (pending === null) return;
    this.pendingFlush = null;
    try {
      this.flush();
      for (const fd of pending.ownFds) fs.fdatasyncSync(fd);
    } finally {
      this.releaseFlushFds(pending);
    }
  }

  private releaseFlushFds(pending: { ownFds: number[] }): void {
    this.offsetIndex.closeFd();
    this.timeIndex.closeFd();
    closeAll(pending.ownFds.splice(0));
  }

  private appendLastTimeIndexEntry(): void {
    if (this.maxTimestamp >= 0) {
      this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp);
      this.timeIndex.persist();
    }
  }

  /** fdatasync of the records and both indexes; its time goes to the probe. */
  flush(): void {
    const started = performance.now();
    fs.fdatasyncSync(this.fd);
    this.offsetIndex.sync();
    this.timeIndex.sync();
    this.probe.fsync((performance.now() - started) / 1000);
  }

  /** Closes its fds; a flush still pending is given up (its completion changes nothing here). */
  close(): void {
    const pending = this.pendingFlush;
    this.pendingFlush = null;
    if (pending !== null) closeAll(pending.ownFds.splice(0));
    this.offsetIndex.closeFd();
    this.timeIndex.closeFd();
    if (this.fd >= 0) {
      fs.closeSync(this.fd);
      this.fd = -1;
    }
  }

  /** Closes and removes the segment's files. */
  delete(): void {
    this.close();
    Segment.removeFiles(this.dir, this.baseOffset);
  }

  /** Removes a segment's files, the .log first (an orphaned index is cleared at the next open). */
  static removeFiles(dir: string, baseOffset: number): void {
    for (const suffix of [LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX, TXN_INDEX_SUFFIX]) {
      fs.rmSync(segmentPath(dir, baseOffset, suffix), { force: true });
    }
  }
}
