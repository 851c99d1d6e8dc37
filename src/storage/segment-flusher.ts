// The seam through which a rolled segment is made durable off the thread that owns its log, as
// Kafka's UnifiedLog.roll schedules the flush of the segment it closed: the segment's files are
// fdatasynced on libuv's thread pool (fs.fdatasync with a callback) while the shard worker's event
// loop runs on. The recovery point that moves once those flushes completed is written off the
// thread too (writePoint): its fsync waits on the same journal as the flushes, and a wait of a few
// hundred ms was seen there at 200 MB/s. PartitionLog.open takes one (ASYNC_FLUSHER by default);
// tests pass one that holds flushes pending and completes or fails them at will (without writePoint:
// the log then writes the point on its own thread, at once).
import * as fs from 'node:fs';
import { writeRecoveryPointAsync, type RecoveryPoint } from './checkpoint.js';

export interface SegmentFlusher {
  /**
   * fdatasyncs each of `fds` without blocking the caller, then calls `done` once: with null when
   * every one succeeded, else with the first error. The fds stay open until then, unless their
   * segment was closed meanwhile (deleted, or its log closed): that completion is the caller's to ignore.
   */
  flush(fds: readonly number[], done: (err: NodeJS.ErrnoException | null) => void): void;
  /** Writes the recovery point checkpoint of `dir` without blocking the caller, then calls `done`. */
  writePoint?(dir: string, point: RecoveryPoint, done: (err: NodeJS.ErrnoException | null) => void): void;
}

/** fs.fdatasync of each fd on the thread pool, all at once; the recovery point written there too. */
export const ASYNC_FLUSHER: SegmentFlusher = {
  writePoint: writeRecoveryPointAsync,
  flush(fds, done) {
    let left = fds.length;
    let first: NodeJS.ErrnoException | null = null;
    if (left === 0) {
      process.nextTick(done, null);
      return;
    }
    for (const fd of fds) {
      fs.fdatasync(fd, (err) => {
        if (err !== null && first === null) first = err;
        if (--left === 0) done(first);
      });
    }
  },
};
