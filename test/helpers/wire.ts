// A minimal Kafka client for tests, built on the project's own codec: sends requests at any
// version over one socket (pipelined) and decodes the responses by correlation id. For checks
// that real clients cannot make (exact versions, raw frames); compatibility itself is tested with
// the real clients.
import net from 'node:net';
import { decodeMessage, encodeMessage, type Message } from '../../src/protocol/codec.js';
import { decodeResponseHeader, encodeRequestHeader, requestHeaderVersion, responseHeaderVersion } from '../../src/protocol/headers.js';
import { API_MESSAGES } from '../../src/protocol/messages/index.js';
import { Reader } from '../../src/protocol/primitives/reader.js';
import { Writer } from '../../src/protocol/primitives/writer.js';

interface Pending { apiKey: number; apiVersion: number; resolve: (m: Message) => void; reject: (e: Error) => void }

export class WireClient {
  private nextCorrelationId = 1;
  private readonly pending = new Map<number, Pending>();
  private buf = Buffer.alloc(0);

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('close', () => this.failAll(new Error('connection closed')));
    socket.on('error', (err) => this.failAll(err));
  }

  static connect(port: number, host = '127.0.0.1'): Promise<WireClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host }, () => resolve(new WireClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Encodes a whole request frame (size prefix included). */
  static frame(apiKey: number, apiVersion: number, correlationId: number, body: Message): Buffer {
    const api = API_MESSAGES.get(apiKey)!;
    const w = new Writer();
    encodeRequestHeader(w, { apiKey, apiVersion, correlationId, clientId: 'samsa-test' }, requestHeaderVersion(apiKey, apiVersion));
    encodeMessage(api.request, apiVersion, body, w);
    const payload = w.toBuffer();
    const size = Buffer.alloc(4);
    size.writeInt32BE(payload.length);
    return Buffer.concat([size, payload]);
  }

  request(apiKey: number, apiVersion: number, body: Message): Promise<Message> {
    const correlationId = this.nextCorrelationId++;
    return new Promise((resolve, reject) => {
      this.pending.set(correlationId, { apiKey, apiVersion, resolve, reject });
      this.socket.write(WireClient.frame(apiKey, apiVersion, correlationId, body));
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buf = Buffer.concat([this.buf, chunk]);
    while (this.buf.length >= 4) {
      const size = this.buf.readInt32BE(0);
      if (this.buf.length < 4 + size) return;
      const frame = this.buf.subarray(4, 4 + size);
      this.buf = this.buf.subarray(4 + size);
      const correlationId = frame.readInt32BE(0);
      const p = this.pending.get(correlationId);
      if (p === undefined) continue;
      this.pending.delete(correlationId);
      try {
        const reader = new Reader(frame);
        decodeResponseHeader(reader, responseHeaderVersion(p.apiKey, p.apiVersion));
        p.resolve(decodeMessage(API_MESSAGES.get(p.apiKey)!.response, p.apiVersion, reader));
      } catch (err) {
        p.reject(err as Error);
      }
    }
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}
