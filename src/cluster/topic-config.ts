// Topic-level configs: the keys a topic may set at creation, their validation, and how a
// topic's configs and the broker's defaults combine into the LogConfig its partitions use.
import type { BrokerConfig } from '../config/index.js';
import type { LogConfig } from '../storage/log.js';

type Check = (value: string) => boolean;
const long: Check = (v) => /^-?\d+$/.test(v);
const atLeast = (min: number): Check => (v) => long(v) && Number(v) >= min;
const oneOf = (...allowed: string[]): Check => (v) => v.split(',').every((p) => allowed.includes(p.trim()));
const ratio: Check = (v) => /^\d+(\.\d+)?$/.test(v) && Number(v) <= 1;
const bool: Check = (v) => v === 'true' || v === 'false';

/** The topic configs Kafka knows; Samsa stores them all and acts on those LogConfig reads. */
const TOPIC_CONFIGS: Record<string, Check> = {
  'cleanup.policy': oneOf('delete', 'compact'),
  'compression.type': oneOf('uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'),
  'delete.retention.ms': atLeast(0),
  'file.delete.delay.ms': atLeast(0),
  'flush.messages': atLeast(1),
  'flush.ms': atLeast(0),
  'index.interval.bytes': atLeast(0),
  'max.compaction.lag.ms': atLeast(1),
  'max.message.bytes': atLeast(0),
  'message.timestamp.type': oneOf('CreateTime', 'LogAppendTime'),
  'message.timestamp.difference.max.ms': atLeast(0),
  'message.timestamp.before.max.ms': atLeast(0),
  'message.timestamp.after.max.ms': atLeast(0),
  'message.downconversion.enable': bool,
  'min.cleanable.dirty.ratio': ratio,
  'min.compaction.lag.ms': atLeast(0),
  'min.insync.replicas': atLeast(1),
  'preallocate': bool,
  'retention.bytes': atLeast(-1),
  'retention.ms': atLeast(-1),
  'segment.bytes': atLeast(14),
  'segment.index.bytes': atLeast(4),
  'segment.jitter.ms': atLeast(0),
  'segment.ms': atLeast(1),
  'unclean.leader.election.enable': bool,
};

/** Null when the config is acceptable, else the reason. */
export function checkTopicConfig(name: string, value: string | null): string | null {
  const check = TOPIC_CONFIGS[name];
  if (check === undefined) return `Unknown topic config name: ${name}`;
  if (value === null || !check(value)) return `Invalid value ${value} for configuration ${name}`;
  return null;
}

export function logConfigFor(broker: BrokerConfig, configs: Record<string, string>): LogConfig {
  const num = (key: string, fallback: number): number => (configs[key] !== undefined ? Number(configs[key]) : fallback);
  const policy = (configs['cleanup.policy'] ?? 'delete').split(',').map((p) => p.trim());
  return {
    compact: policy.includes('compact'),
    delete: policy.includes('delete'),
    deleteRetentionMs: num('delete.retention.ms', 86400000),
    minCompactionLagMs: num('min.compaction.lag.ms', 0),
    segmentBytes: num('segment.bytes', broker.logSegmentBytes),
    segmentMs: num('segment.ms', broker.logRollMs),
    retentionMs: num('retention.ms', broker.logRetentionMs),
    retentionBytes: num('retention.bytes', broker.logRetentionBytes),
    flushIntervalMessages: num('flush.messages', broker.logFlushIntervalMessages),
    indexIntervalBytes: num('index.interval.bytes', broker.logIndexIntervalBytes),
  };
}

export function usesLogAppendTime(configs: Record<string, string>): boolean {
  return configs['message.timestamp.type'] === 'LogAppendTime';
}

export function maxMessageBytes(broker: BrokerConfig, configs: Record<string, string>): number {
  return configs['max.message.bytes'] !== undefined ? Number(configs['max.message.bytes']) : broker.messageMaxBytes;
}
