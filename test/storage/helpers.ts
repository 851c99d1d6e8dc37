// Shared helpers for storage tests: temp directories, a test LogConfig, batches ready to append, a
// SegmentFlusher that holds rolled segments' flushes until the test completes or fails them.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { LogConfig, PartitionLog } from '../../src/storage/log.js';
import type { SegmentFlusher } from '../../src/storage/segment-flusher.js';
import { scanBatches, type BatchInfo } from '../../src/protocol/records/batch.js';
import { buildBatch, type BuildBatchOptions } from '../records/build-batch.js';

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'samsa-storage-'));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

export function config(overrides: Partial<LogConfig> = {}): LogConfig {
  return {
    segmentBytes: 1073741824, segmentMs: 604800000, retentionMs: -1, retentionBytes: -1,
    flushIntervalMessages: Number.MAX_SAFE_INTEGER, indexIntervalBytes: 4096, ...overrides,
  };
}

/** Batches built and validated as the produce path would hand them to append(). */
export function produce(...opts: BuildBatchOptions[]): { records: Buffer; batches: BatchInfo[] } {
  const records = Buffer.concat(opts.map((o) => buildBatch(o)));
  const scan = scanBatches(records);
  if (scan.code !== 0) throw new Error('test batch did not validate');
  return { records, batches: scan.batches };
}

/** Base offsets and last offsets of the batches in a read result. */
export function offsetsOf(records: Buffer): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let p = 0; p < records.length;) {
    const base = Number(records.readBigInt64BE(p));
    out.push([base, base + records.readInt32BE(p + 23)]);
    p += 12 + records.readInt32BE(p + 8);
  }
  return out;
}

export function listDir(dir: string): string[] {
  return fs.readdirSync(dir).sort();
}

/** Runs `fn` with a fresh temp directory, removed afterwards whatever happens. */
export function withDir(fn: (dir: string) => void): void {
  const dir = tempDir();
  try {
    fn(dir);
  } finally {
    removeDir(dir);
  }
}

export function append(log: PartitionLog, ...opts: BuildBatchOptions[]): { baseOffset: number; lastOffset: number } {
  const p = produce(...opts);
  return log.append(p.records, p.batches);
}

/** Every batch from logStartOffset to logEndOffset, read the way a consumer would. */
export function readAll(log: PartitionLog): Buffer {
  const parts: Buffer[] = [];
  for (let offset = log.logStartOffset; offset < log.logEndOffset;) {
    const records = log.read(offset, 1 << 20).records;
    if (records.length === 0) break;
    parts.push(records);
    offset = offsetsOf(records).at(-1)![1] + 1;
  }
  return Buffer.concat(parts);
}

type FlushDone = (err: NodeJS.ErrnoException | null) => void;

/** Holds each flush a roll schedules until the test completes it (fdatasync here, then done) or fails it. */
export class HeldFlusher implements SegmentFlusher {
  readonly pending: Array<{ fds: readonly number[]; done: FlushDone }> = [];

  flush(fds: readonly number[], done: FlushDone): void {
    this.pending.push({ fds, done });
  }

  /** Completes the held flush at `index` (oldest first): each fd fdatasynced, the first error (EBADF of a closed fd, say) to done. */
  complete(index = 0): void {
    const [flush] = this.pending.splice(index, 1);
    if (flush === undefined) throw new Error(`no held flush at ${index}`);
    let first: NodeJS.ErrnoException | null = null;
    for (const fd of flush.fds) {
      try {
        fs.fdatasyncSync(fd);
      } catch (err) {
        first ??= err as NodeJS.ErrnoException;
      }
    }
    flush.done(first);
  }

  completeAll(): void {
    while (this.pending.length > 0) this.complete(0);
  }

  /** Fails the held flush at `index` with `code` (EIO by default), syncing nothing. */
  fail(index = 0, code = 'EIO'): void {
    const [flush] = this.pending.splice(index, 1);
    if (flush === undefined) throw new Error(`no held flush at ${index}`);
    flush.done(Object.assign(new Error(`${code}: i/o error, fdatasync`), { code }));
  }
}
