// What crosses between the main thread and a network thread (num.network.threads), in one table
// each way. The main thread hands over accepted connections (as duplicated file descriptors),
// keeps each network thread's view of the topics and the broker's configs current (each change
// numbered; a thread says when it has it), answers the requests a network thread does not serve
// itself (the frame's bytes go over, the reply's bytes come back), and asks for the figures of
// /metrics and, at shutdown, for the connections to be drained.
import type { TopicInfo } from '../cluster/topics.js';
import type { BrokerConfig } from '../config/index.js';
import type { HistogramSnapshot } from '../metrics/histogram.js';

/** What a network thread starts with (its workerData; the ports to the shards travel with it). */
export interface NetworkThreadData {
  index: number;
  config: BrokerConfig;
  clusterId: string;
  topics: TopicInfo[];
  /**
   * One port per shard, in shard order (each shard took the other end: ShardPool.link); null for
   * the shard worker this thread runs on (samsa.network.threads.colocated), whose tasks run in it.
   */
  shardPorts: (import('node:worker_threads').MessagePort | null)[];
  /** Each shard's fetch read arena. */
  arenas: import('../workers/shared-ring.js').RingMemory[];
  /** An Int32 above 0 while fetches of this thread may wait: the shards tell it of appends meanwhile. */
  waiting: SharedArrayBuffer;
  /** This thread's share of queued.max.requests and queued.max.request.bytes. */
  maxQueuedRequests: number;
  maxQueuedRequestBytes: number;
}

/** The connection a forwarded request came on, as the main thread's handlers see it. */
export interface ForwardedFrom { id: number; remoteAddress: string | undefined; remote: string; listenerName: string }

/** How a forwarded request was answered: the reply's bytes (without the size), none, or a close with its reason. */
export type ForwardedReply = { bytes: Uint8Array } | { none: true } | { close: { reason: string; extra: Record<string, unknown> } };

/** The figures a network thread keeps for /metrics, cumulative since it started. */
export interface NetworkStats {
  requests: { api: string; version: string; count: number; errors: [number, number][]; latency: HistogramSnapshot }[];
  inFlight: number;
  /** topic -> record bytes its Fetch responses carried. */
  fetched: [string, number][];
  /** Fetches waiting in its purgatory. */
  waiting: number;
  connections: number;
  closed: number;
  /** By reason (server/connection.ts, TimeoutReason). */
  timedOut: Record<string, number>;
}

/** Main thread -> network thread. */
export type ToNetwork =
  | { t: 'connection'; fd: number; id: number; listenerName: string }
  | { t: 'topics'; version: number; topics: TopicInfo[] }
  | { t: 'config'; version: number; config: BrokerConfig }
  | { t: 'reply'; id: number; reply: ForwardedReply }
  | { t: 'stats'; id: number }
  | { t: 'shutdown'; drainMs: number };

/** Network thread -> main thread. */
export type FromNetwork =
  | { t: 'ready' }
  | { t: 'request'; id: number; from: ForwardedFrom; frame: Uint8Array }
  | { t: 'closed'; conn: number }
  | { t: 'synced'; version: number }
  | { t: 'stats'; id: number; stats: NetworkStats }
  | { t: 'drained'; connections: number; forced: number };
