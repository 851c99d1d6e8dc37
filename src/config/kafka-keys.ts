// Kafka broker settings samsa accepts but does not act on (yet): they load with a warning saying
// so, where an unknown key warns that it is unknown. The keys of Kafka's sample server.properties
// (KRaft and ZooKeeper) and the common broker settings people carry over from them.

export const NOT_USED_BY_SAMSA: ReadonlySet<string> = new Set([
  // KRaft roles and quorum
  'process.roles',
  'controller.quorum.voters',
  'controller.quorum.bootstrap.servers',
  'inter.broker.listener.name',
  'security.inter.broker.protocol',
  'broker.rack',
  'metadata.log.dir',
  // ZooKeeper mode
  'zookeeper.connect',
  'zookeeper.connection.timeout.ms',
  'zookeeper.session.timeout.ms',
  // threads and sockets
  'num.io.threads',
  'num.recovery.threads.per.data.dir',
  'num.replica.fetchers',
  'background.threads',
  'socket.send.buffer.bytes',
  'socket.receive.buffer.bytes',
  'max.connections',
  'max.connections.per.ip',
  // internal topics
  'offsets.topic.replication.factor',
  'transaction.state.log.replication.factor',
  'transaction.state.log.min.isr',
  'share.coordinator.state.topic.replication.factor',
  'share.coordinator.state.topic.min.isr',
  // groups
  // log
  'log.flush.interval.ms',
  'log.flush.scheduler.interval.ms',
  'log.index.size.max.bytes',
  'log.roll.jitter.ms',
  'log.roll.jitter.hours',
  'log.segment.delete.delay.ms',
  // replication and topics
  'unclean.leader.election.enable',
  'auto.leader.rebalance.enable',
  'delete.topic.enable',
  'replica.lag.time.max.ms',
  'replica.fetch.max.bytes',
  'controlled.shutdown.enable',
  // security: these load only empty or at Kafka's defaults; other values stop start-up (security.ts)
  'authorizer.class.name',
  'super.users',
  'allow.everyone.if.no.acl.found',
  'sasl.enabled.mechanisms',
  'sasl.mechanism.inter.broker.protocol',
  'ssl.keystore.location',
  'ssl.keystore.password',
  'ssl.key.password',
  'ssl.truststore.location',
  'ssl.truststore.password',
  'ssl.client.auth',
  // metrics
  'metric.reporters',
  'metrics.num.samples',
  'metrics.sample.window.ms',
]);
