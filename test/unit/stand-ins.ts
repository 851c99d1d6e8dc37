// In-memory stand-ins of the rooms a handler reaches (src/server/context.ts), for unit tests that
// run a handler or the dispatcher without a broker process: a topic catalog in a Map, partition
// owners answering shard tasks from in-memory partitions, a connection whose log lines are kept,
// and a request context over them. A room a test does not give is a stand-in that throws on use,
// naming what was reached, so a test states exactly what its handler needs. clusterIn() gives the
// real topic registry and cluster in a temp log dir over the in-memory shards.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pino, type Logger } from 'pino';
import { Cluster } from '../../src/cluster/cluster.js';
import { TopicRegistry, type TopicInfo } from '../../src/cluster/topics.js';
import { defaultConfig, type BrokerConfig } from '../../src/config/index.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { NO_RECOVERY } from '../../src/storage/log.js';
import type { Message } from '../../src/protocol/codec.js';
import type { RequestHeader } from '../../src/protocol/headers.js';
import { CLOSE } from '../../src/server/connection.js';
import type { FrameMemory } from '../../src/server/frame-pool.js';
import type { HandlerMemory } from '../../src/server/request-memory.js';
import type { ApiHandler, ApiName, ResponseOf } from '../../src/server/dispatcher.js';
import { decodeMessage, encodeMessage } from '../../src/protocol/codec.js';
import { API_MESSAGES } from '../../src/protocol/messages/index.js';
import { Reader } from '../../src/protocol/primitives/reader.js';
import { Writer } from '../../src/protocol/primitives/writer.js';
import type { BrokerServices, ClientConnection, PartitionOwners, RequestContext, TopicCatalog } from '../../src/server/context.js';
import type {
  DeleteRecordsItem, DeleteRecordsResult, ListOffsetsItem, ListOffsetsResult, OpenResult, PartitionKey, ShardTask,
} from '../../src/workers/messages.js';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP } from '../../src/workers/messages.js';
import { partitionKey, shardOf } from '../../src/workers/pool.js';

/** An object of type T with only the members given; any other member throws when reached. */
export function partial<T extends object>(name: string, given: Partial<T> = {}): T {
  return new Proxy(given, {
    get(target, prop) {
      if (prop in target) return Reflect.get(target, prop);
      if (prop === 'then' || typeof prop === 'symbol') return undefined; // not a thenable; inspect()
      throw new Error(`${name}.${prop} is not in this stand-in`);
    },
  }) as T;
}

/** One log line as pino wrote it: level (30 info, 40 warn, 50 error), msg, and its fields. */
export interface LogLine { level: number; msg: string; [field: string]: unknown }

/** A pino logger whose lines are kept in `lines` instead of written out. */
export function capturedLog(): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const log = pino({ level: 'debug', base: null, timestamp: false }, { write: (line: string) => { lines.push(JSON.parse(line) as LogLine); } });
  return { log, lines };
}

/** A client connection with no socket behind it: what the dispatcher and handlers do to it is recorded. */
export class FakeConnection implements ClientConnection {
  readonly log: Logger;
  readonly lines: LogLine[];
  /** The reasons conn.reject was called with (each closes the connection after the replies before it). */
  readonly rejected: string[] = [];
  closed = false;
  readonly socket = new net.Socket();
  private readonly hooks: (() => void)[] = [];

  constructor(readonly listenerName = 'PLAINTEXT') {
    ({ log: this.log, lines: this.lines } = capturedLog());
  }

  reject(reason: string, extra: Record<string, unknown> = {}): typeof CLOSE {
    this.rejected.push(reason);
    this.log.warn({ ...extra, reason }, 'closing connection: bad request');
    return CLOSE;
  }

  onClose(hook?: () => void): () => void {
    if (hook !== undefined) {
      if (this.closed) {
        hook();
        return () => {};
      }
      this.hooks.push(hook);
      return () => {
        const i = this.hooks.indexOf(hook);
        if (i >= 0) this.hooks.splice(i, 1);
      };
    }
    this.closed = true;
    for (const h of this.hooks.splice(0)) h();
    return () => {};
  }
}

/** A frame over plain memory (no frame ring): the request's bytes after the size prefix. */
export function frameOf(buf: Buffer): FrameMemory {
  return { sab: null, buf, slot: -1 };
}

/** A request's memory over a plain frame: nothing to give back, no arena reads. */
export function memoryOf(buf: Buffer): HandlerMemory & { readonly frame: FrameMemory } {
  return {
    frame: frameOf(buf),
    park() {},
    records: (_shard, result) => result.records,
    dropReads() {},
  };
}

/** The topic registry as a Map; add() registers a topic as the cluster would. */
export class TopicMap implements TopicCatalog {
  private readonly byName = new Map<string, TopicInfo>();
  private next = 1;

  add(name: string, partitions: number, more: Partial<Omit<TopicInfo, 'name' | 'partitions'>> = {}): TopicInfo {
    const topic: TopicInfo = {
      name, partitions, topicId: (this.next++).toString(16).padStart(32, '0'), configs: {}, logDir: '/nowhere', internal: false, ...more,
    };
    this.byName.set(name, topic);
    return topic;
  }

  get(name: string): TopicInfo | undefined { return this.byName.get(name); }
  getById(topicId: string): TopicInfo | undefined { return [...this.byName.values()].find((t) => t.topicId === topicId); }
  all(): IterableIterator<TopicInfo> { return this.byName.values(); }
}

/** One partition's offsets, as its shard would know them. */
export interface MemoryPartition { logStartOffset: number; logEndOffset: number }

/**
 * Shard workers over in-memory partitions: tasks are split by shard as the ShardPool splits them
 * and answered here (open, delete, configure, listOffsets by earliest and latest, deleteRecords).
 * Every task run is kept in `tasks`, with its shard.
 */
export class MemoryShards implements PartitionOwners {
  readonly partitions = new Map<PartitionKey, MemoryPartition>();
  readonly tasks: { shard: number; task: ShardTask }[] = [];
  readonly arenas = [];
  /** Set to make `open` fail for these partitions (a full disk). */
  readonly failOpen = new Set<PartitionKey>();

  constructor(readonly size = 2) {}

  /** A partition with these offsets, as if it had been written to. */
  put(topic: string, partition: number, offsets: MemoryPartition = { logStartOffset: 0, logEndOffset: 0 }): void {
    this.partitions.set(partitionKey(topic, partition), { ...offsets });
  }

  shardFor(topic: string, partition: number): number { return shardOf(topic, partition, this.size); }

  async scatter<I, R>(items: I[], shardOfItem: (item: I, index: number) => number, makeTask: (items: I[]) => ShardTask): Promise<R[]> {
    const byShard = new Map<number, number[]>();
    items.forEach((item, i) => {
      const s = shardOfItem(item, i);
      byShard.set(s, [...(byShard.get(s) ?? []), i]);
    });
    const out = new Array<R>(items.length);
    for (const [shard, indexes] of byShard) {
      const task = makeTask(indexes.map((i) => items[i]!));
      this.tasks.push({ shard, task });
      // As ShardPool.run, the shard's answer is trusted to be what the op answers.
      const results = this.answer(task) as R[];
      indexes.forEach((i, j) => { out[i] = results[j]!; });
    }
    return out;
  }

  /** The ops the shards here answer (ShardTask says which result goes with which). */
  private answer(task: ShardTask): unknown[] {
    switch (task.op) {
      case 'open': return task.partitions.map((p) => this.open(p.key));
      case 'delete': return task.keys.map((k) => this.partitions.delete(k));
      case 'configure': return task.items.map((i) => this.partitions.has(i.key));
      case 'listOffsets': return task.items.map((i) => this.listOffsets(i));
      case 'deleteRecords': return task.items.map((i) => this.deleteRecords(i));
      default: throw new Error(`shard op ${task.op} is not in this stand-in`);
    }
  }

  private open(key: PartitionKey): OpenResult {
    if (this.failOpen.has(key)) return { ...NO_RECOVERY, key, logEndOffset: -1, errorCode: ErrorCode.KAFKA_STORAGE_ERROR, error: 'no space left on device' };
    if (!this.partitions.has(key)) this.partitions.set(key, { logStartOffset: 0, logEndOffset: 0 });
    return { ...NO_RECOVERY, key, logEndOffset: this.partitions.get(key)!.logEndOffset, errorCode: ErrorCode.NONE };
  }

  private listOffsets(item: ListOffsetsItem): ListOffsetsResult {
    const p = this.partitions.get(item.key);
    if (p === undefined) return { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, timestamp: -1, offset: -1 };
    if (item.timestamp === EARLIEST_TIMESTAMP) return { errorCode: ErrorCode.NONE, timestamp: -1, offset: p.logStartOffset };
    if (item.timestamp === LATEST_TIMESTAMP) return { errorCode: ErrorCode.NONE, timestamp: -1, offset: p.logEndOffset };
    return { errorCode: ErrorCode.NONE, timestamp: -1, offset: -1 }; // no record at or after any timestamp here
  }

  private deleteRecords(item: DeleteRecordsItem): DeleteRecordsResult {
    const p = this.partitions.get(item.key);
    if (p === undefined) return { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, lowWatermark: -1 };
    const offset = item.offset === -1 ? p.logEndOffset : item.offset;
    if (offset > p.logEndOffset) return { errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, lowWatermark: -1 };
    p.logStartOffset = Math.max(p.logStartOffset, offset);
    return { errorCode: ErrorCode.NONE, lowWatermark: p.logStartOffset };
  }
}

/** The rooms of one broker: the config, a cluster id and the given rooms; the others throw when reached. */
export function services(given: Partial<BrokerServices> = {}): BrokerServices {
  const config: BrokerConfig = given.config ?? defaultConfig();
  return {
    config,
    clusterId: 'unit-test-cluster-id',
    topics: partial('topics'),
    cluster: partial('cluster'),
    partitions: partial('partitions'),
    groups: partial('groups'),
    transactions: partial('transactions'),
    producerIds: partial('producerIds'),
    purgatory: partial('purgatory'),
    fetchSessions: partial('fetchSessions'),
    dynamicConfigs: partial('dynamicConfigs'),
    metrics: partial('metrics'),
    apiVersions: () => [],
    ...given,
  };
}

/** One request of an api key and version, over `rooms`, on a FakeConnection. */
export function requestContext(rooms: BrokerServices, apiKey: number, apiVersion: number, clientId: string | null = 'unit-test'): RequestContext & { conn: FakeConnection } {
  const header: RequestHeader = { apiKey, apiVersion, correlationId: 7, clientId };
  const memory = memoryOf(Buffer.alloc(0));
  return { ...rooms, header, conn: new FakeConnection(), frame: memory.frame, memory };
}

/**
 * A handler's answer that is a response (not null, not CLOSE; else the test fails), as its API's
 * generated response type: a handler not yet declared with handler('<Api>', ...) answers an
 * untyped Message, and the tests read its fields as typed all the same.
 */
export function answered<N extends ApiName>(_api: N, answer: ResponseOf<N> | Message | null | typeof CLOSE): ResponseOf<N> {
  if (answer === null || answer === CLOSE) throw new Error(`expected a response, got ${String(answer)}`);
  return answer as ResponseOf<N>;
}

/** The real topic registry and cluster in a fresh temp log dir, over in-memory shards. dispose() removes the dir. */
export function clusterIn(shards = new MemoryShards(2), config: Partial<BrokerConfig> = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsa-unit-'));
  const settings: BrokerConfig = { ...defaultConfig(), logDirs: [dir], ...config };
  const topics = TopicRegistry.load(settings.logDirs);
  return { dir, shards, config: settings, topics, cluster: new Cluster(settings, topics, shards), dispose: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Runs a handler as the dispatcher does: the request body goes through the codec at the context's
 * version first, so a field that version lacks reaches the handler as its default, as on the wire.
 */
export async function call<Req, Res>(h: ApiHandler<Req, Res>, ctx: RequestContext, body: object): Promise<Res | null | typeof CLOSE> {
  const schema = API_MESSAGES.get(h.apiKey)!.request;
  const w = new Writer();
  encodeMessage(schema, ctx.header.apiVersion, body as Message, w);
  const request = decodeMessage(schema, ctx.header.apiVersion, new Reader(Buffer.concat(w.toChunks())));
  return h.handle(ctx, request as Req);
}
