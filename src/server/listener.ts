// The TCP listeners: binds each configured listener (localhost means both 127.0.0.1 and ::1,
// as Kafka's quickstart answers on both) and turns each accepted socket into a Connection, or hands
// it to a network thread (whose own Listeners adopts it, src/network/thread.ts); sweeps
// the connections for connections.max.idle.ms and samsa.request.read.timeout.ms; at shutdown,
// stops accepting, drains and closes every connection.
import net from 'node:net';
import type { Listener } from '../config/index.js';
import type { Logger } from '../log.js';
import { Connection, type ConnectionOptions, type TimeoutReason } from './connection.js';
import { FRAME_RING_BYTES, FramePool } from './frame-pool.js';
import { RequestBudget } from './request-memory.js';

export interface ListenOptions {
  log: Logger;
  /** queued.max.requests: requests in flight across all connections. */
  maxQueuedRequests: number;
  /** queued.max.request.bytes: their bytes (-1: no limit). */
  maxQueuedRequestBytes: number;
  maxRequestBytes: number;
  maxInFlight: number;
  /** connections.max.idle.ms and samsa.request.read.timeout.ms (-1: none). */
  connectionsMaxIdleMs: number;
  requestReadTimeoutMs: number;
  dispatch: ConnectionOptions['dispatch'];
  /** The shards' fetch read arenas, whose regions replies point into until written. */
  readArenas: ConnectionOptions['readArenas'];
  /** Hands the shard workers the frame ring once, so that produce tasks name it instead of carrying it (ShardPool.share). */
  shareMemory?: (sab: SharedArrayBuffer) => void;
  /**
   * Network threads (num.network.threads): an accepted socket goes to one of them, which serves it
   * from then on; false when none can take it (the connection is served here then).
   */
  handOff?: (socket: net.Socket, listenerName: string, id: number) => boolean;
}

function bindAddresses(host: string): string[] {
  if (host === 'localhost') return ['127.0.0.1', '::1'];
  if (host === '') return ['::'];
  return [host.replace(/^\[(.*)\]$/, '$1')];
}

export class Listeners {
  private readonly servers: net.Server[] = [];
  readonly connections = new Set<Connection>();
  /** Connections accepted and closed since start-up, for /metrics. */
  opened = 0;
  closed = 0;
  /** Connections the sweep closed, by reason, for /metrics. */
  readonly timedOut: Record<TimeoutReason, number> = { idle: 0, request_read: 0 };
  private sweeper: NodeJS.Timeout | null = null;
  private lastSweepMs = Date.now();
  /** Every accepted socket until it has closed, ended or not (a closed Connection may still be writing its last replies). */
  private readonly sockets = new Set<net.Socket>();

  /** Sockets open here now (closed connections still writing their last replies included). */
  get openSockets(): number {
    return this.sockets.size;
  }
  private nextId = 1;
  /** Called once every socket has closed (the drain at shutdown waits for it). */
  private onNoSockets: (() => void) | null = null;
  private readonly budget: RequestBudget;
  private readonly framePool: FramePool;

  constructor(private readonly opts: ListenOptions) {
    this.budget = new RequestBudget(opts.maxQueuedRequests, opts.maxQueuedRequestBytes);
    // Produced bytes in memory: a ring of FRAME_RING_BYTES, or of queued.max.request.bytes when less.
    const limit = opts.maxQueuedRequestBytes;
    this.framePool = new FramePool(limit >= 0 ? Math.min(FRAME_RING_BYTES, limit) : FRAME_RING_BYTES);
    opts.shareMemory?.(this.framePool.ringMemory);
    // One sweep of every connection for both time limits, at a tenth of the shorter (10 ms to 1 s).
    const limits = [opts.connectionsMaxIdleMs, opts.requestReadTimeoutMs].filter((ms) => ms >= 0);
    if (limits.length > 0) this.sweeper = setInterval(() => this.sweep(), Math.max(10, Math.min(1000, Math.min(...limits) / 10))).unref();
  }

  private sweep(): void {
    const now = Date.now();
    const elapsed = now - this.lastSweepMs;
    this.lastSweepMs = now;
    for (const c of [...this.connections]) {
      const reason = c.sweep(elapsed, this.opts.connectionsMaxIdleMs, this.opts.requestReadTimeoutMs);
      if (reason !== null) this.timedOut[reason]++;
    }
  }

  async open(listeners: Listener[]): Promise<string[]> {
    const bound: string[] = [];
    for (const l of listeners) {
      for (const address of bindAddresses(l.host)) {
        // Half-open: a client that sends and closes at once (acks=0) still has every request served.
        // Paused: the connection chooses where its reads land before the first one (direct-read.ts).
        const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (socket) => this.accept(socket, l.name));
        try {
          await new Promise<void>((resolve, reject) => {
            server.once('error', reject);
            server.listen({ host: address, port: l.port, ipv6Only: address === '::1' }, () => resolve());
          });
        } catch (err) {
          // ::1 may be missing on a host without IPv6; 127.0.0.1 still serves localhost.
          if (l.host === 'localhost' && address === '::1') {
            this.opts.log.warn({ err }, 'could not bind ::1; serving localhost on 127.0.0.1 only');
            continue;
          }
          throw err;
        }
        server.on('error', (err) => this.opts.log.error({ err, address }, 'listener error'));
        this.servers.push(server);
        const a = server.address() as net.AddressInfo;
        bound.push(`${l.name}://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`);
      }
    }
    return bound;
  }

  private accept(socket: net.Socket, listenerName: string): void {
    const id = this.nextId++;
    if (this.opts.handOff?.(socket, listenerName, id) === true) {
      this.opened++;
      return;
    }
    this.adopt(socket, listenerName, id);
  }

  /** Serves a connection here: one this thread accepted, or one handed to this network thread. */
  adopt(socket: net.Socket, listenerName: string, id: number): void {
    this.sockets.add(socket);
    socket.once('close', () => {
      this.sockets.delete(socket);
      if (this.sockets.size === 0) this.onNoSockets?.();
    });
    const conn = new Connection(socket, { id, listenerName, budget: this.budget, framePool: this.framePool, ...this.opts });
    this.connections.add(conn);
    this.opened++;
    conn.onClose(() => {
      this.connections.delete(conn);
      this.closed++;
    });
    conn.log.info('connection opened');
  }

  /**
   * Shutdown, as Kafka's socket server does it: stops accepting, lets every connection answer the
   * requests it has already read and close, for at most drainMs, then closes what is left. Answers
   * how many connections there were and how many of them had to be cut off. The caller says so in
   * the log (the broker counts the network threads' connections in).
   */
  async close(drainMs: number): Promise<{ connections: number; forced: number }> {
    if (this.sweeper !== null) clearInterval(this.sweeper);
    const stopped = Promise.all(this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    const connections = this.sockets.size;
    for (const c of this.connections) void c.shutdown();
    // Every socket closed (a server's close waits for the sockets it accepted; one handed over is not its own).
    const drained = this.sockets.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => { this.onNoSockets = resolve; });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([Promise.all([stopped, drained]).then(() => false), new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(true), drainMs); })]);
    clearTimeout(timer);
    const forced = timedOut ? this.sockets.size : 0;
    for (const s of this.sockets) s.destroy();
    await stopped;
    return { connections, forced };
  }
}
