// One client connection: reads size-prefixed frames straight into SharedArrayBuffers, hands
// each complete frame to the dispatcher, and writes the responses back in request order. Between
// frames the socket is read into a staging buffer shared by all connections (sizes and small
// requests are copied out of it); once a frame's size is known, the rest of it is read by the
// kernel directly into the frame's shared memory (direct-read.ts).
// Limits: a frame above socket.request.max.bytes, a negative size or a frame too short for a
// request header closes the connection; reading pauses while too many requests are in flight on
// this connection or in the whole broker (queued.max.requests), or while the socket's write side
// is backed up, so nothing is buffered without bound. The listener's sweep closes a connection
// idle for connections.max.idle.ms, or one whose request has begun and not arrived in full within
// samsa.request.read.timeout.ms (a slow loris); a request partly read gives its memory back.
import type net from 'node:net';
import type { Logger } from '../log.js';
import { CloseHooks } from './close-hooks.js';
import { readDirect } from './direct-read.js';
import { RequestMemory, type MemorySources } from './request-memory.js';

/** Why the listener's sweep closed a connection (the reason label of samsa_connections_timed_out_total). */
export type TimeoutReason = 'idle' | 'request_read';

const NOTHING = (): void => {};

/** Answered for a request that ends the connection: the replies before it are written first. */
export const CLOSE = Symbol('close');

/** What the dispatcher answers for a frame: response chunks, null for no response (acks=0), or CLOSE. */
export type Reply = Buffer[] | null | typeof CLOSE;

export interface ConnectionOptions extends MemorySources {
  id: number;
  listenerName: string;
  maxRequestBytes: number;
  maxInFlight: number;
  log: Logger;
  dispatch: (conn: Connection, request: RequestMemory) => Promise<Reply>;
}

/** The smallest frame that can hold apiKey, apiVersion and correlationId. */
const MIN_FRAME = 8;
/** What is read before a frame's memory is chosen: its size and its api key. */
const HEAD = 6;
const PRODUCE = 0;

/**
 * Where every connection's reads land between frames (one at a time, on this thread): each read
 * is framed at once, and what must wait is copied out of it.
 */
const STAGING = Buffer.allocUnsafeSlow(64 * 1024);

export class Connection {
  readonly id: number;
  readonly remote: string;
  readonly log: Logger;
  closed = false;
  /** A bad request was seen: read nothing more, close once the earlier replies are written. */
  private closing = false;
  /** The client has finished sending: close our side once every request it sent is answered. */
  private peerEnded = false;
  private readonly closeHooks = new CloseHooks();
  private readonly pending: { request: RequestMemory | null; reply: Promise<Reply> }[] = [];
  private writing = false;
  private corked = false;
  /** A frame's header is read and no shared memory is free for it: reading waits for a release. */
  private waitingForMemory = false;
  private readonly sizeBuf = Buffer.alloc(HEAD);
  private sizeHave = 0;
  /** The request being read (its frame's size known, its bytes not all in yet). */
  private frame: RequestMemory | null = null;
  private frameHave = 0;
  /** Bytes read from the socket but not yet framed, held while this connection may not take more. */
  private backlog: Buffer | null = null;
  /** Bytes came in or a reply went out since the last sweep (a flag: no clock read per socket read). */
  private active = true;
  /** How long the connection has been idle, as the sweeps count it, for connections.max.idle.ms. */
  private idleForMs = 0;
  /** How long the request begun has been read so far, as the sweep counts it (see sweep()). */
  private partialMs = 0;

  constructor(readonly socket: net.Socket, private readonly opts: ConnectionOptions) {
    this.id = opts.id;
    this.remote = `${socket.remoteAddress}:${socket.remotePort}`;
    this.log = opts.log.child({ conn: opts.id, remote: this.remote, listener: opts.listenerName });
    socket.setNoDelay(true);
    const direct = readDirect(socket, { next: () => this.nextReadBuffer(), read: (n, into) => this.onRead(n, into) });
    if (!direct) socket.on('data', (chunk: Buffer) => this.onChunk(chunk, false));
    // The listener pauses sockets on connect, so that the reads above are in place before the first.
    socket.resume();
    socket.on('drain', () => this.maybeResume());
    socket.on('end', () => {
      this.peerEnded = true;
      this.maybeFinish();
    });
    socket.on('error', (err) => this.log.debug({ err }, 'socket error'));
    socket.on('close', () => this.onClose());
  }

  get listenerName(): string { return this.opts.listenerName; }

  /**
   * `hook` is called once when the connection goes away (long polls release their waits here);
   * answers how to take it back (a wait that ended: a long-lived connection would otherwise keep
   * every hook, and what it holds, until it closes). Without a hook: the connection is gone.
   */
  onClose(hook?: () => void): () => void {
    if (hook !== undefined) return this.closeHooks.add(hook);
    if (this.closed) return NOTHING;
    this.closed = true;
    this.opts.budget.forget(this);
    this.opts.framePool.forget(this.memoryReleased);
    // A request partly read: its ring space would hold back every region allocated after it.
    if (this.frame !== null) {
      this.frame.abandon();
      this.frame = null;
    }
    this.log.info({ inFlight: this.pending.length }, 'connection closed');
    if (!this.writing) this.dropPending();
    this.closeHooks.fire();
    return NOTHING;
  }

  /**
   * Broker shutdown: reads nothing more (bytes read but not yet a whole request are dropped),
   * writes the replies of the requests already read, then closes. Resolves once it is closed.
   */
  shutdown(): Promise<void> {
    if (!this.closed && !this.closing) {
      this.closing = true;
      this.backlog = null;
      this.socket.pause();
      this.pending.push({ request: null, reply: Promise.resolve(CLOSE) });
      if (!this.writing) void this.flush();
    }
    return new Promise((resolve) => this.onClose(resolve));
  }

  /**
   * Closes the connection because of what the client sent, with a log line that says why. Nothing
   * more is read; the replies to the requests before the bad one are still written, as a broker
   * that serves a connection's requests in order would have sent them. Answers CLOSE, the bad
   * request's place in the reply order.
   */
  reject(reason: string, extra: Record<string, unknown> = {}): typeof CLOSE {
    if (!this.closing && !this.closed) this.log.warn({ ...extra, reason }, 'closing connection: bad request');
    this.closing = true;
    this.backlog = null;
    this.socket.pause();
    return CLOSE;
  }

  /**
   * The listener's sweep, every `elapsedMs`: closes the connection when it has had nothing in
   * flight and nothing partly read for idleMs, or when the request it has begun has been read for
   * readTimeoutMs without arriving in full (time the broker held reading back for want of memory
   * or budget does not count; -1: no limit). Answers the reason it closed for, or null.
   */
  sweep(elapsedMs: number, idleMs: number, readTimeoutMs: number): TimeoutReason | null {
    if (this.closed || this.closing) return null;
    if (this.frame !== null || this.sizeHave > 0) {
      if (readTimeoutMs < 0 || this.waitingForMemory || this.opts.budget.exhausted || this.pending.length >= this.opts.maxInFlight) return null;
      this.partialMs += elapsedMs;
      if (this.partialMs < readTimeoutMs) return null;
      // The frame's announced size and how much of it came (-1: not even the size yet).
      const size = this.frame?.buf.length ?? (this.sizeHave >= 4 ? this.sizeBuf.readInt32BE(0) : -1);
      const received = this.frame === null ? Math.max(0, this.sizeHave - 4) : this.frameHave;
      this.log.warn({ reason: 'request_read', readMs: this.partialMs, size, received, limitMs: readTimeoutMs },
        'closing connection: a request begun was not received in full within samsa.request.read.timeout.ms');
      this.timeOut();
      return 'request_read';
    }
    if (this.active || this.pending.length > 0 || this.backlog !== null) {
      this.active = false;
      this.idleForMs = 0;
      return null;
    }
    this.idleForMs += elapsedMs;
    if (idleMs < 0 || this.idleForMs < idleMs) return null;
    this.log.info({ reason: 'idle', idleMs: this.idleForMs, limitMs: idleMs }, 'closing connection: idle for connections.max.idle.ms');
    this.timeOut();
    return 'idle';
  }

  private timeOut(): void {
    this.closing = true;
    this.backlog = null;
    this.socket.destroy();
    this.onClose();
  }

  /** Requests that will not be answered: their memory goes back once their handlers are done with them. */
  private dropPending(): void {
    for (const { request, reply } of this.pending.splice(0)) {
      if (request === null) continue;
      const done = (): void => request.written();
      reply.then(done, done);
    }
  }

  /** Whether this connection may start another request now. */
  private get hasRoom(): boolean {
    return !this.opts.budget.exhausted && this.pending.length < this.opts.maxInFlight && !this.socket.writableNeedDrain;
  }

  /** The next read's buffer: the rest of the frame being read, else the staging buffer. */
  private nextReadBuffer(): Uint8Array {
    const frame = this.frame;
    return frame === null ? STAGING : frame.buf.subarray(this.frameHave);
  }

  private onRead(n: number, into: Uint8Array): void {
    this.active = true;
    if (into === STAGING) {
      this.onChunk(STAGING.subarray(0, n), true);
      return;
    }
    const frame = this.frame;
    if (frame === null || this.closing) return;
    this.frameHave += n;
    if (this.frameHave === frame.buf.length) {
      this.frame = null;
      this.enqueue(frame);
    }
  }

  /** Bytes from the socket; `transient` ones (the staging buffer) must be copied to be kept. */
  private onChunk(chunk: Buffer, transient: boolean): void {
    if (this.closing) return;
    if (!transient) this.active = true;
    // Bytes arriving behind a held backlog wait behind it, in order.
    if (this.backlog !== null) this.backlog = Buffer.concat([this.backlog, chunk]);
    else this.onData(chunk, transient);
  }

  private onData(chunk: Buffer, transient = false): void {
    let pos = 0;
    while (pos < chunk.length && !this.closed && !this.closing) {
      if (this.frame === null && this.sizeHave === 0 && !this.hasRoom) {
        // Full: keep the rest for later and stop reading until requests complete.
        this.backlog = transient ? Buffer.from(chunk.subarray(pos)) : chunk.subarray(pos);
        this.maybeResume();
        return;
      }
      if (this.frame === null) {
        const had = this.sizeHave;
        if (had === 0) this.partialMs = 0;
        const n = Math.min(HEAD - had, chunk.length - pos);
        chunk.copy(this.sizeBuf, had, pos, pos + n);
        this.sizeHave += n;
        pos += n;
        const size = this.sizeHave >= 4 ? this.sizeBuf.readInt32BE(0) : 0;
        if (had < 4 && this.sizeHave >= 4 && (size < MIN_FRAME || size > this.opts.maxRequestBytes)) {
          this.pending.push({ request: null, reply: Promise.resolve(this.reject(`frame size ${size} outside [${MIN_FRAME}, ${this.opts.maxRequestBytes}] (socket.request.max.bytes)`)) });
          if (!this.writing) void this.flush();
          return;
        }
        if (this.sizeHave < HEAD) return;
        if (!this.startFrame(chunk.byteOffset + pos)) {
          // No shared memory for it now: the rest waits, and reading stops until some is released.
          if (pos < chunk.length) this.backlog = transient ? Buffer.from(chunk.subarray(pos)) : chunk.subarray(pos);
          return;
        }
      }
      const frame = this.frame!;
      const n = Math.min(frame.buf.length - this.frameHave, chunk.length - pos);
      chunk.copy(frame.buf, this.frameHave, pos, pos + n);
      this.frameHave += n;
      pos += n;
      if (this.frameHave === frame.buf.length) {
        this.frame = null;
        this.enqueue(frame);
      }
    }
  }

  /**
   * Takes memory for the frame whose size and api key are in sizeBuf; false (and a wait for
   * memory) when there is none now. `nextAt`: the address modulo 8 of the bytes that follow.
   */
  private startFrame(nextAt: number): boolean {
    const size = this.sizeBuf.readInt32BE(0);
    // Produce frames go to shared memory, at the alignment of their bytes in the chunk: the api
    // key just read sits 2 bytes before what is copied next.
    const produce = this.sizeBuf.readInt16BE(4) === PRODUCE;
    const request = RequestMemory.acquire(this.opts, size, produce, (nextAt - 2) & 7);
    if (request === null) {
      this.waitingForMemory = true;
      this.socket.pause();
      this.opts.framePool.waitForRoom(this.memoryReleased);
      return false;
    }
    this.sizeHave = 0;
    this.frame = request;
    this.sizeBuf.copy(request.buf, 0, 4, HEAD);
    this.frameHave = 2;
    return true;
  }

  private readonly memoryReleased = (): void => {
    this.waitingForMemory = false;
    this.maybeResume();
  };

  private enqueue(request: RequestMemory): void {
    request.queued();
    const reply = this.opts.dispatch(this, request);
    // A handled request's frame is read no more (a reply never points into a frame), so it goes
    // back without waiting for the write; what the reply points into waits for it (flush).
    const handled = (): void => request.handled();
    reply.then(handled, handled);
    this.pending.push({ request, reply });
    if (!this.writing) void this.flush();
  }

  /** Writes replies in request order as each one completes. */
  private async flush(): Promise<void> {
    this.writing = true;
    try {
      while (this.pending.length > 0 && !this.closed) {
        const { request, reply: replied } = this.pending[0]!;
        const reply = await replied;
        this.pending.shift();
        if (reply === CLOSE) {
          request?.written();
          // Close once the replies already written have gone out.
          this.socket.end(() => this.socket.destroy());
          this.onClose();
          return;
        }
        // What the reply points into goes back once the reply is out.
        if (reply !== null && !this.closed) this.write(reply, request === null ? null : () => request.written());
        else request?.written();
        this.active = true;
        this.maybeResume();
      }
      this.maybeFinish();
    } catch (err) {
      this.log.error({ err }, 'request failed; closing connection');
      this.socket.destroy();
      this.onClose();
    } finally {
      this.writing = false;
      // Closed or closing: what is still pending will not be answered.
      if (this.pending.length > 0 && (this.closed || this.closing)) this.dropPending();
    }
  }

  private write(chunks: Buffer[], written: (() => void) | null): void {
    let size = 0;
    for (const c of chunks) size += c.length;
    const prefix = Buffer.allocUnsafe(4);
    prefix.writeInt32BE(size, 0);
    // Corked until the replies completed in this turn of the event loop are all written: one
    // writev for them all.
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.socket.write(prefix);
    for (let i = 0; i < chunks.length; i++) {
      if (i === chunks.length - 1 && written !== null) this.socket.write(chunks[i]!, () => written());
      else this.socket.write(chunks[i]!);
    }
  }

  /** After the client's end: once nothing is held or pending, close our side too. */
  private maybeFinish(): void {
    if (!this.peerEnded || this.closed || this.closing) return;
    if (this.backlog !== null || this.pending.length > 0) return;
    if (this.frame !== null || this.sizeHave > 0) this.log.warn({ reason: 'the client closed in the middle of a request' }, 'truncated request discarded');
    this.socket.end(() => this.socket.destroy());
  }

  /** Reads on only while this connection and the broker have room for more requests. */
  maybeResume(): void {
    if (this.closed || this.closing || this.waitingForMemory) return;
    // A frame whose header came last before the wait for memory: its memory first.
    if (this.frame === null && this.sizeHave === HEAD && this.backlog === null && !this.startFrame(0)) return;
    if (!this.hasRoom) {
      this.socket.pause();
      if (this.opts.budget.exhausted) this.opts.budget.block(this);
      return;
    }
    if (this.backlog !== null) {
      const backlog = this.backlog;
      this.backlog = null;
      this.onData(backlog);
      if (this.backlog !== null) return;
    }
    this.socket.resume();
  }
}
