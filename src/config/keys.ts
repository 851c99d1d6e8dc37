// The key table: every setting samsa reads, one line each (key, type, default, validator, field).
// A key without a field is read by a rule in derive.ts (precedence between keys, listeners).
// Adding a setting: add its field to BrokerConfig and one line here.

import os from 'node:os';
import type { BrokerConfig } from './broker-config.js';
import { httpListenerProblem } from './listeners.js';
import {
  atLeast, nonEmptyList, oneOf, parseBoolean, parseInt32, parseInt64, parseList, parseString,
  type Parsed, type Parser, type Validator,
} from './values.js';

export type ValueType = 'int' | 'long' | 'boolean' | 'list' | 'string';

export interface KeyDef {
  key: string;
  type: ValueType;
  /** Parses and validates one raw value. */
  read(raw: string): Parsed<unknown>;
  /** The value when the key is not set; null = no default. */
  defaultValue(): unknown;
  /** Where the value lands in BrokerConfig; null = read by a rule in derive.ts. */
  field: keyof BrokerConfig | null;
  /** Set for a synonym: the key whose value this one supplies (conflicting values are an error). */
  aliasOf?: string;
}

/** The BrokerConfig fields a value of type V may be stored in. */
type FieldFor<V> = { [K in keyof BrokerConfig]-?: [V] extends [BrokerConfig[K]] ? K : never }[keyof BrokerConfig];
type Default<T> = T | null | (() => T);

function define<T>(type: ValueType, parse: Parser<T>) {
  return <D extends Default<T>>(
    key: string,
    dflt: D,
    validate: Validator<T> | null,
    field: FieldFor<T | (null extends D ? null : never)> | null,
  ): KeyDef => ({
    key,
    type,
    field,
    defaultValue: () => (typeof dflt === 'function' ? (dflt as () => T)() : dflt),
    read(raw) {
      const parsed = parse(raw);
      if (!parsed.ok || !validate) return parsed;
      const problem = validate(parsed.value);
      return problem === null ? parsed : { ok: false, problem };
    },
  });
}

const int = define('int', parseInt32);
const long = define('long', parseInt64);
const bool = define('boolean', parseBoolean);
const list = define('list', parseList);
const str = define('string', parseString);
const alias = (key: string, of: KeyDef): KeyDef => ({ ...of, key, field: null, aliasOf: of.key });

export const PINO_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const nodeId = int('node.id', 1, atLeast(0), 'nodeId');

export const KEY_TABLE: readonly KeyDef[] = [
  nodeId,
  alias('broker.id', nodeId),
  str('listeners', 'PLAINTEXT://localhost:9092', null, null),
  str('advertised.listeners', null, null, null),
  str('listener.security.protocol.map', null, null, null),
  list('controller.listener.names', [], null, null),
  list('log.dirs', null, nonEmptyList(), null),
  str('log.dir', './data', (v) => (v === '' ? 'must not be empty' : null), null),
  int('num.partitions', 1, atLeast(1), 'numPartitions'),
  int('default.replication.factor', 1, atLeast(1), 'defaultReplicationFactor'),
  bool('auto.create.topics.enable', true, null, 'autoCreateTopicsEnable'),
  int('message.max.bytes', 1048588, atLeast(0), 'messageMaxBytes'),
  int('socket.request.max.bytes', 104857600, atLeast(1), 'socketRequestMaxBytes'),
  int('queued.max.requests', 500, atLeast(1), 'queuedMaxRequests'),
  // Kafka's default is -1 (no limit); samsa bounds the request bytes it holds in memory.
  long('queued.max.request.bytes', 134217728, atLeast(-1), 'queuedMaxRequestBytes'),
  int('samsa.max.in.flight.requests.per.connection', 100, atLeast(1), 'maxInFlightRequestsPerConnection'),
  long('connections.max.idle.ms', 600000, atLeast(-1), 'connectionsMaxIdleMs'),
  long('samsa.request.read.timeout.ms', 30000, atLeast(-1), 'requestReadTimeoutMs'),
  int('log.segment.bytes', 1073741824, atLeast(1048576), 'logSegmentBytes'),
  long('log.roll.ms', null, atLeast(1), null),
  int('log.roll.hours', 168, atLeast(1), null),
  long('log.retention.ms', null, null, null),
  int('log.retention.minutes', null, null, null),
  int('log.retention.hours', 168, null, null),
  long('log.retention.bytes', -1, null, 'logRetentionBytes'),
  long('log.retention.check.interval.ms', 300000, atLeast(1), 'logRetentionCheckIntervalMs'),
  long('log.flush.interval.messages', Number.MAX_SAFE_INTEGER, atLeast(1), 'logFlushIntervalMessages'),
  int('log.index.interval.bytes', 4096, atLeast(0), 'logIndexIntervalBytes'),
  list('log.cleanup.policy', ['delete'], (v) => (v.length > 0 && v.every((p) => p === 'delete' || p === 'compact') ? null : 'must be delete, compact or both'), 'logCleanupPolicy'),
  str('compression.type', 'producer', oneOf('producer', 'uncompressed', 'gzip', 'snappy', 'lz4', 'zstd'), 'compressionType'),
  str('log.message.timestamp.type', 'CreateTime', oneOf('CreateTime', 'LogAppendTime'), 'logMessageTimestampType'),
  int('min.insync.replicas', 1, atLeast(1), 'minInsyncReplicas'),
  long('log.cleaner.delete.retention.ms', 86400000, atLeast(0), 'logCleanerDeleteRetentionMs'),
  long('log.cleaner.min.compaction.lag.ms', 0, atLeast(0), 'logCleanerMinCompactionLagMs'),
  bool('log.cleaner.enable', true, null, 'logCleanerEnable'),
  long('log.cleaner.backoff.ms', 15000, atLeast(0), 'logCleanerBackoffMs'),
  int('samsa.worker.threads', () => Math.max(1, os.availableParallelism() - 1), atLeast(1), 'workerThreads'),
  // Kafka's default is 3; samsa's is one per shard worker, on the shard workers; 0 keeps every
  // connection on the main thread (see README, Threads); at most samsa.worker.threads while they
  // are the shard workers (derive.ts).
  int('num.network.threads', null, atLeast(0), null),
  bool('samsa.network.threads.colocated', true, null, 'networkThreadsColocated'),
  str('cluster.id', null, clusterIdShape, 'clusterId'),
  str('log.level', 'info', oneOf(...PINO_LEVELS), 'logLevel'),
  str('log.format', 'json', oneOf('json', 'pretty'), 'logFormat'),
  str('metrics.listener', 'http://127.0.0.1:9464', (v) => (v === '' ? null : httpListenerProblem(v)), null),
  bool('samsa.metrics.partition.series', true, null, 'metricsPartitionSeries'),
  long('samsa.recovery.progress.interval.ms', 10000, atLeast(0), 'recoveryProgressIntervalMs'),
  long('samsa.shutdown.drain.ms', 5000, atLeast(0), 'shutdownDrainMs'),
  int('offsets.topic.num.partitions', 50, atLeast(1), 'offsetsTopicNumPartitions'),
  int('offsets.topic.segment.bytes', 104857600, atLeast(1), 'offsetsTopicSegmentBytes'),
  int('offsets.retention.minutes', 10080, atLeast(1), 'offsetsRetentionMinutes'),
  long('offsets.retention.check.interval.ms', 600000, atLeast(1), 'offsetsRetentionCheckIntervalMs'),
  int('offset.metadata.max.bytes', 4096, atLeast(0), 'offsetMetadataMaxBytes'),
  int('group.initial.rebalance.delay.ms', 3000, atLeast(0), 'groupInitialRebalanceDelayMs'),
  int('group.min.session.timeout.ms', 6000, atLeast(0), 'groupMinSessionTimeoutMs'),
  int('group.max.session.timeout.ms', 1800000, atLeast(0), 'groupMaxSessionTimeoutMs'),
  int('group.max.size', 2147483647, atLeast(1), 'groupMaxSize'),
  int('group.consumer.session.timeout.ms', 45000, atLeast(1), 'groupConsumerSessionTimeoutMs'),
  int('group.consumer.heartbeat.interval.ms', 5000, atLeast(1), 'groupConsumerHeartbeatIntervalMs'),
  int('group.consumer.max.size', 2147483647, atLeast(1), 'groupConsumerMaxSize'),
  int('group.consumer.min.session.timeout.ms', 45000, atLeast(1), 'groupConsumerMinSessionTimeoutMs'),
  int('group.consumer.max.session.timeout.ms', 60000, atLeast(1), 'groupConsumerMaxSessionTimeoutMs'),
  int('group.consumer.min.heartbeat.interval.ms', 5000, atLeast(1), 'groupConsumerMinHeartbeatIntervalMs'),
  int('group.consumer.max.heartbeat.interval.ms', 15000, atLeast(1), 'groupConsumerMaxHeartbeatIntervalMs'),
  int('transaction.state.log.num.partitions', 50, atLeast(1), 'transactionStateLogNumPartitions'),
  int('transaction.state.log.segment.bytes', 104857600, atLeast(1), 'transactionStateLogSegmentBytes'),
  int('transaction.max.timeout.ms', 900000, atLeast(1), 'transactionMaxTimeoutMs'),
  int('transaction.abort.timed.out.transaction.cleanup.interval.ms', 10000, atLeast(1), 'transactionAbortTimedOutTransactionCleanupIntervalMs'),
  int('transactional.id.expiration.ms', 604800000, atLeast(1), 'transactionalIdExpirationMs'),
  int('producer.id.expiration.ms', 86400000, atLeast(1), 'producerIdExpirationMs'),
];

export const KEYS: ReadonlyMap<string, KeyDef> = new Map(KEY_TABLE.map((d) => [d.key, d]));

function clusterIdShape(v: string): string | null {
  return /^[A-Za-z0-9_.-]{1,255}$/.test(v) ? null : `'${v}' is not a cluster id (letters, digits, '_', '-', '.')`;
}
