// A partition log's topic settings (Kafka's LogConfig): segment size and age, retention, flushing,
// index density and the cleanup policy. The owner of a log passes them in at open and on every
// topic config change (PartitionLog.reconfigure); the cleaner (compaction.ts) reads them too.

export interface LogConfig {
  /** log.segment.bytes (default 1073741824); at most 2^31 - 1, positions are int32 in the index. */
  segmentBytes: number;
  /** log.roll.ms (default 604800000). */
  segmentMs: number;
  /** retention.ms; -1 keeps forever. */
  retentionMs: number;
  /** retention.bytes; -1 is no limit. */
  retentionBytes: number;
  /** flush.messages: Number.MAX_SAFE_INTEGER leaves flushing to the OS; 1 syncs before append returns. */
  flushIntervalMessages: number;
  /** index.interval.bytes (default 4096). */
  indexIntervalBytes: number;
  /** cleanup.policy contains compact (default false): compact() cleans closed segments. */
  compact?: boolean;
  /** cleanup.policy contains delete (default true): enforceRetention() deletes old segments. */
  delete?: boolean;
  /** delete.retention.ms (default 86400000): how long a compacted log keeps tombstones. */
  deleteRetentionMs?: number;
  /** min.compaction.lag.ms (default 0): compaction removes no record younger than this. */
  minCompactionLagMs?: number;
}

export const DEFAULT_LOG_CONFIG: Readonly<LogConfig> = {
  segmentBytes: 1073741824,
  segmentMs: 604800000,
  retentionMs: 604800000,
  retentionBytes: -1,
  flushIntervalMessages: Number.MAX_SAFE_INTEGER,
  indexIntervalBytes: 4096,
};
