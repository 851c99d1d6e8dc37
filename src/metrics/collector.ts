// What /metrics shows: a prom-client registry holding prom-client's process metrics (event-loop
// lag, heap, GC, CPU, memory) and samsa's own, read from the broker when scraped. A scrape first
// asks every shard worker for its snapshot (the `stats` task, queued behind the shard's earlier
// tasks; cumulative counters, so nothing is lost or counted twice however often it is asked), and
// every network thread for its requests and connections, and adds them up: per topic from each partition's counts, per partition (unless
// samsa.metrics.partition.series=false), consumer-group lag from the group coordinator's
// committed offsets and the partitions' log end offsets, and the workers' own figures.
// Names follow Prometheus's conventions: samsa_ prefix, base units in the name, _total on counters.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { collectDefaultMetrics, Registry, type Metric } from 'prom-client';
import type { TopicRegistry } from '../cluster/topics.js';
import type { BrokerConfig } from '../config/index.js';
import { errorName } from '../protocol/errors.js';
import type { Purgatory } from '../fetch/purgatory.js';
import type { GroupCoordinator } from '../groups/coordinator.js';
import type { NetworkStats } from '../network/messages.js';
import type { NetworkThreads } from '../network/threads.js';
import type { TimeoutReason } from '../server/connection.js';
import type { Listeners } from '../server/listener.js';
import type { PartitionStats, ShardStats } from '../workers/messages.js';
import type { ShardPool } from '../workers/pool.js';
import type { BrokerMetrics } from './broker-metrics.js';
import type { HttpRoutes } from './http-listener.js';
import { FSYNC_SECONDS_BUCKETS, REQUEST_SECONDS_BUCKETS, mergeHistograms, type HistogramSnapshot } from './histogram.js';

type Labels = Record<string, string | number>;
interface Value { labels?: Labels; value: number; metricName?: string }
type MetricType = 'counter' | 'gauge' | 'histogram';

/** What a scrape reads, from the broker's rooms (broker.ts attaches them once they are open). */
export interface MetricsSources {
  readonly clusterId: string;
  readonly topics: Pick<TopicRegistry, 'size' | 'all' | 'get'>;
  readonly metrics: BrokerMetrics;
  readonly purgatory: Pick<Purgatory, 'size'>;
  readonly listeners: Pick<Listeners, 'connections' | 'opened' | 'closed' | 'timedOut'> | null;
  readonly shards: Pick<ShardPool, 'queueDepth' | 'broadcast'>;
  readonly groups: Pick<GroupCoordinator, 'groups' | 'offsets'>;
  /** The network threads (num.network.threads), whose figures add to the main thread's. */
  readonly network: Pick<NetworkThreads, 'stats' | 'lastStats'> | null;
}

/** One api and version's request figures, the main thread's and every network thread's added up. */
interface RequestFigures { api: string; version: string; count: number; errors: Map<number, number>; latency: HistogramSnapshot }

function requestFigures(b: MetricsSources): RequestFigures[] {
  const out = new Map<string, RequestFigures>();
  const add = (api: string, version: string, count: number, errors: Iterable<[number, number]>, latency: HistogramSnapshot): void => {
    const key = `${api}\0${version}`;
    const f = out.get(key);
    if (f === undefined) {
      out.set(key, { api, version, count, errors: new Map(errors), latency });
      return;
    }
    f.count += count;
    for (const [code, n] of errors) f.errors.set(code, (f.errors.get(code) ?? 0) + n);
    f.latency = mergeHistograms([f.latency, latency], REQUEST_SECONDS_BUCKETS.length);
  };
  for (const s of b.metrics.requests.all()) add(s.api, s.version, s.count, s.errors, s.latency.snapshot());
  for (const n of b.network?.lastStats() ?? []) for (const s of n.requests) add(s.api, s.version, s.count, s.errors, s.latency);
  return [...out.values()];
}

/** A figure of the network threads, added up (0 without them). */
function networkSum(b: MetricsSources, pick: (s: NetworkStats) => number): number {
  let n = 0;
  for (const s of b.network?.lastStats() ?? []) n += pick(s);
  return n;
}

/** How long a scrape waits for the shard workers before it shows their previous snapshot. */
const STATS_WAIT_MS = 3000;

/** A metric whose values are read from the broker at scrape time; prom-client formats it. */
class ReadMetric {
  readonly aggregator = 'sum';
  constructor(readonly name: string, readonly help: string, readonly type: MetricType, private readonly read: () => Value[]) {}
  get(): { name: string; help: string; type: MetricType; aggregator: string; values: Value[] } {
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: this.read() };
  }
  reset(): void {}
}

/** A histogram's Prometheus values: cumulative buckets with `le`, then _sum and _count. */
function histogramValues(name: string, bounds: readonly number[], h: HistogramSnapshot, labels: Labels = {}): Value[] {
  const out: Value[] = [];
  let cumulative = 0;
  for (let i = 0; i <= bounds.length; i++) {
    cumulative += h.counts[i] ?? 0;
    out.push({ metricName: `${name}_bucket`, labels: { ...labels, le: i < bounds.length ? bounds[i]! : '+Inf' }, value: cumulative });
  }
  out.push({ metricName: `${name}_sum`, labels, value: h.sum });
  out.push({ metricName: `${name}_count`, labels, value: h.count });
  return out;
}

/** "<topic>-<partition>" back to its parts (topic names may hold '-'; the partition is the last part). */
function splitKey(key: string): { topic: string; partition: number } {
  const at = key.lastIndexOf('-');
  return { topic: key.slice(0, at), partition: Number(key.slice(at + 1)) };
}

/** samsa's version, from the nearest package.json above this file (src/ or dist/src/). */
function packageVersion(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) return String((JSON.parse(fs.readFileSync(file, 'utf8')) as { version?: unknown }).version ?? 'unknown');
    if (path.dirname(dir) === dir) return 'unknown';
    dir = path.dirname(dir);
  }
}

export interface StartupState {
  /** Partitions opened (and recovered) so far, of how many. */
  partitionsRecovered: number;
  partitionsTotal: number;
  startedMs: number;
  /** Set once recovery is over. */
  recoveryMs: number | null;
}

export class MetricsCollector {
  readonly registry = new Registry();
  readonly startup: StartupState = { partitionsRecovered: 0, partitionsTotal: 0, startedMs: Date.now(), recoveryMs: null };
  /** Recovery done and the Kafka listeners open (GET /readyz). */
  ready = false;
  /** Set when the broker begins to stop: /readyz answers 503 from then on. */
  stopping = false;
  private broker: MetricsSources | null = null;
  private shards: ShardStats[] = [];
  private readonly partitions = new Map<string, PartitionStats>();
  private pending: Promise<ShardStats[]> | null = null;

  constructor(config: BrokerConfig) {
    collectDefaultMetrics({ register: this.registry });
    const version = packageVersion();
    const perPartition = config.metricsPartitionSeries;
    const add = (name: string, help: string, type: MetricType, read: () => Value[]): void => {
      this.registry.registerMetric(new ReadMetric(name, help, type, read) as unknown as Metric);
    };
    const broker = (): MetricsSources | null => this.broker;

    // --- the broker ---
    add('samsa_broker_info', 'The broker: version, node id and cluster id (value 1).', 'gauge',
      () => [{ labels: { version, node_id: config.nodeId, cluster_id: broker()?.clusterId ?? '' }, value: 1 }]);
    add('samsa_ready', '1 once recovery is done and the listeners are open (GET /readyz), else 0.', 'gauge', () => [{ value: this.ready ? 1 : 0 }]);
    add('samsa_recovery_duration_seconds', 'How long start-up recovery of the partition logs took (so far, while it runs).', 'gauge',
      () => [{ value: (this.startup.recoveryMs ?? Date.now() - this.startup.startedMs) / 1000 }]);
    add('samsa_recovery_partitions', 'Partitions opened by start-up recovery (state="recovered") of all (state="total").', 'gauge', () => [
      { labels: { state: 'recovered' }, value: this.startup.partitionsRecovered },
      { labels: { state: 'total' }, value: this.startup.partitionsTotal },
    ]);
    add('samsa_topics', 'Topics, internal ones included.', 'gauge', () => (broker() === null ? [] : [{ value: broker()!.topics.size }]));
    add('samsa_partitions', 'Partitions, of all topics.', 'gauge', () => {
      const b = broker();
      if (b === null) return [];
      let n = 0;
      for (const t of b.topics.all()) n += t.partitions;
      return [{ value: n }];
    });

    // --- requests and connections (main thread and network threads) ---
    const requests = () => (broker() === null ? [] : requestFigures(broker()!));
    add('samsa_requests_total', 'Requests served, by api and version (version="unsupported": outside the served range).', 'counter',
      () => requests().map((s) => ({ labels: { api: s.api, version: s.version }, value: s.count })));
    add('samsa_request_errors_total', 'Requests whose response carried an error code (the first one, by Kafka name), or that closed the connection.', 'counter',
      () => requests().flatMap((s) => [...s.errors].map(([code, n]) => ({ labels: { api: s.api, version: s.version, error: errorName(code) }, value: n }))));
    add('samsa_request_duration_seconds', 'Time from a request read to its response ready (a fetch\'s long poll included), by api and version.', 'histogram',
      () => requests().flatMap((s) => histogramValues('samsa_request_duration_seconds', REQUEST_SECONDS_BUCKETS, s.latency, { api: s.api, version: s.version })));
    add('samsa_requests_in_flight', 'Requests read and not yet answered (waiting fetches included).', 'gauge',
      () => (broker() === null ? [] : [{ value: broker()!.metrics.requests.inFlight + networkSum(broker()!, (s) => s.inFlight) }]));
    add('samsa_fetch_long_polls_waiting', 'Fetches waiting in the purgatory for min_bytes or max_wait_ms.', 'gauge',
      () => (broker() === null ? [] : [{ value: broker()!.purgatory.size + networkSum(broker()!, (s) => s.waiting) }]));
    add('samsa_connections_open', 'Client connections open now.', 'gauge',
      () => (broker()?.listeners == null ? [] : [{ value: broker()!.listeners!.connections.size + networkSum(broker()!, (s) => s.connections) }]));
    add('samsa_connections_opened_total', 'Client connections accepted.', 'counter', () => (broker()?.listeners == null ? [] : [{ value: broker()!.listeners!.opened }]));
    add('samsa_connections_closed_total', 'Client connections closed.', 'counter',
      () => (broker()?.listeners == null ? [] : [{ value: broker()!.listeners!.closed + networkSum(broker()!, (s) => s.closed) }]));
    add('samsa_connections_timed_out_total', 'Client connections closed by the broker for being idle for connections.max.idle.ms (reason="idle"), or for a request begun and not received in full within samsa.request.read.timeout.ms (reason="request_read").', 'counter',
      () => (broker()?.listeners == null ? [] : Object.entries(broker()!.listeners!.timedOut).map(([reason, value]) => ({
        labels: { reason }, value: value + networkSum(broker()!, (s) => s.timedOut[reason as TimeoutReason]),
      }))));

    // --- topics and partitions (shard workers) ---
    const byTopic = (pick: (p: PartitionStats) => number) => (): Value[] => {
      const sums = new Map<string, number>();
      for (const p of this.partitions.values()) {
        const { topic } = splitKey(p.key);
        sums.set(topic, (sums.get(topic) ?? 0) + pick(p));
      }
      return [...sums].map(([topic, value]) => ({ labels: { topic }, value }));
    };
    add('samsa_topic_bytes_in_total', 'Record bytes appended by Produce, per topic.', 'counter', byTopic((p) => p.bytesIn));
    add('samsa_topic_messages_in_total', 'Records appended by Produce, per topic.', 'counter', byTopic((p) => p.messagesIn));
    add('samsa_topic_log_size_bytes', 'Bytes of the topic\'s partition logs on disk.', 'gauge', byTopic((p) => p.sizeBytes));
    add('samsa_topic_bytes_out_total', 'Record bytes sent in Fetch responses, per topic.', 'counter', () => {
      const b = broker();
      if (b === null) return [];
      for (const topic of b.metrics.fetched.keys()) if (b.topics.get(topic) === undefined) b.metrics.fetched.delete(topic);
      const sums = new Map([...b.metrics.fetched].map(([topic, t]) => [topic, t.bytesOut]));
      for (const n of b.network?.lastStats() ?? []) {
        for (const [topic, bytes] of n.fetched) if (b.topics.get(topic) !== undefined) sums.set(topic, (sums.get(topic) ?? 0) + bytes);
      }
      return [...sums].map(([topic, value]) => ({ labels: { topic }, value }));
    });
    const byPartition = (pick: (p: PartitionStats) => number) => (): Value[] => (!perPartition ? [] : [...this.partitions.values()].map((p) => {
      const { topic, partition } = splitKey(p.key);
      return { labels: { topic, partition }, value: pick(p) };
    }));
    add('samsa_partition_log_end_offset', 'The partition\'s log end offset (its high watermark: one broker is the whole ISR).', 'gauge', byPartition((p) => p.logEndOffset));
    add('samsa_partition_log_start_offset', 'The partition\'s log start offset.', 'gauge', byPartition((p) => p.logStartOffset));
    add('samsa_partition_log_size_bytes', 'Bytes of the partition\'s segments.', 'gauge', byPartition((p) => p.sizeBytes));
    add('samsa_partition_log_segments', 'Segments of the partition\'s log.', 'gauge', byPartition((p) => p.segments));

    // --- consumer groups ---
    add('samsa_consumer_group_members', 'Members of each consumer group.', 'gauge', () => {
      const b = broker();
      return b === null ? [] : [...b.groups.groups].map(([group, g]) => ({ labels: { group }, value: g.members.size }));
    });
    add('samsa_consumer_group_partition_lag', 'Log end offset minus the group\'s committed offset, per group, topic and partition.', 'gauge',
      () => (!perPartition ? [] : this.lag().map(({ group, topic, partition, lag }) => ({ labels: { group, topic, partition }, value: lag }))));
    add('samsa_consumer_group_topic_lag', 'The group\'s lag summed over the topic\'s partitions it has committed offsets for.', 'gauge', () => {
      const sums = new Map<string, { group: string; topic: string; lag: number }>();
      for (const l of this.lag()) {
        const k = `${l.group}\u0000${l.topic}`;
        const s = sums.get(k);
        if (s === undefined) sums.set(k, { group: l.group, topic: l.topic, lag: l.lag });
        else s.lag += l.lag;
      }
      return [...sums.values()].map(({ group, topic, lag }) => ({ labels: { group, topic }, value: lag }));
    });

    // --- shard workers ---
    const perWorker = (pick: (s: ShardStats, i: number) => number) => (): Value[] => this.shards.map((s, i) => ({ labels: { worker: i }, value: pick(s, i) }));
    add('samsa_worker_queue_depth', 'Tasks given to each shard worker and not yet finished, the running one included.', 'gauge',
      () => (broker() === null ? [] : broker()!.shards.queueDepth.map((value, worker) => ({ labels: { worker }, value }))));
    add('samsa_worker_busy_seconds_total', 'Time each shard worker spent running tasks.', 'counter', perWorker((s) => s.busySeconds));
    add('samsa_worker_tasks_total', 'Tasks each shard worker ran.', 'counter', perWorker((s) => s.tasks));
    add('samsa_worker_heap_used_bytes', 'V8 heap in use by each shard worker.', 'gauge', perWorker((s) => s.heapUsedBytes));
    add('samsa_log_fsync_duration_seconds', 'Time of each fdatasync of a segment and its indexes (segment roll, flush.messages, shutdown), all workers.', 'histogram',
      () => (this.shards.length === 0 ? [] : histogramValues('samsa_log_fsync_duration_seconds', FSYNC_SECONDS_BUCKETS, mergeHistograms(this.shards.map((s) => s.fsync), FSYNC_SECONDS_BUCKETS.length))));
  }

  /** From now on the broker's figures are shown. */
  attach(broker: MetricsSources): void {
    this.broker = broker;
  }

  /** The Prometheus text exposition, with fresh snapshots of the shard workers. */
  async scrape(): Promise<string> {
    await this.refresh();
    return this.registry.metrics();
  }

  /** The answers of the HTTP listener. */
  routes(): HttpRoutes {
    const text = 'text/plain; charset=utf-8';
    return {
      metrics: async () => ({ status: 200, contentType: this.registry.contentType, body: await this.scrape() }),
      healthz: () => ({ status: 200, contentType: text, body: 'ok\n' }),
      readyz: () => (this.stopping
        ? { status: 503, contentType: text, body: 'not ready: stopping\n' }
        : this.ready
        ? { status: 200, contentType: text, body: 'ready\n' }
        : { status: 503, contentType: text, body: `not ready: recovered ${this.startup.partitionsRecovered} of ${this.startup.partitionsTotal} partitions\n` }),
    };
  }

  /** Asks every shard for its stats; one request at a time, and a slow one leaves the last snapshot in place. */
  private async refresh(): Promise<void> {
    const broker = this.broker;
    if (broker === null || !this.ready) return;
    if (this.pending === null) {
      const asked = broker.shards.broadcast({ op: 'stats' });
      this.pending = asked;
      asked.then((stats) => this.take(stats), () => undefined).finally(() => { if (this.pending === asked) this.pending = null; });
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.all([
      Promise.race([this.pending.catch(() => undefined), new Promise<void>((resolve) => { timer = setTimeout(resolve, STATS_WAIT_MS); })]),
      broker.network?.stats(),
    ]);
    clearTimeout(timer);
  }

  private take(stats: ShardStats[]): void {
    this.shards = stats;
    this.partitions.clear();
    for (const s of stats) for (const p of s.partitions) this.partitions.set(p.key, p);
  }

  /** Every committed offset's lag: the partition's log end offset minus the offset, at least 0. */
  private lag(): { group: string; topic: string; partition: number; lag: number }[] {
    const b = this.broker;
    if (b === null) return [];
    const out: { group: string; topic: string; partition: number; lag: number }[] = [];
    for (const group of b.groups.groups.keys()) {
      for (const [topic, partitions] of b.groups.offsets.topicsOf(group)) {
        for (const [partition, committed] of partitions) {
          const p = this.partitions.get(`${topic}-${partition}`);
          if (p === undefined || committed.offset < 0) continue;
          out.push({ group, topic, partition, lag: Math.max(0, p.logEndOffset - committed.offset) });
        }
      }
    }
    return out;
  }
}
