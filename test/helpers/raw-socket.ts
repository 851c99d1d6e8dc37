// A raw socket to the broker for hostile-input tests: writes any bytes (hand-made, random, or
// requests framed by raw-client.ts), reads size-prefixed response frames in arrival order, and says
// whether and when the broker closed the connection. It checks nothing itself; tests do.
import net from 'node:net';
import { decodeMessage, type Message } from '../../src/protocol/codec.js';
import { decodeResponseHeader, responseHeaderVersion } from '../../src/protocol/headers.js';
import { API_MESSAGES } from '../../src/protocol/messages/index.js';
import { Reader } from '../../src/protocol/primitives/reader.js';
import { encodeRequest } from './raw-client.js';

export { encodeRequest };

/** Prefixes a body with its int32 size. */
export function frame(body: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length, 0);
  return Buffer.concat([size, body]);
}

/** Decodes one response frame (without its size prefix) for the request's api key and version. */
export function decodeResponse(apiKey: number, apiVersion: number, frameBody: Buffer): { correlationId: number; body: Message; leftover: number } {
  const api = API_MESSAGES.get(apiKey)!;
  const r = new Reader(frameBody);
  const { correlationId } = decodeResponseHeader(r, responseHeaderVersion(apiKey, apiVersion));
  const body = decodeMessage(api.response, apiVersion, r);
  return { correlationId, body, leftover: r.remaining() };
}

/** Deterministic pseudo-random bytes (mulberry32), so a failing hostile case can be replayed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomBytes(rand: () => number, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rand() * 256);
  return b;
}

export class RawConnection {
  private buf: Buffer = Buffer.alloc(0);
  private readonly frames: Buffer[] = [];
  private waiter: (() => void) | null = null;
  /** Set when the socket has closed (by either side). */
  closed = false;
  /** Whether the other side ended or reset the connection before we closed it. */
  closedByPeer = false;
  private closing = false;
  private readonly closedPromise: Promise<void>;

  /** "127.0.0.1:PORT" as the broker sees this client (its log lines carry it as `remote`). */
  readonly localAddress: string;

  private constructor(readonly socket: net.Socket) {
    this.localAddress = `${socket.localAddress}:${socket.localPort}`;
    socket.on('data', (chunk: Buffer) => {
      this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
      while (this.buf.length >= 4) {
        const size = this.buf.readInt32BE(0);
        if (this.buf.length < 4 + size) break;
        this.frames.push(this.buf.subarray(4, 4 + size));
        this.buf = this.buf.subarray(4 + size);
      }
      this.wake();
    });
    socket.on('error', () => { /* ECONNRESET and the like: seen as a close */ });
    socket.on('end', () => { if (!this.closing) this.closedByPeer = true; });
    this.closedPromise = new Promise((resolve) => socket.once('close', () => {
      if (!this.closing) this.closedByPeer = true;
      this.closed = true;
      this.wake();
      resolve();
    }));
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RawConnection(socket));
      });
    });
  }


  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  /** The first write error (EPIPE, ECONNRESET: the broker closed while we were writing). */
  writeError: Error | null = null;

  /** Writes bytes; resolves once they are handed to the kernel, or when the write fails (see writeError). */
  write(data: Buffer): Promise<void> {
    return new Promise((resolve) => this.socket.write(data, (err) => {
      if (err && this.writeError === null) this.writeError = err;
      resolve();
    }));
  }

  /** The next response frame (size prefix removed), or null when the connection closed first or the time ran out. */
  async readFrame(timeoutMs = 10_000): Promise<Buffer | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const f = this.frames.shift();
      if (f !== undefined) return f;
      if (this.closed) return null;
      const left = deadline - Date.now();
      if (left <= 0) return null;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => { this.waiter = null; resolve(); }, left);
        this.waiter = () => { clearTimeout(timer); resolve(); };
      });
    }
  }

  /** Sends a request made with the codec and decodes its answer; throws when none comes. */
  async request(apiKey: number, apiVersion: number, correlationId: number, body: Message, timeoutMs = 10_000): Promise<Message> {
    await this.write(encodeRequest(apiKey, apiVersion, correlationId, body));
    const f = await this.readFrame(timeoutMs);
    if (f === null) throw new Error(`no response to api ${apiKey} v${apiVersion} (closed=${this.closed})`);
    const res = decodeResponse(apiKey, apiVersion, f);
    if (res.correlationId !== correlationId) throw new Error(`correlation id ${res.correlationId}, expected ${correlationId}`);
    if (res.leftover !== 0) throw new Error(`${res.leftover} bytes left over in api ${apiKey} v${apiVersion} response`);
    return res.body;
  }

  /** Resolves true when the connection closes within the time, false otherwise. */
  async waitClosed(timeoutMs: number): Promise<boolean> {
    if (this.closed) return true;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), timeoutMs); });
    const r = await Promise.race([this.closedPromise.then(() => true), timedOut]);
    clearTimeout(timer);
    return r;
  }

  /** Closes our side (FIN) and waits for the socket to go away. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closing = true;
    this.socket.end();
    if (!(await this.waitClosed(2_000))) this.socket.destroy();
    await this.closedPromise;
  }

  destroy(): void {
    this.closing = true;
    this.socket.destroy();
  }
}
