// A network thread (num.network.threads): serves the connections the main thread hands it, on a
// thread of its own (thread.ts) or on a shard worker (samsa.network.threads.colocated), where its
// own shard's tasks run in the thread, with no crossing at all (workers/links.ts, LocalShard). It
// reads their sockets, frames their requests (Produce frames into a frame ring of its own that the
// shards are handed once), and serves Produce and Fetch itself, over ports of its own to every
// shard: the partition's owner is one round trip away, as from the main thread. Every other
// request goes to the main thread as bytes (the coordinators, the topic admin and ApiVersions live
// there) and its reply comes back as bytes, in the connection's order. Long polls wait in this
// thread's purgatory: its own appends wake them, and while any of its fetches may wait the shards
// tell it of everyone else's. It keeps a view of the topics and the configs that the main thread
// updates, and its own fetch sessions and request figures, which /metrics gathers.
import net from 'node:net';
import type { MessagePort } from 'node:worker_threads';
import type { TopicInfo } from '../cluster/topics.js';
import { FetchSessionCache } from '../fetch/sessions.js';
import { Purgatory } from '../fetch/purgatory.js';
import { createLogger } from '../log.js';
import { BrokerMetrics } from '../metrics/broker-metrics.js';
import { ApiKey } from '../protocol/messages/index.js';
import type { Reply } from '../server/connection.js';
import type { BrokerServices, TopicCatalog } from '../server/context.js';
import { Dispatcher } from '../server/dispatcher.js';
import { fetch } from '../server/handlers/fetch.js';
import { produce } from '../server/handlers/produce.js';
import { Listeners } from '../server/listener.js';
import type { RequestMemory } from '../server/request-memory.js';
import type { Connection } from '../server/connection.js';
import { ShardLinks, type LocalShard } from '../workers/links.js';
import { shardOf } from '../workers/pool.js';
import { RingView } from '../workers/shared-ring.js';
import type { ForwardedReply, FromNetwork, NetworkStats, NetworkThreadData, ToNetwork } from './messages.js';

/** The topics as the main thread last told them. */
class TopicView implements TopicCatalog {
  private byName = new Map<string, TopicInfo>();
  private byId = new Map<string, TopicInfo>();

  set(topics: TopicInfo[]): void {
    this.byName = new Map(topics.map((t) => [t.name, t]));
    this.byId = new Map(topics.map((t) => [t.topicId, t]));
  }

  get(name: string): TopicInfo | undefined { return this.byName.get(name); }
  getById(topicId: string): TopicInfo | undefined { return this.byId.get(topicId); }
  all(): IterableIterator<TopicInfo> { return this.byName.values(); }
}

/** What only the main thread has: a handler that reached for it here is a bug, not a client's fault. */
function mainThreadOnly<T extends object>(room: string): T {
  return new Proxy({} as T, { get: () => { throw new Error(`${room} is served on the main thread`); } });
}

/** The main thread's end of the conversation (parentPort, or a port of a shard worker's). */
export type MainPort = Pick<MessagePort, 'postMessage' | 'on'>;

/**
 * Serves connections from now on. `shardPorts` in `data` has one entry per shard, in shard order;
 * on a shard worker, its own shard's entry is null and `local` runs its tasks in the thread.
 */
export function serveConnections(data: NetworkThreadData, port: MainPort, local?: LocalShard): void {
  const post = (message: FromNetwork, transfer?: ArrayBuffer[]): void => port.postMessage(message, transfer);
  const config = data.config;
  const log = createLogger(config.logLevel, config.logFormat).child({ thread: `network-${data.index}` });

  const topics = new TopicView();
  topics.set(data.topics);
  const ports = data.shardPorts.map((p) => {
    if (p !== null) return p;
    if (local === undefined) throw new Error('a shard without a port, and no local shard');
    return local;
  });
  // Shared memory this thread hands the shards is numbered in a range of its own.
  const links = new ShardLinks(ports, (data.index + 1) * 1_000_000);
  for (let shard = 0; shard < links.size; shard++) links.attached(shard);
  const purgatory = new Purgatory();
  links.onAppend((key, bytes) => purgatory.appended(key, bytes));
  const waiting = new Int32Array(data.waiting);
  const metrics = new BrokerMetrics();

  const services: BrokerServices = {
    config,
    clusterId: data.clusterId,
    topics,
    cluster: mainThreadOnly('the topic admin'),
    partitions: {
      scatter: (items, shardOfItem, makeTask) => links.scatter(items, shardOfItem, makeTask),
      shardFor: (topic, partition) => shardOf(topic, partition, links.size),
    },
    groups: mainThreadOnly('the group coordinator'),
    transactions: mainThreadOnly('the transaction coordinator'),
    producerIds: mainThreadOnly('the producer id manager'),
    purgatory,
    fetchSessions: new FetchSessionCache(),
    dynamicConfigs: mainThreadOnly('the dynamic configs'),
    metrics,
    apiVersions: () => { throw new Error('ApiVersions is served on the main thread'); },
  };
  const served = new Dispatcher([produce, fetch], services, metrics.requests);

  /** Requests forwarded to the main thread and not answered yet, by number. */
  const forwarded = new Map<number, { conn: Connection; resolve: (reply: Reply) => void }>();
  let nextRequest = 1;

  function forward(conn: Connection, frame: Buffer): Promise<Reply> {
    const id = nextRequest++;
    // A copy of the frame alone (its buffer may be a slice of a larger one), moved, not cloned.
    const bytes = new Uint8Array(frame);
    return new Promise((resolve) => {
      forwarded.set(id, { conn, resolve });
      post({ t: 'request', id, from: { id: conn.id, remoteAddress: conn.socket.remoteAddress, remote: conn.remote, listenerName: conn.listenerName }, frame: bytes }, [bytes.buffer]);
    });
  }

  function replied(id: number, reply: ForwardedReply): void {
    const f = forwarded.get(id);
    if (f === undefined) return;
    forwarded.delete(id);
    if ('bytes' in reply) f.resolve([Buffer.from(reply.bytes.buffer, reply.bytes.byteOffset, reply.bytes.byteLength)]);
    else if ('none' in reply) f.resolve(null);
    else f.resolve(f.conn.reject(reply.close.reason, reply.close.extra));
  }

  const countDone = (): void => { Atomics.sub(waiting, 0, 1); };

  async function dispatch(conn: Connection, request: RequestMemory): Promise<Reply> {
    // Every frame holds at least an api key, a version and a correlation id (connection.ts).
    const apiKey = request.buf.readInt16BE(0);
    if (apiKey === ApiKey.Produce) return served.dispatch(conn, request);
    if (apiKey === ApiKey.Fetch) {
      // From before its first read: an append between that read and its wait must still wake it.
      Atomics.add(waiting, 0, 1);
      const reply = served.dispatch(conn, request);
      reply.then(countDone, countDone);
      return reply;
    }
    return forward(conn, request.buf);
  }

  const listeners = new Listeners({
    log,
    maxRequestBytes: config.socketRequestMaxBytes,
    maxQueuedRequests: data.maxQueuedRequests,
    maxQueuedRequestBytes: data.maxQueuedRequestBytes,
    maxInFlight: config.maxInFlightRequestsPerConnection,
    connectionsMaxIdleMs: config.connectionsMaxIdleMs,
    requestReadTimeoutMs: config.requestReadTimeoutMs,
    dispatch,
    readArenas: data.arenas.map((memory) => new RingView(memory)),
    shareMemory: (sab) => links.share(sab),
  });

  function stats(): NetworkStats {
    return {
      requests: [...metrics.requests.all()].map((s) => ({ api: s.api, version: s.version, count: s.count, errors: [...s.errors], latency: s.latency.snapshot() })),
      inFlight: metrics.requests.inFlight,
      fetched: [...metrics.fetched].map(([topic, t]) => [topic, t.bytesOut]),
      waiting: purgatory.size,
      connections: listeners.connections.size,
      closed: listeners.closed,
      timedOut: { ...listeners.timedOut },
    };
  }

  async function shutdown(drainMs: number): Promise<void> {
    purgatory.releaseAll();
    const { connections, forced } = await listeners.close(drainMs);
    post({ t: 'drained', connections, forced });
  }

  port.on('message', (m: ToNetwork) => {
    switch (m.t) {
      case 'connection': {
        let socket: net.Socket;
        try {
          // Paused until the connection has chosen where its reads land (direct-read.ts).
          socket = new net.Socket({ fd: m.fd, readable: true, writable: true, allowHalfOpen: true, pauseOnCreate: true } as net.SocketConstructorOpts);
        } catch (err) {
          log.error({ err, conn: m.id }, 'could not take over a connection from the main thread');
          post({ t: 'closed', conn: m.id });
          return;
        }
        socket.once('close', () => post({ t: 'closed', conn: m.id }));
        listeners.adopt(socket, m.listenerName, m.id);
        return;
      }
      case 'topics':
        topics.set(m.topics);
        post({ t: 'synced', version: m.version });
        return;
      case 'config':
        Object.assign(config, m.config);
        post({ t: 'synced', version: m.version });
        return;
      case 'reply':
        replied(m.id, m.reply);
        return;
      case 'stats':
        post({ t: 'stats', id: m.id, stats: stats() });
        return;
      case 'shutdown':
        void shutdown(m.drainMs);
        return;
    }
  });

  post({ t: 'ready' });
}
