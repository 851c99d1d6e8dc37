// Sparse offset index of one segment (.index). On disk: 8-byte entries, big-endian,
//   int32 relativeOffset (batch baseOffset - segment baseOffset) | int32 position (in the .log file)
// one entry per indexIntervalBytes of log written (the segment's first batch is at position 0 and
// gets none), both columns strictly increasing. A lookup gives the position of the last indexed batch
// starting at or before an offset; the reader walks batch headers from there.
import { IndexFile } from './index-file.js';

export const OFFSET_INDEX_ENTRY_SIZE = 8;

export class OffsetIndex extends IndexFile {
  constructor(filePath: string, baseOffset: number) {
    super(filePath, baseOffset, OFFSET_INDEX_ENTRY_SIZE);
  }

  /** In memory; persist() writes it. */
  append(offset: number, position: number): void {
    const at = this.reserve();
    this.buf.writeInt32BE(offset - this.baseOffset, at);
    this.buf.writeInt32BE(position, at + 4);
  }

  offsetAt(i: number): number {
    return this.baseOffset + this.buf.readInt32BE(i * OFFSET_INDEX_ENTRY_SIZE);
  }

  positionAt(i: number): number {
    return this.buf.readInt32BE(i * OFFSET_INDEX_ENTRY_SIZE + 4);
  }

  /** Position of the last entry whose offset is <= `offset`; 0 (segment start) when there is none. */
  lookup(offset: number): number {
    const rel = offset - this.baseOffset;
    let lo = 0;
    let hi = this.count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.buf.readInt32BE(mid * OFFSET_INDEX_ENTRY_SIZE) <= rel) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found < 0 ? 0 : this.positionAt(found);
  }

  /**
   * Whether the loaded entries can be trusted for a closed segment of `logSize` bytes whose offsets
   * end before `nextOffset`: whole entries, both columns strictly increasing and in range.
   */
  isConsistent(logSize: number, nextOffset: number): boolean {
    return this.loadedIntact && this.prefixIsConsistent(this.count, logSize, nextOffset);
  }

  /** As isConsistent, for the first `entries` entries alone (those a recovery point vouches for). */
  prefixIsConsistent(entries: number, logSize: number, nextOffset: number): boolean {
    let prevRel = -1;
    let prevPos = -1;
    for (let i = 0; i < entries; i++) {
      const rel = this.buf.readInt32BE(i * OFFSET_INDEX_ENTRY_SIZE);
      const pos = this.positionAt(i);
      if (rel <= prevRel || pos <= prevPos || pos >= logSize) return false;
      prevRel = rel;
      prevPos = pos;
    }
    return entries === 0 || this.baseOffset + prevRel < nextOffset;
  }
}
