// Recovery scan of one .log file: walks it batch by batch from position 0, checking each header
// (sane v2 header, base offset continuing from the previous batch) and its CRC-32C, and stops at the
// first batch that is torn or corrupt. A compacted (closed) segment has gaps where the cleaner dropped
// batches, so there the base offset need only be past the previous batch (allowGaps). Everything from there on is what recovery truncates. Reads go
// through one reusable window (1 MiB, grown for larger batches), so a scan costs a read per window,
// not per batch.
import * as fs from 'node:fs';
import {
  BATCH_HEADER_SIZE, checkHeaderAt, crcMatches, lastOffsetDeltaAt, readBaseOffset,
} from '../protocol/records/batch.js';

const WINDOW_BYTES = 1 << 20;

/** File bytes [start, start + length) held in buf[0, length). */
class FileWindow {
  buf = Buffer.allocUnsafe(WINDOW_BYTES);
  private start = 0;
  private length = 0;

  constructor(private readonly fd: number, private readonly fileSize: number) {}

  /** Makes file bytes [pos, pos + len) available and returns where they start in buf. */
  load(pos: number, len: number): number {
    if (pos >= this.start && pos + len <= this.start + this.length) return pos - this.start;
    if (len > this.buf.length) this.buf = Buffer.allocUnsafe(Math.max(len, this.buf.length * 2));
    const want = Math.min(this.buf.length, this.fileSize - pos);
    let got = 0;
    while (got < want) {
      const n = fs.readSync(this.fd, this.buf, got, want - got, pos + got);
      if (n === 0) break;
      got += n;
    }
    this.start = pos;
    this.length = got;
    return 0;
  }
}

/** Called for each good batch; `buf[at, at + size)` holds the whole batch. */
export type BatchVisitor = (position: number, buf: Buffer, at: number, size: number, baseOffset: number) => void;

export interface ScanResult {
  /** Length of the valid prefix: where the first bad batch (or the end of file) starts. */
  validBytes: number;
  /** One past the last offset of the valid prefix. */
  nextOffset: number;
}

/** `from`: a batch start (a recovery point) to scan from, the first batch there at offset `baseOffset`. */
export function scanLogFile(fd: number, fileSize: number, baseOffset: number, visit: BatchVisitor, allowGaps = false, from = 0): ScanResult {
  const window = new FileWindow(fd, fileSize);
  let position = from;
  let expected = baseOffset;
  while (fileSize - position >= BATCH_HEADER_SIZE) {
    let at = window.load(position, BATCH_HEADER_SIZE);
    const size = checkHeaderAt(window.buf, at, fileSize - position);
    if (size < 0) break;
    const batchBase = readBaseOffset(window.buf, at);
    if (allowGaps ? batchBase < expected : batchBase !== expected) break;
    at = window.load(position, size);
    if (!crcMatches(window.buf, at, size)) break;
    visit(position, window.buf, at, size, batchBase);
    expected = batchBase + lastOffsetDeltaAt(window.buf, at) + 1;
    position += size;
  }
  return { validBytes: position, nextOffset: expected };
}
