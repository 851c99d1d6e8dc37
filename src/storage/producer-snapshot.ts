// Producer state snapshots: <offset:20 digits>.snapshot in the partition directory (Kafka's name),
// the whole producer state (producer-state.ts) as it was with the log ending at that offset. The log
// writes one when a segment rolls and when it closes, keeps the latest two, and on open loads the
// latest one at or below its log end offset, then replays the batch headers after it.
//
// Samsa's own format, big-endian:
//   version int16 (1) | crc uint32: CRC-32C of every byte after it | producer count int32 | producers
//   producer: producerId int64 | producerEpoch int16 | coordinatorEpoch int32 | lastTimestamp int64 |
//             currentTxnFirstOffset int64 (-1: none) | batch count int8 (at most 5) | batches
//   batch (oldest first): firstSeq int32 | lastSeq int32 | firstOffset int64 | lastOffset int64 |
//             timestamp int64
// Written to <name>.tmp, fsynced and renamed, so a snapshot file is whole or absent; one that fails
// its CRC is ignored (and removed) as if absent. The snapshot of a roll is not fsynced here: as in
// Kafka, the roll's flush syncs it and the directory off the log's thread (log.ts); torn by a crash
// before that, it fails its CRC and the one before it is used.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { crc32c } from '@node-rs/crc32';
import { readInt64, writeInt64 } from '../protocol/records/batch.js';
import { SNAPSHOT_SUFFIX, offsetFileName, parseSnapshotFileName } from './file-names.js';
import type { ProducerEntry } from './producer-state.js';
import { syncDir } from './durable-file.js';

const VERSION = 1;
const HEADER_SIZE = 2 + 4 + 4;
const PRODUCER_SIZE = 8 + 2 + 4 + 8 + 8 + 1;
const BATCH_SIZE = 4 + 4 + 8 + 8 + 8;
/** Snapshots kept: the latest and the one before it. */
export const SNAPSHOTS_KEPT = 2;

export function snapshotPath(dir: string, offset: number): string {
  return path.join(dir, offsetFileName(offset, SNAPSHOT_SUFFIX));
}

export function encodeSnapshot(entries: Iterable<ProducerEntry>): Buffer {
  const list = [...entries];
  let size = HEADER_SIZE;
  for (const e of list) size += PRODUCER_SIZE + e.batches.length * BATCH_SIZE;
  const buf = Buffer.allocUnsafe(size);
  buf.writeInt16BE(VERSION, 0);
  buf.writeInt32BE(list.length, 6);
  let p = HEADER_SIZE;
  for (const e of list) {
    writeInt64(buf, p, e.producerId);
    buf.writeInt16BE(e.producerEpoch, p + 8);
    buf.writeInt32BE(e.coordinatorEpoch, p + 10);
    writeInt64(buf, p + 14, e.lastTimestamp);
    writeInt64(buf, p + 22, e.currentTxnFirstOffset);
    buf.writeInt8(e.batches.length, p + 30);
    p += PRODUCER_SIZE;
    for (const b of e.batches) {
      buf.writeInt32BE(b.firstSeq, p);
      buf.writeInt32BE(b.lastSeq, p + 4);
      writeInt64(buf, p + 8, b.firstOffset);
      writeInt64(buf, p + 16, b.lastOffset);
      writeInt64(buf, p + 24, b.timestamp);
      p += BATCH_SIZE;
    }
  }
  buf.writeUInt32BE(crc32c(buf.subarray(6)), 2);
  return buf;
}

/** The producers of a snapshot file's bytes; null when they are not a whole, intact snapshot. */
export function decodeSnapshot(buf: Buffer): ProducerEntry[] | null {
  if (buf.length < HEADER_SIZE || buf.readInt16BE(0) !== VERSION) return null;
  if (crc32c(buf.subarray(6)) !== buf.readUInt32BE(2)) return null;
  const count = buf.readInt32BE(6);
  const out: ProducerEntry[] = [];
  let p = HEADER_SIZE;
  for (let i = 0; i < count; i++) {
    if (p + PRODUCER_SIZE > buf.length) return null;
    const n = buf.readInt8(p + 30);
    const e: ProducerEntry = {
      producerId: readInt64(buf, p), producerEpoch: buf.readInt16BE(p + 8), coordinatorEpoch: buf.readInt32BE(p + 10),
      lastTimestamp: readInt64(buf, p + 14), currentTxnFirstOffset: readInt64(buf, p + 22), batches: [],
    };
    p += PRODUCER_SIZE;
    if (n < 0 || p + n * BATCH_SIZE > buf.length) return null;
    for (let j = 0; j < n; j++, p += BATCH_SIZE) {
      e.batches.push({ firstSeq: buf.readInt32BE(p), lastSeq: buf.readInt32BE(p + 4), firstOffset: readInt64(buf, p + 8), lastOffset: readInt64(buf, p + 16), timestamp: readInt64(buf, p + 24) });
    }
    out.push(e);
  }
  return p === buf.length ? out : null;
}

/**
 * Writes the snapshot at `offset` durably (temp file, fsync, rename, directory fsync); with `sync`
 * false neither fsync is done: the caller syncs the file and the directory.
 */
export function writeSnapshot(dir: string, offset: number, entries: Iterable<ProducerEntry>, sync = true): void {
  const final = snapshotPath(dir, offset);
  const tmp = `${final}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o644);
  try {
    fs.writeFileSync(fd, encodeSnapshot(entries));
    if (sync) fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, final);
  if (sync) syncDir(dir);
}

/** The offsets of the directory's snapshot files, ascending. */
export function listSnapshots(dir: string): number[] {
  const offsets: number[] = [];
  for (const name of fs.readdirSync(dir)) {
    const offset = parseSnapshotFileName(name);
    if (offset !== null) offsets.push(offset);
  }
  return offsets.sort((a, b) => a - b);
}

export function deleteSnapshot(dir: string, offset: number): void {
  fs.rmSync(snapshotPath(dir, offset), { force: true });
}

/** Removes all but the latest SNAPSHOTS_KEPT snapshots. */
export function deleteOldSnapshots(dir: string): void {
  const offsets = listSnapshots(dir);
  for (const offset of offsets.slice(0, Math.max(0, offsets.length - SNAPSHOTS_KEPT))) deleteSnapshot(dir, offset);
}

/**
 * The latest intact snapshot at or below `maxOffset`. Snapshots above it (taken before the log was
 * truncated below them) and unreadable ones are removed. Null when there is none.
 */
export function loadLatestSnapshot(dir: string, maxOffset: number): { offset: number; producers: ProducerEntry[] } | null {
  const offsets = listSnapshots(dir);
  for (let i = offsets.length - 1; i >= 0; i--) {
    const offset = offsets[i]!;
    if (offset > maxOffset) {
      deleteSnapshot(dir, offset);
      continue;
    }
    let producers: ProducerEntry[] | null = null;
    try {
      producers = decodeSnapshot(fs.readFileSync(snapshotPath(dir, offset)));
    } catch {
      producers = null;
    }
    if (producers !== null) return { offset, producers };
    deleteSnapshot(dir, offset);
  }
  return null;
}
