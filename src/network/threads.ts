// The main thread's side of the network threads (num.network.threads): starts them (on the first
// shard workers, samsa.network.threads.colocated, or as threads of their own), gives each a port of
// its own to every other shard, hands each accepted connection to the thread that serves the
// fewest, answers the requests they forward (through the main thread's dispatcher, on behalf of a
// stand-in of the client's connection: forwarded.ts), keeps their view of the topics and configs
// current, gathers their figures for /metrics and drains them at shutdown. A forwarded reply that
// follows a change of the topics or configs waits until every network thread has the change: a
// client told that its topic exists finds it on whichever connection it uses next.
// A network thread that dies takes its connections with it (their clients reconnect); the others,
// or the main thread when none is left, serve the new ones.
import type net from 'node:net';
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker } from 'node:worker_threads';
import type { TopicInfo } from '../cluster/topics.js';
import type { BrokerConfig } from '../config/index.js';
import type { Logger } from '../log.js';
import type { Dispatcher } from '../server/dispatcher.js';
import type { ShardPool } from '../workers/pool.js';
import { ForwardedConnections } from './forwarded.js';
import { detachSocket, loadHandOff } from './handoff.js';
import type { FromNetwork, NetworkStats, NetworkThreadData, ToNetwork } from './messages.js';

const THREAD_FILE = fileURLToPath(new URL('./thread.js', import.meta.url));
/** How long /metrics waits for a network thread's figures before it uses the last ones. */
const STATS_WAIT_MS = 500;

interface Thread {
  index: number;
  /** Its line to this thread: a Worker of its own, or a port to the shard worker it runs on. */
  send(message: ToNetwork, transfer?: ArrayBuffer[]): void;
  /** Ends it (after its drain): a thread of its own exits; one on a shard worker stays until the shards close. */
  end(): Promise<void>;
  /** Connections handed to it and not closed yet. */
  connections: number;
  alive: boolean;
  /** The last change of the topics or configs it has. */
  synced: number;
  stats: NetworkStats | null;
}

export interface NetworkThreadOptions {
  count: number;
  config: BrokerConfig;
  clusterId: string;
  topics: () => TopicInfo[];
  shards: ShardPool;
  dispatcher: Pick<Dispatcher, 'dispatch'>;
  log: Logger;
}

export class NetworkThreads {
  private readonly threads: Thread[] = [];
  private readonly forwarded: ForwardedConnections;
  /** The last change of the topics or configs sent, and the replies waiting for every thread to have it. */
  private version = 0;
  private readonly waitingForSync: { version: number; go: () => void }[] = [];
  private readonly statsAsked = new Map<number, (stats: NetworkStats) => void>();
  private nextStats = 1;
  private readonly drains = new Map<Thread, (r: { connections: number; forced: number }) => void>();
  private stopping = false;

  private constructor(private readonly opts: NetworkThreadOptions) {
    this.forwarded = new ForwardedConnections(opts.dispatcher, opts.log, (version) => this.whenSynced(version), () => this.version);
  }

  /** Starts `count` threads, each linked to every shard; resolves once all of them serve. */
  static async start(opts: NetworkThreadOptions): Promise<NetworkThreads> {
    // No dup(2), no network threads: the setting cannot be honoured, so start-up stops.
    loadHandOff();
    const threads = new NetworkThreads(opts);
    await Promise.all(Array.from({ length: opts.count }, (_, i) => threads.startThread(i)));
    return threads;
  }

  private async startThread(index: number): Promise<void> {
    const { config, shards, count, log } = this.opts;
    const colocated = config.networkThreadsColocated;
    // a port to every shard; on a shard worker, none to its own (its tasks run in the thread)
    const channels = Array.from({ length: shards.size }, (_, s) => (colocated && s === index ? null : new MessageChannel()));
    const waiting = new SharedArrayBuffer(4);
    await shards.link(channels.map((c) => c?.port2 ?? null), waiting);
    const limitBytes = config.queuedMaxRequestBytes;
    const data: NetworkThreadData = {
      index,
      config,
      clusterId: this.opts.clusterId,
      topics: this.opts.topics(),
      shardPorts: channels.map((c) => c?.port1 ?? null),
      arenas: shards.arenaMemory,
      waiting,
      maxQueuedRequests: Math.max(1, Math.ceil(config.queuedMaxRequests / count)),
      maxQueuedRequestBytes: limitBytes < 0 ? -1 : Math.max(1, Math.ceil(limitBytes / count)),
    };
    const thread: Thread = { index, send: () => {}, end: async () => {}, connections: 0, alive: false, synced: this.version, stats: null };
    this.threads.push(thread);
    let started!: () => void;
    let failed!: (err: unknown) => void;
    const ready = new Promise<void>((resolve, reject) => { started = resolve; failed = reject; });
    const onMessage = (m: FromNetwork): void => {
      if (m.t !== 'ready') {
        this.onMessage(thread, m);
        return;
      }
      thread.alive = true;
      started();
    };
    const gone = (why: string): void => {
      const was = thread.alive;
      thread.alive = false;
      this.forwarded.threadGone(index);
      this.drains.get(thread)?.({ connections: 0, forced: 0 });
      this.settleSync();
      if (!was) failed(new Error(`network thread ${index} ${why} before it served`));
      else if (!this.stopping) log.error({ networkThread: index, why }, 'network thread gone; its connections are lost, new ones go to the others');
    };
    if (colocated) {
      const { port1, port2 } = new MessageChannel();
      port1.on('message', onMessage);
      port1.on('close', () => gone('closed its port (its shard worker exited)'));
      thread.send = (message, transfer) => port1.postMessage(message, transfer);
      thread.end = async () => { port1.close(); };
      await shards.serve(index, data, port2);
    } else {
      const shardPorts = data.shardPorts.filter((p): p is NonNullable<typeof p> => p !== null);
      const worker = new Worker(THREAD_FILE, { workerData: data, transferList: shardPorts, name: `samsa-network-${index}` });
      worker.on('message', onMessage);
      worker.on('error', (err) => {
        if (!thread.alive) failed(err);
        else log.error({ err, networkThread: index }, 'network thread failed');
      });
      worker.on('exit', (code) => gone(`exited with code ${code}`));
      thread.send = (message, transfer) => worker.postMessage(message, transfer);
      thread.end = async () => { await worker.terminate(); };
    }
    await ready;
  }

  private onMessage(thread: Thread, m: FromNetwork): void {
    switch (m.t) {
      case 'request':
        this.forwarded.request(thread.index, m, (message, transfer) => this.send(thread, message, transfer));
        return;
      case 'closed':
        thread.connections--;
        this.forwarded.closed(m.conn);
        return;
      case 'synced':
        thread.synced = m.version;
        this.settleSync();
        return;
      case 'stats':
        thread.stats = m.stats;
        this.statsAsked.get(m.id)?.(m.stats);
        this.statsAsked.delete(m.id);
        return;
      case 'drained':
        this.drains.get(thread)?.(m);
        return;
      case 'ready':
        return;
    }
  }

  private send(thread: Thread, message: ToNetwork, transfer?: ArrayBuffer[]): void {
    thread.send(message, transfer);
  }

  /** Resolves once every live thread has the change numbered `version`. */
  private whenSynced(version: number): Promise<void> {
    if (this.threads.every((t) => !t.alive || t.synced >= version)) return Promise.resolve();
    return new Promise((go) => this.waitingForSync.push({ version, go }));
  }

  private settleSync(): void {
    for (let i = this.waitingForSync.length - 1; i >= 0; i--) {
      const w = this.waitingForSync[i]!;
      if (this.threads.every((t) => !t.alive || t.synced >= w.version)) {
        this.waitingForSync.splice(i, 1);
        w.go();
      }
    }
  }

  /** The topics changed (created, deleted, repartitioned, reconfigured): every thread gets the new set. */
  topicsChanged(): void {
    const topics = this.opts.topics();
    const version = ++this.version;
    for (const t of this.threads) this.send(t, { t: 'topics', version, topics });
  }

  /** The broker's configs changed (dynamic configs): every thread gets them. */
  configChanged(): void {
    const version = ++this.version;
    for (const t of this.threads) this.send(t, { t: 'config', version, config: this.opts.config });
  }

  /** Gives an accepted socket to the live thread with the fewest connections; false when none is left. */
  readonly handOff = (socket: net.Socket, listenerName: string, id: number): boolean => {
    let best: Thread | null = null;
    for (const t of this.threads) if (t.alive && (best === null || t.connections < best.connections)) best = t;
    if (best === null || this.stopping) return false;
    const fd = detachSocket(socket);
    if (fd < 0) return false;
    best.connections++;
    this.send(best, { t: 'connection', fd, id, listenerName });
    return true;
  };

  /** Every thread's figures, fresh where a thread answers within STATS_WAIT_MS, else its last ones. */
  async stats(): Promise<NetworkStats[]> {
    await Promise.all(this.threads.filter((t) => t.alive).map((t) => {
      const id = this.nextStats++;
      return new Promise<void>((resolve) => {
        const timer = setTimeout(() => { this.statsAsked.delete(id); resolve(); }, STATS_WAIT_MS);
        this.statsAsked.set(id, () => { clearTimeout(timer); resolve(); });
        this.send(t, { t: 'stats', id });
      });
    }));
    return this.lastStats();
  }

  /**
   * The figures each thread gave last (for a synchronous read of /metrics): a thread that is gone
   * keeps its counts, and has nothing open, in flight or waiting.
   */
  lastStats(): NetworkStats[] {
    return this.threads.flatMap((t) => {
      if (t.stats === null) return [];
      return t.alive ? [t.stats] : [{ ...t.stats, connections: 0, inFlight: 0, waiting: 0 }];
    });
  }

  /**
   * Shutdown: every thread answers the requests it has read (drainMs at the most), closes its
   * connections and ends. Answers the connections there were and those cut off.
   */
  async close(drainMs: number): Promise<{ connections: number; forced: number }> {
    this.stopping = true;
    const results = await Promise.all(this.threads.map((t) => (!t.alive ? { connections: 0, forced: 0 } : new Promise<{ connections: number; forced: number }>((resolve) => {
      this.drains.set(t, resolve);
      this.send(t, { t: 'shutdown', drainMs });
    }))));
    await Promise.all(this.threads.map((t) => t.end()));
    return results.reduce((a, b) => ({ connections: a.connections + b.connections, forced: a.forced + b.forced }), { connections: 0, forced: 0 });
  }
}
