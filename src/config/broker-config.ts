// BrokerConfig: the broker's settings once read, typed and checked; what the rest of samsa reads.

export interface Listener {
  /** Listener name, upper-cased as Kafka normalises it (PLAINTEXT). */
  name: string;
  /** Host as written, brackets of an IPv6 literal removed; '' means all interfaces. */
  host: string;
  port: number;
}

/** The HTTP listener of /metrics, /healthz and /readyz. */
export interface HttpListener {
  /** Host as written, brackets of an IPv6 literal removed; localhost is 127.0.0.1. */
  host: string;
  /** 0: any free port (the bound one is in the start-up line). */
  port: number;
}

export interface BrokerConfig {
  nodeId: number; // node.id (alias broker.id)
  listeners: Listener[]; // listeners
  advertisedListeners: Listener[]; // advertised.listeners, else listeners; host '' -> os.hostname()
  logDirs: string[]; // log.dirs, else log.dir; absolute paths
  numPartitions: number; // num.partitions
  defaultReplicationFactor: number; // default.replication.factor
  autoCreateTopicsEnable: boolean; // auto.create.topics.enable
  messageMaxBytes: number; // message.max.bytes
  socketRequestMaxBytes: number; // socket.request.max.bytes
  queuedMaxRequests: number; // queued.max.requests
  queuedMaxRequestBytes: number; // queued.max.request.bytes; -1 = no limit
  maxInFlightRequestsPerConnection: number; // samsa.max.in.flight.requests.per.connection
  connectionsMaxIdleMs: number; // connections.max.idle.ms; -1 = never
  requestReadTimeoutMs: number; // samsa.request.read.timeout.ms: a request begun and not read in full by then closes its connection; -1 = never
  logSegmentBytes: number; // log.segment.bytes
  logRollMs: number; // log.roll.ms, else log.roll.hours
  logRetentionMs: number; // log.retention.ms > .minutes > .hours; -1 = unlimited
  logRetentionBytes: number; // log.retention.bytes; -1 = unlimited
  logRetentionCheckIntervalMs: number; // log.retention.check.interval.ms
  logFlushIntervalMessages: number; // log.flush.interval.messages; Long.MAX_VALUE -> MAX_SAFE_INTEGER
  logIndexIntervalBytes: number; // log.index.interval.bytes
  logCleanupPolicy: string[]; // log.cleanup.policy: topics' default cleanup.policy
  compressionType: string; // compression.type: topics' default (producer keeps the producer's codec)
  logMessageTimestampType: string; // log.message.timestamp.type: topics' default message.timestamp.type
  minInsyncReplicas: number; // min.insync.replicas: topics' default
  logCleanerDeleteRetentionMs: number; // log.cleaner.delete.retention.ms: topics' default delete.retention.ms
  logCleanerMinCompactionLagMs: number; // log.cleaner.min.compaction.lag.ms: topics' default min.compaction.lag.ms
  logCleanerEnable: boolean; // log.cleaner.enable: compact topics with cleanup.policy=compact
  logCleanerBackoffMs: number; // log.cleaner.backoff.ms: the cleaner's pause when it has nothing to do
  workerThreads: number; // samsa.worker.threads
  numNetworkThreads: number; // num.network.threads (default: one per shard worker; 0: the main thread serves every connection)
  networkThreadsColocated: boolean; // samsa.network.threads.colocated: the network threads are the first shard workers
  clusterId: string | null; // cluster.id; null = generate on first start
  logLevel: string; // log.level (samsa's own): a pino level
  logFormat: string; // log.format (samsa's own): JSON lines, or pino-pretty's human-readable lines
  metricsListener: HttpListener | null; // metrics.listener (samsa's own): http://host:port; '' = no HTTP listener
  metricsPartitionSeries: boolean; // samsa.metrics.partition.series: per-partition series in /metrics
  recoveryProgressIntervalMs: number; // samsa.recovery.progress.interval.ms: how often a long start-up recovery logs its progress
  shutdownDrainMs: number; // samsa.shutdown.drain.ms: how long a stop waits for the requests already read to be answered
  offsetsTopicNumPartitions: number; // offsets.topic.num.partitions
  offsetsTopicSegmentBytes: number; // offsets.topic.segment.bytes
  offsetsRetentionMinutes: number; // offsets.retention.minutes
  offsetsRetentionCheckIntervalMs: number; // offsets.retention.check.interval.ms
  offsetMetadataMaxBytes: number; // offset.metadata.max.bytes
  groupInitialRebalanceDelayMs: number; // group.initial.rebalance.delay.ms
  groupMinSessionTimeoutMs: number; // group.min.session.timeout.ms
  groupMaxSessionTimeoutMs: number; // group.max.session.timeout.ms
  groupMaxSize: number; // group.max.size
  groupConsumerSessionTimeoutMs: number; // group.consumer.session.timeout.ms
  groupConsumerHeartbeatIntervalMs: number; // group.consumer.heartbeat.interval.ms
  groupConsumerMaxSize: number; // group.consumer.max.size
  groupConsumerMinSessionTimeoutMs: number; // group.consumer.min.session.timeout.ms: the least a group's consumer.session.timeout.ms may be
  groupConsumerMaxSessionTimeoutMs: number; // group.consumer.max.session.timeout.ms
  groupConsumerMinHeartbeatIntervalMs: number; // group.consumer.min.heartbeat.interval.ms: the least a group's consumer.heartbeat.interval.ms may be
  groupConsumerMaxHeartbeatIntervalMs: number; // group.consumer.max.heartbeat.interval.ms
  transactionStateLogNumPartitions: number; // transaction.state.log.num.partitions
  transactionStateLogSegmentBytes: number; // transaction.state.log.segment.bytes
  transactionMaxTimeoutMs: number; // transaction.max.timeout.ms
  transactionAbortTimedOutTransactionCleanupIntervalMs: number; // transaction.abort.timed.out.transaction.cleanup.interval.ms
  transactionalIdExpirationMs: number; // transactional.id.expiration.ms
  producerIdExpirationMs: number; // producer.id.expiration.ms: idle producers' state goes (checked with retention)
  /** The keys set in the properties file or by --override, as written (DescribeConfigs' STATIC_BROKER_CONFIG). */
  staticConfigs: Record<string, string>;
}
