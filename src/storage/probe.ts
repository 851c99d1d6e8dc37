// What storage reports about its work, to whoever owns it (as Redpanda's storage::probe): the time of
// each segment flush and the producer appends of a partition. A log's owner passes one in when it
// opens the log (the shard worker: metrics/shard-stats.ts keeps the counts); storage keeps no
// counters of its own and knows nothing of /metrics. Called on the append path: no allocation.

export interface StorageProbe {
  /** A segment flush (fdatasync of its records and both indexes) took `seconds`. */
  fsync(seconds: number): void;
  /** A producer's batches were appended: `records` records in `bytes` bytes (transaction markers are not counted). */
  appended(bytes: number, records: number): void;
}

/** Reports nowhere: for logs whose owner counts nothing (tools, tests). */
export const NO_PROBE: StorageProbe = { fsync() {}, appended() {} };
