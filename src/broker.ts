// The broker: wires the rooms of the data path together. Start-up order: the HTTP listener of
// /metrics, /healthz and /readyz, log dirs and meta.properties, the topic registry, the shard
// workers (which recover every partition), the dispatcher, then the listeners (ready from then
// on). Shutdown runs the other way (see stop()) and flushes every log. The dynamic broker configs
// (samsa-broker-configs.json) are applied over the static ones before any partition opens.
import { ConfigError, effectiveConfig, type BrokerConfig } from './config/index.js';
import { FileConfigStore, type ConfigStore, type Configs } from './cluster/config-store.js';
import type { Logger } from './log.js';
import { Cluster } from './cluster/cluster.js';
import { ensureMetaProperties } from './cluster/meta-properties.js';
import { TopicRegistry } from './cluster/topics.js';
import { Purgatory } from './fetch/purgatory.js';
import { FetchSessionCache } from './fetch/sessions.js';
import { GroupCoordinator } from './groups/coordinator.js';
import type { BrokerServices } from './server/context.js';
import { Dispatcher } from './server/dispatcher.js';
import { HANDLERS } from './server/handlers/index.js';
import { Listeners } from './server/listener.js';
import { BrokerMetrics } from './metrics/broker-metrics.js';
import { MetricsCollector } from './metrics/collector.js';
import { openHttpListener, type HttpServer } from './metrics/http-listener.js';
import { logRecovery, recoveryProgress } from './metrics/startup.js';
import { takeCleanShutdownMarkers, writeCleanShutdownMarkers } from './storage/clean-shutdown.js';
import { ProducerIdManager } from './transactions/producer-ids.js';
import { TransactionCoordinator, TRANSACTION_STATE_TOPIC } from './transactions/coordinator.js';
import { writeTxnMarkers } from './transactions/markers.js';
import { CoordinatorLog, GROUP_METADATA_TOPIC } from './groups/group-log.js';
import { ShardPool } from './workers/pool.js';
import { NetworkThreads } from './network/threads.js';

export class Broker {
  readonly purgatory = new Purgatory();
  readonly fetchSessions = new FetchSessionCache();
  /** What the main thread counts as requests pass, for /metrics. */
  readonly metrics = new BrokerMetrics();
  readonly dispatcher: Dispatcher;
  readonly groups: GroupCoordinator;
  /** Producer ids for InitProducerId, in blocks persisted in the first log dir. */
  readonly producerIds: ProducerIdManager;
  readonly transactions: TransactionCoordinator;
  /** The Kafka listeners and their connections (read by /metrics); null until they are open. */
  listeners: Listeners | null = null;
  /** The network threads (num.network.threads), null when the main thread serves every connection. */
  network: NetworkThreads | null = null;
  private http: HttpServer | null = null;
  private collector: MetricsCollector | null = null;
  private retentionTimer: NodeJS.Timeout | null = null;
  private cleanerTimer: NodeJS.Timeout | null = null;
  private stopping = false;

  private constructor(
    readonly config: BrokerConfig,
    readonly log: Logger,
    readonly clusterId: string,
    readonly topics: TopicRegistry,
    readonly shards: ShardPool,
    readonly cluster: Cluster,
    /** Dynamic broker configs by resource name: String(node.id), and '' for the cluster-wide defaults. */
    readonly dynamicConfigs: ConfigStore,
  ) {
    // every append any writer makes (produce, transaction markers, the coordinators' logs) wakes the fetches waiting on it
    shards.onAppend((key, bytes) => this.purgatory.appended(key, bytes));
    this.groups = new GroupCoordinator(config, cluster, shards, log);
    this.producerIds = ProducerIdManager.open(config.logDirs[0]!);
    this.transactions = new TransactionCoordinator({
      log: new CoordinatorLog(TRANSACTION_STATE_TOPIC, config.transactionStateLogNumPartitions, config.transactionStateLogSegmentBytes, cluster, shards, config, log),
      logger: log,
      maxTimeoutMs: config.transactionMaxTimeoutMs,
      nextProducerId: () => Promise.resolve(this.producerIds.generateProducerId()),
      writeMarkers: (producerId, producerEpoch, commit, partitions) => writeTxnMarkers(this, producerId, producerEpoch, commit, 0, partitions),
      markersWritten: (producerId, commit, partitions) => this.groups.completeTransaction(
        producerId, commit, partitions.filter((tp) => tp.topic === GROUP_METADATA_TOPIC).map((tp) => tp.partition)),
    }, config.transactionalIdExpirationMs);
    this.dispatcher = new Dispatcher(HANDLERS, this.services(), this.metrics.requests);
  }

  /** What every request handler may reach: the rooms, each through the small interface of context.ts. */
  private services(): BrokerServices {
    return {
      config: this.config,
      clusterId: this.clusterId,
      topics: this.topics,
      cluster: this.cluster,
      partitions: {
        scatter: (items, shardOf, makeTask) => this.shards.scatter(items, shardOf, makeTask),
        shardFor: (topic, partition) => this.cluster.shardFor(topic, partition),
      },
      groups: this.groups,
      transactions: this.transactions,
      producerIds: this.producerIds,
      purgatory: this.purgatory,
      fetchSessions: this.fetchSessions,
      dynamicConfigs: {
        get: (name) => this.dynamicConfigs.get(name),
        levels: (change) => this.dynamicLevels(change),
        alter: (name, configs) => this.alterDynamicConfigs(name, configs),
      },
      metrics: this.metrics,
      apiVersions: () => this.dispatcher.apiVersions(),
    };
  }

  static async start(config: BrokerConfig, log: Logger): Promise<Broker> {
    const started = Date.now();
    const collector = new MetricsCollector(config);
    // First, so that /healthz answers and /readyz says "not yet" through a long recovery.
    const http = config.metricsListener === null ? null : await openHttpListener(config.metricsListener, collector.routes(), log);
    const clusterId = ensureMetaProperties(config.logDirs, config.nodeId, config.clusterId);
    const topics = TopicRegistry.load(config.logDirs);
    const dynamicConfigs = FileConfigStore.load(config.logDirs[0]!, 'samsa-broker-configs.json');
    try {
      Object.assign(config, effectiveConfig(config.staticConfigs, dynamicLevels(config, dynamicConfigs)));
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      log.error({ err: err.message }, 'stored dynamic broker configs are not valid; the static configs apply');
    }
    const shards = new ShardPool(config.workerThreads);
    const cluster = new Cluster(config, topics, shards);
    // Taken before any log opens: a crash from here on means a full recovery next time.
    const cleanDirs = takeCleanShutdownMarkers(config.logDirs);
    const opened = await cluster.openAll(recoveryProgress(log, config.recoveryProgressIntervalMs, collector.startup), cleanDirs);
    const failed = opened.filter((o) => o.errorCode !== 0);
    if (failed.length > 0) {
      await shards.close();
      await http?.close();
      throw new Error(`could not open ${failed.length} partition log(s): ${failed.map((f) => `${f.key}: ${f.error}`).join('; ')}`);
    }
    logRecovery(log, opened, config.logDirs, cleanDirs);
    const recoveryMs = Date.now() - started;
    collector.startup.recoveryMs = recoveryMs;

    const broker = new Broker(config, log, clusterId, topics, shards, cluster, dynamicConfigs);
    broker.http = http;
    broker.collector = collector;
    collector.attach(broker);
    if (config.numNetworkThreads > 0) {
      try {
        broker.network = await NetworkThreads.start({
          count: config.numNetworkThreads, config, clusterId, topics: () => [...topics.all()], shards, dispatcher: broker.dispatcher, log,
        });
      } catch (err) {
        await shards.close();
        await http?.close();
        throw new Error(`could not start the network threads (num.network.threads=${config.numNetworkThreads}): ${String(err)}`);
      }
      const network = broker.network;
      topics.onChange(() => network.topicsChanged());
    }
    broker.listeners = new Listeners({
      log,
      maxRequestBytes: config.socketRequestMaxBytes,
      maxQueuedRequests: config.queuedMaxRequests,
      maxQueuedRequestBytes: config.queuedMaxRequestBytes,
      maxInFlight: config.maxInFlightRequestsPerConnection,
      connectionsMaxIdleMs: config.connectionsMaxIdleMs,
      requestReadTimeoutMs: config.requestReadTimeoutMs,
      dispatch: broker.dispatcher.dispatch,
      readArenas: shards.arenas,
      shareMemory: (sab) => shards.share(sab),
      handOff: broker.network?.handOff,
    });
    const bound = await broker.listeners.open(config.listeners);
    collector.ready = true;
    // Groups load in the background; meanwhile group requests answer COORDINATOR_LOAD_IN_PROGRESS.
    // Transactions load after groups: ending a transaction left half-done settles its offsets.
    void broker.loadCoordinators(COORDINATOR_LOAD_RETRY_MS);
    broker.retentionTimer = setInterval(() => void broker.enforceRetention(), config.logRetentionCheckIntervalMs).unref();
    if (config.logCleanerEnable) broker.scheduleCleaner(config.logCleanerBackoffMs);
    log.info({
      listeners: bound, metricsListener: http?.url ?? null, httpServer: http?.server ?? null, logDirs: config.logDirs,
      workers: config.workerThreads, networkThreads: config.numNetworkThreads, recoveryMs, nodeId: config.nodeId, clusterId, topics: topics.size, partitions: opened.length,
    }, 'samsa started');
    return broker;
  }

  /** The dynamic levels in effect, with one level's set replaced by `change` (for checking or applying it). */
  dynamicLevels(change?: { name: string; configs: Configs }) {
    return dynamicLevels(this.config, this.dynamicConfigs, change);
  }

  /**
   * Stores one dynamic level's new set (checked by the caller) and puts the result in effect at once:
   * the broker's settings, which the produce path and the timers read as they go, and every
   * partition's LogConfig on its shard worker.
   */
  async alterDynamicConfigs(name: string, configs: Configs): Promise<void> {
    this.dynamicConfigs.set(name, configs);
    Object.assign(this.config, effectiveConfig(this.config.staticConfigs, this.dynamicLevels()));
    this.network?.configChanged();
    await this.cluster.reconfigureAll();
  }

  private async enforceRetention(): Promise<void> {
    try {
      const deleted = (await this.shards.broadcast({ op: 'retention', nowMs: Date.now(), producerIdExpirationMs: this.config.producerIdExpirationMs })).reduce((a, b) => a + b, 0);
      if (deleted > 0) this.log.info({ segments: deleted }, 'retention deleted old segments');
    } catch (err) {
      this.log.error({ err }, 'retention check failed');
    }
  }

  /** Log compaction: a bounded step on every shard; again at once while a pass is under way, else after log.cleaner.backoff.ms. */
  private scheduleCleaner(delayMs: number): void {
    if (!this.stopping) this.cleanerTimer = setTimeout(() => void this.runCleaner(), delayMs).unref();
  }

  private async runCleaner(): Promise<void> {
    let pending = false;
    try {
      for (const r of await this.shards.broadcast({ op: 'compact', nowMs: Date.now() })) {
        pending ||= r.pending;
        for (const { key, ...pass } of r.cleaned) {
          const changed = pass.segmentsRewritten + pass.segmentsDeleted > 0;
          this.log[changed ? 'info' : 'debug']({ partition: key, ...pass }, 'log cleaner compacted a partition');
        }
        for (const f of r.failed) this.log.error({ partition: f.key, error: f.error }, 'log compaction failed; the partition is not compacted again until restart');
      }
    } catch (err) {
      this.log.error({ err }, 'log cleaner failed');
    }
    this.scheduleCleaner(pending ? 0 : this.config.logCleanerBackoffMs);
  }

  /**
   * Loads the groups, then the transactions. A load that fails (a read error, a record it cannot
   * decode) is logged and tried again after a back-off, up to a minute apart, until it succeeds or
   * the broker stops: meanwhile their requests answer COORDINATOR_LOAD_IN_PROGRESS, never for good.
   */
  private async loadCoordinators(backoffMs: number, groupsLoaded = false): Promise<void> {
    if (this.stopping) return;
    try {
      if (!groupsLoaded) await this.groups.load();
      groupsLoaded = true;
      await this.transactions.load(this.config.transactionAbortTimedOutTransactionCleanupIntervalMs);
    } catch (err) {
      if (this.stopping) return;
      const coordinator = groupsLoaded ? 'transaction' : 'group';
      this.log.error({ err, coordinator, retryInMs: backoffMs }, 'could not load the coordinator\'s state; trying again');
      setTimeout(() => void this.loadCoordinators(Math.min(backoffMs * 2, 60_000), groupsLoaded), backoffMs).unref();
    }
  }

  /**
   * Kafka's order: stop accepting, answer the requests already read (samsa.shutdown.drain.ms at
   * the most), close every connection, then the purgatory, the coordinators and the shard workers,
   * which flush and close every log. Long polls answer at once, so the drain does not wait them out.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    // A load balancer or a rolling restart takes the broker out of rotation first: /readyz answers 503.
    if (this.collector !== null) this.collector.stopping = true;
    if (this.retentionTimer !== null) clearInterval(this.retentionTimer);
    if (this.cleanerTimer !== null) clearTimeout(this.cleanerTimer);
    this.purgatory.releaseAll();
    if (this.listeners !== null) {
      const elsewhere = this.network === null ? 0 : (await this.network.stats()).reduce((n, s) => n + s.connections, 0);
      const here = this.listeners.openSockets;
      // the network threads drain theirs meanwhile, within the same time
      const closing = Promise.all([
        this.listeners.close(this.config.shutdownDrainMs),
        this.network?.close(this.config.shutdownDrainMs) ?? { connections: 0, forced: 0 },
      ]);
      this.log.info({ connections: here + elsewhere, drainMs: this.config.shutdownDrainMs }, 'stopped accepting connections; answering the requests already read');
      const [own, network] = await closing;
      const connections = own.connections + network.connections;
      const forced = own.forced + network.forced;
      this.log.info({ connections, drained: connections - forced, forced }, 'closed every connection');
    }
    this.groups.close();
    this.transactions.close();
    await this.http?.close();
    const markers = writeCleanShutdownMarkers(this.config.logDirs, await this.shards.close());
    this.log.info('shard workers flushed and closed every log');
    this.log.info({ cleanShutdownMarkers: markers }, 'samsa stopped');
  }
}

/** The first wait before a failed coordinator load is tried again (doubling, up to a minute). */
const COORDINATOR_LOAD_RETRY_MS = 1_000;

function dynamicLevels(config: BrokerConfig, store: ConfigStore, change?: { name: string; configs: Configs }) {
  const level = (name: string): Configs => (change?.name === name ? change.configs : store.get(name));
  return { clusterDefault: level(''), perBroker: level(String(config.nodeId)) };
}
