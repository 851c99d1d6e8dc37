// A segment's transaction index (<baseOffset>.txnindex), Kafka's TransactionIndex: one entry per
// aborted transaction whose ABORT marker lies in the segment, in marker order. A read_committed
// Fetch asks it which aborted transactions overlap the data it returns (collectAbortedTxns).
//
// File format, Kafka's: no header, entries of 34 bytes back to back, big-endian:
//   version int16 (0) | producerId int64 | firstOffset int64 | lastOffset int64 | lastStableOffset int64
// firstOffset is the transaction's first offset in this partition, lastOffset the ABORT marker's
// offset, lastStableOffset the partition's last stable offset just after the marker (it bounds the
// search: once an entry's lastStableOffset reaches the end of the fetched range, no later entry can
// overlap it). A torn last entry is ignored. The file is created on the first entry, written
// without fsync (recovery rebuilds the entries of the segments it rescans, see log.ts) and fsynced
// when its segment is closed for appends (off the log's thread when it rolled, see segment-flusher.ts).
import * as fs from 'node:fs';
import { readInt64, writeInt64 } from '../protocol/records/batch.js';

export const TXN_ENTRY_SIZE = 34;
const VERSION = 0;

export interface AbortedTxn { producerId: number; firstOffset: number; lastOffset: number; lastStableOffset: number }

export class TransactionIndex {
  /** Loaded on first use. */
  private entries: AbortedTxn[] | null = null;
  private dirty = false;

  constructor(readonly path: string) {}

  private load(): AbortedTxn[] {
    if (this.entries !== null) return this.entries;
    const entries: AbortedTxn[] = [];
    let buf: Buffer;
    try {
      buf = fs.readFileSync(this.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      buf = Buffer.alloc(0);
    }
    let p = 0;
    for (; p + TXN_ENTRY_SIZE <= buf.length; p += TXN_ENTRY_SIZE) {
      if (buf.readInt16BE(p) !== VERSION) break;
      entries.push({
        producerId: readInt64(buf, p + 2), firstOffset: readInt64(buf, p + 10),
        lastOffset: readInt64(buf, p + 18), lastStableOffset: readInt64(buf, p + 26),
      });
    }
    // a torn or unreadable tail goes, so that later entries are appended on an entry boundary
    if (p < buf.length) fs.truncateSync(this.path, p);
    this.entries = entries;
    return entries;
  }

  get size(): number {
    return this.load().length;
  }

  all(): readonly AbortedTxn[] {
    return this.load();
  }

  append(txn: AbortedTxn): void {
    const entries = this.load();
    fs.appendFileSync(this.path, encode([txn]));
    entries.push(txn);
    this.dirty = true;
  }

  /**
   * Adds to `out` the entries of transactions that overlap [fetchOffset, upperBoundOffset); true when
   * the search is complete (an entry's lastStableOffset reached upperBoundOffset), false when later
   * segments must be searched too.
   */
  collectAbortedTxns(fetchOffset: number, upperBoundOffset: number, out: AbortedTxn[]): boolean {
    for (const txn of this.load()) {
      if (txn.lastOffset >= fetchOffset && txn.firstOffset < upperBoundOffset) out.push(txn);
      if (txn.lastStableOffset >= upperBoundOffset) return true;
    }
    return false;
  }

  /** Drops the entries whose marker is at or after `offset` (recovery rebuilds them). */
  truncateTo(offset: number): void {
    const entries = this.load();
    const kept = entries.filter((t) => t.lastOffset < offset);
    if (kept.length === entries.length) return;
    this.entries = kept;
    if (kept.length === 0) fs.rmSync(this.path, { force: true });
    else fs.writeFileSync(this.path, encode(kept));
    this.dirty = kept.length > 0;
  }

  /**
   * For a sync off this thread: an fd of the file when entries were written since the last sync (the
   * caller fdatasyncs and closes it), else -1. The entries count as synced from here on: a sync that
   * fails leaves recovery to rebuild them (see log.ts).
   */
  openForSync(): number {
    if (!this.dirty) return -1;
    const fd = fs.openSync(this.path, 'r');
    this.dirty = false;
    return fd;
  }

  /** fsyncs the file when entries were written since the last sync. */
  sync(): void {
    if (!this.dirty) return;
    const fd = fs.openSync(this.path, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    this.dirty = false;
  }
}

function encode(txns: readonly AbortedTxn[]): Buffer {
  const buf = Buffer.allocUnsafe(txns.length * TXN_ENTRY_SIZE);
  txns.forEach((t, i) => {
    const p = i * TXN_ENTRY_SIZE;
    buf.writeInt16BE(VERSION, p);
    writeInt64(buf, p + 2, t.producerId);
    writeInt64(buf, p + 10, t.firstOffset);
    writeInt64(buf, p + 18, t.lastOffset);
    writeInt64(buf, p + 26, t.lastStableOffset);
  });
  return buf;
}
