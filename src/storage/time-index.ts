// Sparse time index of one segment (.timeindex). On disk: 12-byte entries, big-endian,
//   int64 timestamp | int32 relativeOffset
// where timestamp is the largest batch maxTimestamp seen so far in the segment and relativeOffset is
// (last offset of the batch holding it) - segment baseOffset. Entries are added alongside offset
// index entries and once more when the segment is rolled, only when the timestamp grew, so the
// timestamps are strictly increasing and the last entry holds the segment's largest timestamp.
import { readInt64, writeInt64 } from '../protocol/records/batch.js';
import { IndexFile } from './index-file.js';

export const TIME_INDEX_ENTRY_SIZE = 12;

export class TimeIndex extends IndexFile {
  constructor(filePath: string, baseOffset: number) {
    super(filePath, baseOffset, TIME_INDEX_ENTRY_SIZE);
  }

  timestampAt(i: number): number {
    return readInt64(this.buf, i * TIME_INDEX_ENTRY_SIZE);
  }

  offsetAt(i: number): number {
    return this.baseOffset + this.buf.readInt32BE(i * TIME_INDEX_ENTRY_SIZE + 8);
  }

  lastTimestamp(): number {
    return this.count === 0 ? -1 : this.timestampAt(this.count - 1);
  }

  lastOffset(): number {
    return this.count === 0 ? -1 : this.offsetAt(this.count - 1);
  }

  /** Adds (timestamp, offset) in memory when timestamp exceeds the last entry's; persist() writes it. */
  maybeAppend(timestamp: number, offset: number): void {
    if (timestamp <= this.lastTimestamp()) return;
    const at = this.reserve();
    writeInt64(this.buf, at, timestamp);
    this.buf.writeInt32BE(offset - this.baseOffset, at + 8);
  }

  /**
   * An offset from which a scan for the first record with timestamp >= `timestamp` may start: the
   * offset of the last entry whose timestamp is below it (every record up to that offset is older),
   * or the segment's base offset when there is none.
   */
  scanStartFor(timestamp: number): number {
    let lo = 0;
    let hi = this.count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.timestampAt(mid) < timestamp) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found < 0 ? this.baseOffset : this.offsetAt(found);
  }

  /** Whole entries, timestamps strictly increasing, offsets non-decreasing and before `nextOffset`. */
  isConsistent(nextOffset: number): boolean {
    return this.loadedIntact && this.prefixIsConsistent(this.count, nextOffset);
  }

  /** As isConsistent, for the first `entries` entries alone (those a recovery point vouches for). */
  prefixIsConsistent(entries: number, nextOffset: number): boolean {
    let prevTs = -Infinity;
    let prevOffset = this.baseOffset;
    for (let i = 0; i < entries; i++) {
      const ts = this.timestampAt(i);
      const offset = this.offsetAt(i);
      if (ts <= prevTs || offset < prevOffset || offset >= nextOffset) return false;
      prevTs = ts;
      prevOffset = offset;
    }
    return true;
  }
}
