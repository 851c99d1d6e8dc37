// A raw Kafka connection for load generation, on the project's own codec. Two ways to send:
// request() encodes a message and decodes its answer (for set-up: metadata, topics, offsets);
// send() writes a frame that was built once and is reused for every request (a fixed correlation
// id is fine: Kafka answers a connection's requests in order, so answers are matched by position).
// Answers of send() are not assembled: the reader keeps the first `headBytes` of each one and
// counts the rest, so the client spends next to nothing per byte and the broker is what is measured.
import net from 'node:net';
import { decodeMessage, encodeMessage, type Message } from '../../src/protocol/codec.js';
import { decodeResponseHeader, encodeRequestHeader, requestHeaderVersion, responseHeaderVersion } from '../../src/protocol/headers.js';
import { API_MESSAGES } from '../../src/protocol/messages/index.js';
import { Reader } from '../../src/protocol/primitives/reader.js';
import { Writer } from '../../src/protocol/primitives/writer.js';

export const CLIENT_ID = 'samsa-bench';
const READ_BUFFER_BYTES = 256 * 1024;

/** Called with the first bytes of an answer (all of it when it is short) and its whole size. */
export type OnAnswer = (head: Buffer, size: number) => void;

interface Pending {
  /** Keep the whole answer (request()) or only its head (send()). */
  whole: boolean;
  done: OnAnswer;
  reject?: (err: Error) => void;
}

/** Encodes a whole request frame, size prefix included. */
export function requestFrame(apiKey: number, apiVersion: number, body: Message, correlationId = 0): Buffer {
  const api = API_MESSAGES.get(apiKey);
  if (api === undefined) throw new Error(`unknown api key ${apiKey}`);
  const w = new Writer(1024);
  w.int32(0);
  encodeRequestHeader(w, { apiKey, apiVersion, correlationId, clientId: CLIENT_ID }, requestHeaderVersion(apiKey, apiVersion));
  encodeMessage(api.request, apiVersion, body, w);
  const frame = Buffer.from(w.toBuffer());
  frame.writeInt32BE(frame.length - 4, 0);
  return frame;
}

export class KafkaConn {
  private readonly pending: Pending[] = [];
  private pendingHead = 0;
  private nextCorrelationId = 1;
  private failure: Error | null = null;
  private readonly failureHooks: ((err: Error) => void)[] = [];
  // frame reader state
  private readonly sizeBuf = Buffer.alloc(4);
  private sizeHave = 0;
  private size = -1;
  private have = 0;
  private body: Buffer;
  private bodyLimit = 0;
  /** Bytes of answers received, size prefixes included. */
  bytesIn = 0;

  private constructor(readonly socket: net.Socket, private readonly headBytes: number) {
    this.body = Buffer.allocUnsafe(headBytes);
    socket.setNoDelay(true);
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error('connection closed by the broker')));
  }

  static connect(host: string, port: number, headBytes = 256): Promise<KafkaConn> {
    return new Promise((resolve, reject) => {
      let conn: KafkaConn | null = null;
      // Every read lands in this connection's one buffer (nothing is kept from it past onData),
      // so the client allocates nothing per byte received.
      const socket = net.connect({
        host, port,
        onread: { buffer: Buffer.allocUnsafe(READ_BUFFER_BYTES), callback: (n: number, buf: Uint8Array): boolean => { conn!.onData(buf as Buffer, n); return true; } },
      }, () => {
        socket.off('error', reject);
        conn = new KafkaConn(socket, headBytes);
        resolve(conn);
      });
      socket.once('error', reject);
    });
  }

  /** Calls `hook` when the connection fails or closes (at once if it already has). */
  onFailure(hook: (err: Error) => void): void {
    if (this.failure !== null) hook(this.failure);
    else this.failureHooks.push(hook);
  }

  get inFlight(): number {
    return this.pending.length - this.pendingHead;
  }

  /** Writes a prebuilt frame; `done` gets its answer (null: the request has none, as Produce acks=0). */
  send(frame: Buffer, done: OnAnswer | null): boolean {
    if (this.failure !== null) throw this.failure;
    if (done !== null) this.pending.push({ whole: false, done });
    return this.socket.write(frame);
  }

  /** Resolves once the socket's write buffer has drained. */
  drained(): Promise<void> {
    if (!this.socket.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onDrain = (): void => { this.socket.off('close', onClose); resolve(); };
      const onClose = (): void => { this.socket.off('drain', onDrain); reject(this.failure ?? new Error('connection closed')); };
      this.socket.once('drain', onDrain);
      this.socket.once('close', onClose);
    });
  }

  /** Encodes, sends and decodes one request. */
  request(apiKey: number, apiVersion: number, body: Message): Promise<Message> {
    const api = API_MESSAGES.get(apiKey)!;
    const frame = requestFrame(apiKey, apiVersion, body, this.nextCorrelationId++);
    return new Promise((resolve, reject) => {
      if (this.failure !== null) return reject(this.failure);
      this.pending.push({
        whole: true,
        reject,
        done: (buf) => {
          try {
            const reader = new Reader(buf);
            decodeResponseHeader(reader, responseHeaderVersion(apiKey, apiVersion));
            resolve(decodeMessage(api.response, apiVersion, reader));
          } catch (err) {
            reject(err as Error);
          }
        },
      });
      this.socket.write(frame);
    });
  }

  close(): void {
    this.failure ??= new Error('connection closed by the benchmark');
    this.socket.destroy();
  }

  private fail(err: Error): void {
    if (this.failure !== null) return;
    this.failure = err;
    for (let i = this.pendingHead; i < this.pending.length; i++) this.pending[i]!.reject?.(err);
    for (const hook of this.failureHooks.splice(0)) hook(err);
  }

  private onData(chunk: Buffer, len: number): void {
    this.bytesIn += len;
    let pos = 0;
    while (pos < len) {
      if (this.size < 0) {
        if (this.sizeHave === 0 && len - pos >= 4) {
          this.size = chunk.readInt32BE(pos);
          pos += 4;
        } else {
          const n = Math.min(4 - this.sizeHave, len - pos);
          chunk.copy(this.sizeBuf, this.sizeHave, pos, pos + n);
          this.sizeHave += n;
          pos += n;
          if (this.sizeHave < 4) return;
          this.sizeHave = 0;
          this.size = this.sizeBuf.readInt32BE(0);
        }
        this.have = 0;
        const p = this.pending[this.pendingHead];
        this.bodyLimit = p !== undefined && p.whole ? this.size : Math.min(this.size, this.headBytes);
        if (this.bodyLimit > this.body.length) this.body = Buffer.allocUnsafe(this.bodyLimit);
      }
      const take = Math.min(this.size - this.have, len - pos);
      if (this.have < this.bodyLimit) {
        const n = Math.min(take, this.bodyLimit - this.have);
        chunk.copy(this.body, this.have, pos, pos + n);
      }
      this.have += take;
      pos += take;
      if (this.have === this.size) this.complete();
    }
  }

  private complete(): void {
    const size = this.size;
    this.size = -1;
    const p = this.pending[this.pendingHead];
    if (p === undefined) throw new Error('bench connection: an answer arrived for no request');
    this.pending[this.pendingHead++] = undefined as never;
    if (this.pendingHead > 1024 && this.pendingHead * 2 > this.pending.length) {
      this.pending.splice(0, this.pendingHead);
      this.pendingHead = 0;
    }
    // whole answers get their own copy (they may be kept); heads are only read in the callback
    const bytes = p.whole ? Buffer.from(this.body.subarray(0, size)) : this.body.subarray(0, this.bodyLimit);
    p.done(bytes, size);
  }
}
