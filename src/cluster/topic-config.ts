// Topic-level configs: every key a topic may set, its type, its validation, the broker key that
// supplies its default (Kafka's synonym) and a line of documentation; and how a topic's configs
// and the broker's settings combine into what its partitions use (LogConfig, and the produce
// path's max.message.bytes, message.timestamp.type, compression.type and min.insync.replicas).
import type { BrokerConfig } from '../config/index.js';
import { COMPRESSION_TYPES } from '../protocol/records/compression.js';
import type { LogConfig } from '../storage/log.js';

type Check = (value: string) => boolean;
const long: Check = (v) => /^-?\d+$/.test(v) && Number.isSafeInteger(Number(v)) || v === LONG_MAX;
const atLeast = (min: number): Check => (v) => long(v) && Number(v) >= min;
const intAtLeast = (min: number): Check => (v) => atLeast(min)(v) && Number(v) <= 0x7fffffff;
const oneOf = (...allowed: string[]): Check => (v) => allowed.includes(v);
const listOf = (...allowed: string[]): Check => (v) => v.split(',').every((p) => allowed.includes(p.trim()));
const ratio: Check = (v) => /^\d+(\.\d+)?$/.test(v) && Number(v) <= 1;
const bool: Check = (v) => v === 'true' || v === 'false';

/** Kafka's ConfigType codes, as DescribeConfigs v3+ answers them. */
export const ConfigType = { BOOLEAN: 1, STRING: 2, INT: 3, LONG: 5, DOUBLE: 6, LIST: 7 } as const;

const LONG_MAX = '9223372036854775807';
/** Number.MAX_SAFE_INTEGER stands for Long.MAX_VALUE in the broker's settings. */
const longText = (n: number): string => (n >= Number.MAX_SAFE_INTEGER ? LONG_MAX : String(n));

export interface TopicConfigDef {
  check: Check;
  type: number;
  /** The broker setting that supplies the default (DescribeConfigs' synonym). */
  brokerKey: string;
  /** The broker's value for it: the topic's default. */
  brokerValue: (b: BrokerConfig) => string;
  doc: string;
}

const fixed = (value: string) => (): string => value;

/** Every topic config Kafka knows; Samsa stores them all and acts on those LogConfig and the produce path read. */
export const TOPIC_CONFIGS: Readonly<Record<string, TopicConfigDef>> = {
  'cleanup.policy': { check: listOf('delete', 'compact'), type: ConfigType.LIST, brokerKey: 'log.cleanup.policy', brokerValue: (b) => b.logCleanupPolicy.join(','), doc: 'delete: old segments go by retention.ms and retention.bytes; compact: the log cleaner keeps each key\'s latest record; both together do both.' },
  'compression.type': { check: oneOf(...Object.keys(COMPRESSION_TYPES)), type: ConfigType.STRING, brokerKey: 'compression.type', brokerValue: (b) => b.compressionType, doc: 'The codec batches are stored in (uncompressed, gzip, snappy, lz4, zstd); batches in another codec are recompressed on append. producer keeps each batch as the producer sent it.' },
  'delete.retention.ms': { check: atLeast(0), type: ConfigType.LONG, brokerKey: 'log.cleaner.delete.retention.ms', brokerValue: (b) => String(b.logCleanerDeleteRetentionMs), doc: 'How long a compacted topic keeps tombstones (records with a null value) after their segment\'s newest record.' },
  'file.delete.delay.ms': { check: atLeast(0), type: ConfigType.LONG, brokerKey: 'log.segment.delete.delay.ms', brokerValue: fixed('60000'), doc: 'Stored, not acted on: Samsa deletes a segment\'s files at once.' },
  'flush.messages': { check: atLeast(1), type: ConfigType.LONG, brokerKey: 'log.flush.interval.messages', brokerValue: (b) => longText(b.logFlushIntervalMessages), doc: 'Appended messages after which the log is fsynced; by default flushing is left to the OS.' },
  'flush.ms': { check: atLeast(0), type: ConfigType.LONG, brokerKey: 'log.flush.interval.ms', brokerValue: fixed(LONG_MAX), doc: 'Stored, not acted on.' },
  'index.interval.bytes': { check: intAtLeast(0), type: ConfigType.INT, brokerKey: 'log.index.interval.bytes', brokerValue: (b) => String(b.logIndexIntervalBytes), doc: 'Bytes of batches between two entries of the offset and time indexes.' },
  'max.compaction.lag.ms': { check: atLeast(1), type: ConfigType.LONG, brokerKey: 'log.cleaner.max.compaction.lag.ms', brokerValue: fixed(LONG_MAX), doc: 'Stored, not acted on: the cleaner compacts every closed segment.' },
  'max.message.bytes': { check: intAtLeast(0), type: ConfigType.INT, brokerKey: 'message.max.bytes', brokerValue: (b) => String(b.messageMaxBytes), doc: 'The largest record batch the topic accepts (MESSAGE_TOO_LARGE beyond it).' },
  'message.downconversion.enable': { check: bool, type: ConfigType.BOOLEAN, brokerKey: 'log.message.downconversion.enable', brokerValue: fixed('true'), doc: 'Stored, not acted on: Samsa serves record batches v2 only.' },
  'message.timestamp.after.max.ms': { check: atLeast(0), type: ConfigType.LONG, brokerKey: 'log.message.timestamp.after.max.ms', brokerValue: fixed(LONG_MAX), doc: 'Stored, not acted on.' },
  'message.timestamp.before.max.ms': { check: atLeast(0), type: ConfigType.LONG, brokerKey: 'log.message.timestamp.before.max.ms', brokerValue: fixed(LONG_MAX), doc: 'Stored, not acted on.' },
  'message.timestamp.difference.max.ms': { check: atLeast(0), type: ConfigType.LONG, brokerKey: 'log.message.timestamp.difference.max.ms', brokerValue: fixed(LONG_MAX), doc: 'Stored, not acted on.' },
  'message.timestamp.type': { check: oneOf('CreateTime', 'LogAppendTime'), type: ConfigType.STRING, brokerKey: 'log.message.timestamp.type', brokerValue: (b) => b.logMessageTimestampType, doc: 'CreateTime keeps the producer\'s timestamps; LogAppendTime stamps each batch with the broker\'s time of append.' },
  'min.cleanable.dirty.ratio': { check: ratio, type: ConfigType.DOUBLE, brokerKey: 'log.cleaner.min.cleanable.ratio', brokerValue: fixed('0.5'), doc: 'Stored, not acted on: a pass starts whenever a segment has closed since the last one.' },
  'min.compaction.lag.ms': { check: atLeast(0), type: ConfigType.LONG, brokerKey: 'log.cleaner.min.compaction.lag.ms', brokerValue: (b) => String(b.logCleanerMinCompactionLagMs), doc: 'Compaction removes no record younger than this.' },
  'min.insync.replicas': { check: intAtLeast(1), type: ConfigType.INT, brokerKey: 'min.insync.replicas', brokerValue: (b) => String(b.minInsyncReplicas), doc: 'Replicas that must hold a batch before acks=all succeeds; a single broker is one, so above 1 such produces get NOT_ENOUGH_REPLICAS.' },
  'preallocate': { check: bool, type: ConfigType.BOOLEAN, brokerKey: 'log.preallocate', brokerValue: fixed('false'), doc: 'Stored, not acted on.' },
  'retention.bytes': { check: atLeast(-1), type: ConfigType.LONG, brokerKey: 'log.retention.bytes', brokerValue: (b) => String(b.logRetentionBytes), doc: 'Largest size of a partition before its oldest closed segments are deleted (cleanup.policy delete); -1 is no limit.' },
  'retention.ms': { check: atLeast(-1), type: ConfigType.LONG, brokerKey: 'log.retention.ms', brokerValue: (b) => String(b.logRetentionMs), doc: 'Age of a closed segment\'s newest record after which the segment is deleted (cleanup.policy delete); -1 keeps forever.' },
  'segment.bytes': { check: intAtLeast(14), type: ConfigType.INT, brokerKey: 'log.segment.bytes', brokerValue: (b) => String(b.logSegmentBytes), doc: 'Size at which the active segment is closed and a new one started.' },
  'segment.index.bytes': { check: intAtLeast(4), type: ConfigType.INT, brokerKey: 'log.index.size.max.bytes', brokerValue: fixed('10485760'), doc: 'Stored, not acted on: indexes grow as needed.' },
  'segment.jitter.ms': { check: atLeast(0), type: ConfigType.LONG, brokerKey: 'log.roll.jitter.ms', brokerValue: fixed('0'), doc: 'Stored, not acted on.' },
  'segment.ms': { check: atLeast(1), type: ConfigType.LONG, brokerKey: 'log.roll.ms', brokerValue: (b) => String(b.logRollMs), doc: 'Age after which the active segment is closed at the next append, even if not full.' },
  'unclean.leader.election.enable': { check: bool, type: ConfigType.BOOLEAN, brokerKey: 'unclean.leader.election.enable', brokerValue: fixed('false'), doc: 'Stored, not acted on: a single broker has no other replica to elect.' },
};

/** Null when the config is acceptable, else the reason. */
export function checkTopicConfig(name: string, value: string | null): string | null {
  const def = TOPIC_CONFIGS[name];
  if (def === undefined) return `Unknown topic config name: ${name}`;
  if (value === null || !def.check(value)) return `Invalid value ${value} for configuration ${name}`;
  return null;
}

/** The value a topic has for a config: its own, else the broker's default. */
export function topicConfigValue(broker: BrokerConfig, configs: Record<string, string>, name: string): string {
  return configs[name] ?? TOPIC_CONFIGS[name]!.brokerValue(broker);
}

function cleanupPolicy(broker: BrokerConfig, configs: Record<string, string>): string[] {
  return topicConfigValue(broker, configs, 'cleanup.policy').split(',').map((p) => p.trim());
}

/** cleanup.policy contains compact (compact, or compact,delete): every produced record needs a key. */
export function isCompacted(broker: BrokerConfig, configs: Record<string, string>): boolean {
  return cleanupPolicy(broker, configs).includes('compact');
}

export function logConfigFor(broker: BrokerConfig, configs: Record<string, string>): LogConfig {
  const num = (key: string): number => Number(topicConfigValue(broker, configs, key));
  const policy = cleanupPolicy(broker, configs);
  return {
    compact: policy.includes('compact'),
    delete: policy.includes('delete'),
    deleteRetentionMs: num('delete.retention.ms'),
    minCompactionLagMs: num('min.compaction.lag.ms'),
    segmentBytes: num('segment.bytes'),
    segmentMs: num('segment.ms'),
    retentionMs: num('retention.ms'),
    retentionBytes: num('retention.bytes'),
    flushIntervalMessages: Math.min(num('flush.messages'), Number.MAX_SAFE_INTEGER),
    indexIntervalBytes: num('index.interval.bytes'),
  };
}

export function usesLogAppendTime(broker: BrokerConfig, configs: Record<string, string>): boolean {
  return topicConfigValue(broker, configs, 'message.timestamp.type') === 'LogAppendTime';
}

export function maxMessageBytes(broker: BrokerConfig, configs: Record<string, string>): number {
  return Number(topicConfigValue(broker, configs, 'max.message.bytes'));
}

/** The codec batches are stored in, or -1 to keep the producer's. */
export function compressionCodec(broker: BrokerConfig, configs: Record<string, string>): number {
  return COMPRESSION_TYPES[topicConfigValue(broker, configs, 'compression.type')] ?? -1;
}

export function minInsyncReplicas(broker: BrokerConfig, configs: Record<string, string>): number {
  return Number(topicConfigValue(broker, configs, 'min.insync.replicas'));
}
