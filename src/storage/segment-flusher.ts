// The seam through which a rolled segment is made durable off the thread that owns its log, as
// Kafka's UnifiedLog.roll schedules the flush of the segment it closed: the segment's files are
// fdatasynced on libuv's thread pool (fs.fdatasync with a callback) while the shard worker's event
// loop runs on. PartitionLog.open takes one (ASYNC_FLUSHER by default); tests pass one that holds
// flushes pending and completes or fails them at will.
import * as fs from 'node:fs';

export interface SegmentFlusher {
  /**
   * fdatasyncs each of `fds` without blocking the caller, then calls `done` once: with null when
   * every one succeeded, else with the first error. The fds stay open until then, unless their
   * segment was closed meanwhile (deleted, or its log closed): that completion is the caller's to ignore.
   */
  flush(fds: readonly number[], done: (err: NodeJS.ErrnoException | null) => void): void;
}

/** fs.fdatasync of each fd on the thread pool, all at once. */
export const ASYNC_FLUSHER: SegmentFlusher = {
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
