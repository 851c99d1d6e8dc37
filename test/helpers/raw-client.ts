// Test helper: a tiny Kafka client over one socket that speaks the wire protocol with the project's
// own codec (request/response headers, generated message schemas). It exists to read back what
// real clients produced (Fetch at any version, by topic name or by topic id) and to ask the broker
// for Metadata and ListOffsets without another client library in between.
import net from 'node:net';
import { decodeMessage, encodeMessage, type Message } from '../../src/protocol/codec.js';
import { decodeResponseHeader, encodeRequestHeader, requestHeaderVersion, responseHeaderVersion } from '../../src/protocol/headers.js';
import { API_MESSAGES, ApiKey, ZERO_UUID } from '../../src/protocol/messages/index.js';
import { Reader } from '../../src/protocol/primitives/reader.js';
import { Writer } from '../../src/protocol/primitives/writer.js';
import { decodeBatches, type DecodedRecord } from './record-batch.js';

interface Pending {
  apiKey: number;
  apiVersion: number;
  resolve: (m: Message) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export interface ReadOptions {
  /** First offset to read (default 0). */
  from?: number;
  /** Stop before this offset (default: the high watermark seen by the first Fetch). */
  until?: number;
  /** Fetch version (default 12, by name; 13+ fetches by topic id). */
  version?: number;
  /** Bytes per partition per Fetch (default 64 KiB, so long logs take several round trips). */
  partitionMaxBytes?: number;
}

/** A whole request frame (size prefix included), made with the project's codec. */
export function encodeRequest(apiKey: number, apiVersion: number, correlationId: number, body: Message, clientId: string | null = 'samsa-test'): Buffer {
  const api = API_MESSAGES.get(apiKey)!;
  const w = new Writer(256);
  w.int32(0);
  encodeRequestHeader(w, { apiKey, apiVersion, correlationId, clientId }, requestHeaderVersion(apiKey, apiVersion));
  encodeMessage(api.request, apiVersion, body, w);
  w.setInt32(0, w.length - 4);
  return w.toBuffer();
}

export class RawClient {
  private correlationId = 1;
  private readonly pending = new Map<number, Pending>();
  private buffered: Buffer = Buffer.alloc(0);
  private closed = false;
  /** The size of the last response frame received (its size prefix excluded). */
  lastResponseBytes = 0;

  private constructor(private readonly socket: net.Socket, readonly clientId: string, readonly timeoutMs: number) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.failAll(err));
    socket.on('close', () => this.failAll(new Error('connection closed by the broker')));
  }

  static connect(host: string, port: number, opts: { clientId?: string; timeoutMs?: number } = {}): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        socket.setNoDelay(true);
        resolve(new RawClient(socket, opts.clientId ?? 'samsa-raw-test', opts.timeoutMs ?? 15_000));
      });
    });
  }

  /** Connects to "host:port". */
  static async open(bootstrap: string): Promise<RawClient> {
    const [host, port] = bootstrap.split(':');
    return RawClient.connect(host!, Number(port));
  }

  close(): Promise<void> {
    this.closed = true;
    this.failAll(new Error('client closed'));
    if (this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.end();
      setTimeout(() => this.socket.destroy(), 1000).unref();
    });
  }

  private failAll(err: Error): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(id);
      p.reject(err);
    }
  }

  private onData(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    while (this.buffered.length >= 4) {
      const size = this.buffered.readInt32BE(0);
      if (this.buffered.length < 4 + size) return;
      const frame = this.buffered.subarray(4, 4 + size);
      this.buffered = this.buffered.subarray(4 + size);
      this.onFrame(frame);
    }
  }

  private onFrame(frame: Buffer): void {
    this.lastResponseBytes = frame.length;
    const correlationId = frame.readInt32BE(0);
    const p = this.pending.get(correlationId);
    if (p === undefined) {
      this.socket.destroy(new Error(`response with unknown correlation id ${correlationId}`));
      return;
    }
    this.pending.delete(correlationId);
    clearTimeout(p.timer);
    try {
      const reader = new Reader(frame);
      decodeResponseHeader(reader, responseHeaderVersion(p.apiKey, p.apiVersion));
      const api = API_MESSAGES.get(p.apiKey)!;
      const body = decodeMessage(api.response, p.apiVersion, reader);
      if (reader.remaining() !== 0) throw new Error(`${api.name} v${p.apiVersion} response: ${reader.remaining()} bytes left over`);
      p.resolve(body);
    } catch (err) {
      p.reject(err as Error);
    }
  }

  /** Sends one request and answers the decoded response body. */
  request(apiKey: number, apiVersion: number, body: Message): Promise<Message> {
    if (this.closed) return Promise.reject(new Error('client closed'));
    const api = API_MESSAGES.get(apiKey);
    if (api === undefined) return Promise.reject(new Error(`unknown api key ${apiKey}`));
    const correlationId = this.correlationId++;
    const frame = encodeRequest(apiKey, apiVersion, correlationId, body, this.clientId);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(correlationId);
        reject(new Error(`${api.name} v${apiVersion} (correlation ${correlationId}) timed out after ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending.set(correlationId, { apiKey, apiVersion, resolve, reject, timer });
      this.socket.write(frame);
    });
  }

  /** Metadata v12 for the named topics (null: all), without auto-creation. */
  metadata(topics: string[] | null, version = 12): Promise<Message> {
    return this.request(ApiKey.Metadata, version, {
      topics: topics === null ? null : topics.map((name) => ({ topicId: ZERO_UUID, name })),
      allowAutoTopicCreation: false,
    });
  }

  /** The topic's id and partition count, from Metadata; throws on a topic error. */
  async describeTopic(topic: string): Promise<{ topicId: string; partitions: number }> {
    const md = await this.metadata([topic]);
    const t = md.topics.find((x: Message) => x.name === topic);
    if (t === undefined) throw new Error(`topic ${topic} missing from Metadata`);
    if (t.errorCode !== 0) throw new Error(`Metadata for ${topic}: error code ${t.errorCode}`);
    return { topicId: t.topicId, partitions: t.partitions.length };
  }

  /** CreateTopics v7 of one topic with its configs; throws on a topic error. */
  async createTopic(name: string, numPartitions: number, configs: Record<string, string> = {}): Promise<void> {
    const res = await this.request(ApiKey.CreateTopics, 7, {
      topics: [{ name, numPartitions, replicationFactor: 1, assignments: [], configs: Object.entries(configs).map(([k, value]) => ({ name: k, value })) }],
      timeoutMs: 5_000, validateOnly: false,
    });
    if (res.topics[0].errorCode !== 0) throw new Error(`CreateTopics ${name}: error code ${res.topics[0].errorCode}`);
  }

  /** ListOffsets v7 for one partition: -2 earliest, -1 latest, -3 max timestamp, else a timestamp. */
  async listOffset(topic: string, partition: number, timestamp: number): Promise<{ errorCode: number; offset: number; timestamp: number }> {
    const res = await this.request(ApiKey.ListOffsets, 7, {
      replicaId: -1,
      isolationLevel: 0,
      topics: [{ name: topic, partitions: [{ partitionIndex: partition, currentLeaderEpoch: -1, timestamp }] }],
    });
    const p = res.topics[0].partitions[0];
    return { errorCode: p.errorCode, offset: p.offset, timestamp: p.timestamp };
  }

  /** Produce v9 of one batch to one partition; answers the partition's error code and base offset. */
  async produce(topic: string, partition: number, records: Buffer, acks: -1 | 1 = -1): Promise<{ errorCode: number; baseOffset: number }> {
    const res = await this.request(ApiKey.Produce, 9, {
      transactionalId: null,
      acks,
      timeoutMs: 10_000,
      topicData: [{ name: topic, partitionData: [{ index: partition, records }] }],
    });
    const p = res.responses[0].partitionResponses[0];
    return { errorCode: p.errorCode, baseOffset: p.baseOffset };
  }

  /** One Fetch of one partition (by name below v13, by topic id from v13). */
  async fetchOnce(topic: string, partition: number, fetchOffset: number, opts: { version?: number; topicId?: string; partitionMaxBytes?: number; maxWaitMs?: number; minBytes?: number } = {}): Promise<Message> {
    const version = opts.version ?? 12;
    let topicId = opts.topicId ?? ZERO_UUID;
    if (version >= 13 && opts.topicId === undefined) topicId = (await this.describeTopic(topic)).topicId;
    const res = await this.request(ApiKey.Fetch, version, {
      replicaId: -1,
      maxWaitMs: opts.maxWaitMs ?? 0,
      minBytes: opts.minBytes ?? 0,
      maxBytes: 50 * 1024 * 1024,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [{
        topic, topicId,
        partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: opts.partitionMaxBytes ?? 1024 * 1024 }],
      }],
      forgottenTopicsData: [],
      rackId: '',
    });
    if (res.errorCode !== 0) throw new Error(`Fetch ${topic}-${partition}@${fetchOffset}: top-level error code ${res.errorCode}`);
    return res;
  }

  /**
   * Reads a partition from `from` up to `until` (or the high watermark) with repeated Fetches and
   * answers every record, in offset order. Fails on a partition error or when a Fetch makes no
   * progress below the target.
   */
  async readPartition(topic: string, partition: number, opts: ReadOptions = {}): Promise<{ records: DecodedRecord[]; highWatermark: number; logStartOffset: number }> {
    const version = opts.version ?? 12;
    const topicId = version >= 13 ? (await this.describeTopic(topic)).topicId : ZERO_UUID;
    let next = opts.from ?? 0;
    let until = opts.until;
    let highWatermark = -1;
    let logStartOffset = -1;
    const records: DecodedRecord[] = [];
    let stalls = 0;
    for (;;) {
      const res = await this.fetchOnce(topic, partition, next, { version, topicId, partitionMaxBytes: opts.partitionMaxBytes ?? 64 * 1024 });
      const t = res.responses[0];
      if (t === undefined) throw new Error(`Fetch ${topic}-${partition}: no topic in the response`);
      const p = t.partitions.find((x: Message) => x.partitionIndex === partition);
      if (p === undefined) throw new Error(`Fetch ${topic}-${partition}: partition missing from the response`);
      if (p.errorCode !== 0) throw new Error(`Fetch ${topic}-${partition}@${next}: error code ${p.errorCode}`);
      highWatermark = p.highWatermark;
      logStartOffset = p.logStartOffset;
      if (until === undefined) until = highWatermark;
      if (next >= until) break;
      const before = next;
      for (const batch of decodeBatches(p.records)) {
        for (const r of batch.records) {
          if (r.offset < next || r.offset >= until) continue;
          records.push(r);
          next = r.offset + 1;
        }
        // compacted/empty batches still move the position past their last offset
        if (batch.lastOffset + 1 > next && batch.lastOffset < until) next = batch.lastOffset + 1;
      }
      if (next >= until) break;
      if (next === before) {
        if (++stalls >= 3) throw new Error(`Fetch ${topic}-${partition}: no progress at offset ${next} (high watermark ${highWatermark}, target ${until})`);
      } else {
        stalls = 0;
      }
    }
    return { records, highWatermark, logStartOffset };
  }
}

