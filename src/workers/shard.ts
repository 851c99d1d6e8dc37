// A shard worker: the one thread that owns a set of partition logs. It hands produced batches to
// their log (which validates them, storage/log-validator.ts, and checks idempotent and
// transactional producers against its producer state), writes transaction markers, reads stored
// batches out untouched for Fetch (below the last stable offset for read_committed), answers offset
// lookups and producer descriptions, and runs retention, producer expiry and compaction over its
// logs. Topic config changes, DeleteRecords, leader epoch lookups and partition sizes
// (DescribeLogDirs) are served here too. It owns the shard's probe (metrics/shard-stats.ts), which
// its logs report to. Every operation on a partition's files happens here and nowhere else.
// Tasks arrive on ports (attach), a round trip's tasks in one message, run in order and answered in
// one message; Piscina starts the worker and hands it the main thread's port, then one port of each
// network thread's. A thread whose fetches may wait is told of the appends the others make.
import * as path from 'node:path';
import type { MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { ShardProbe } from '../metrics/shard-stats.js';
import { CLEANER_BUDGET_BYTES } from '../storage/compaction.js';
import { NO_RECOVERY, PartitionLog } from '../storage/log.js';
import { SharedRing, type RingMemory } from './shared-ring.js';
import { nextOffsetAfter } from '../protocol/records/batch.js';
import { loadCodecs } from '../protocol/records/compression.js';
import { nameThisThread } from './thread-name.js';
import type { LocalShard } from './links.js';
import type { NetworkThreadData } from '../network/messages.js';
import { ErrorCode } from '../protocol/errors.js';
import {
  type CompactResult, type ConfigureItem, type DeleteRecordsItem, type DeleteRecordsResult, type DescribeProducersResult,
  type EpochEndOffsetItem, type EpochEndOffsetResult, type FetchItem, type FetchResult, type ListOffsetsItem, type ListOffsetsResult,
  type OpenPartition, type OpenResult, type PartitionKey, type ProduceItem, type ProduceResult, type ShardOp, type ShardResult, type ShardTask,
  type WriteTxnMarkersItem, type WriteTxnMarkersResult, type BatchAnswer, type AppendNotice, type QueuedOp, type ShardMessage, type SharedMemoryId,
  EARLIEST_LOCAL_TIMESTAMP, EARLIEST_TIMESTAMP, LATEST_TIERED_TIMESTAMP, LATEST_TIMESTAMP, MAX_TIMESTAMP,
} from './messages.js';

const logs = new Map<PartitionKey, PartitionLog>();
/** What the shard's logs report (appends, flush times) and the tasks it ran, for /metrics. */
const probe = new ShardProbe();
/** Where Fetch reads go (the main thread writes them to the socket from there and releases them). */
const arenaMemory = (Piscina.workerData as { arena?: RingMemory } | undefined)?.arena;
const arena = arenaMemory === undefined ? null : new SharedRing(arenaMemory);
/** Shared memory handed over once (the frame ring), by the number tasks name it with. */
const sharedMemory = new Map<SharedMemoryId, SharedArrayBuffer>();
// zstd's WebAssembly, before the first task
await loadCodecs();
nameThisThread(`samsa-shard-${(Piscina.workerData as { shard?: number } | undefined)?.shard ?? 0}`);

function open(partitions: OpenPartition[]): OpenResult[] {
  return partitions.map(({ key, dir, config, cleanShutdown }) => {
    try {
      const existing = logs.get(key);
      const log = existing ?? PartitionLog.open(dir, config, Date.now, cleanShutdown === true, probe.partition(key));
      logs.set(key, log);
      return { key, logEndOffset: log.logEndOffset, errorCode: ErrorCode.NONE, ...log.recovery };
    } catch (err) {
      return { key, logEndOffset: -1, ...NO_RECOVERY, errorCode: ErrorCode.KAFKA_STORAGE_ERROR, error: String(err) };
    }
  });
}

function produce(memory: SharedArrayBuffer | SharedMemoryId, items: ProduceItem[]): ProduceResult[] {
  const sab = typeof memory === 'number' ? sharedMemory.get(memory) : memory;
  if (sab === undefined) throw new Error(`shared memory ${String(memory)} was never handed to this shard`);
  return items.map((item) => {
    const log = logs.get(item.key);
    if (log === undefined) return produceError(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    // Outside the try: a frame reference out of bounds is the main thread's bug, not the disk's.
    const records = Buffer.from(sab, item.start, item.length);
    try {
      return log.appendAsLeader(records, item);
    } catch (err) {
      console.error(`append to ${item.key} failed: ${String(err)}`);
      return produceError(ErrorCode.KAFKA_STORAGE_ERROR, log);
    }
  });
}

function produceError(errorCode: number, log?: PartitionLog): ProduceResult {
  return { errorCode, baseOffset: -1, logAppendTime: -1, logStartOffset: log?.logStartOffset ?? -1, logEndOffset: log?.logEndOffset ?? -1, records: 0, bytes: 0 };
}

/**
 * The items in order within `responseMaxBytes` across them, as Kafka's ReplicaManager reads: each
 * at most min(its maxBytes, what is left), and the first batch of the first item with data whole
 * whatever its size. The main thread applies the same rule across shards (handlers/fetch.ts).
 */
function fetch(items: FetchItem[], responseMaxBytes = Number.MAX_SAFE_INTEGER): FetchResult[] {
  const transfer: ArrayBuffer[] = [];
  let left = responseMaxBytes;
  let minOneMessage = true;
  const results = items.map((item): FetchResult => {
    const result = fetchOne(item, Math.min(item.maxBytes, left), minOneMessage, transfer);
    const got = result.inArena?.length ?? result.records?.length ?? 0;
    if (got > 0) minOneMessage = false;
    left = Math.max(0, left - got);
    return result;
  });
  return moving(results, transfer);
}

function fetchOne({ key, fetchOffset, isolationLevel, arena: useArena }: FetchItem, maxBytes: number, minOneMessage: boolean, transfer: ArrayBuffer[]): FetchResult {
  const log = logs.get(key);
  if (log === undefined) return { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, highWatermark: -1, lastStableOffset: -1, logStartOffset: -1, records: null, abortedTransactions: null, more: false };
  const readCommitted = isolationLevel === 1;
  const highWatermark = log.logEndOffset;
  const lastStableOffset = log.lastStableOffset;
  const logStartOffset = log.logStartOffset;
  let slot = -1;
  const alloc = useArena !== true || arena === null ? undefined : (size: number): Buffer => {
    // A second call (a first batch larger than maxBytes) replaces the first buffer.
    if (slot >= 0) {
      arena.free(slot);
      slot = -1;
    }
    const region = arena.alloc(size);
    if (region === null) return Buffer.allocUnsafeSlow(size);
    slot = region.slot;
    return region.buf;
  };
  try {
    let records: Buffer;
    let code: number;
    let abortedTransactions: FetchResult['abortedTransactions'] = null;
    if (readCommitted) {
      const read = log.readCommitted(fetchOffset, maxBytes, alloc, minOneMessage);
      ({ code, records } = read);
      abortedTransactions = read.abortedTransactions.map(({ producerId, firstOffset }) => ({ producerId, firstOffset }));
    } else {
      ({ code, records } = log.read(fetchOffset, maxBytes, alloc, minOneMessage));
    }
    const ok = code === ErrorCode.NONE;
    const more = ok && nextOffsetAfter(records, fetchOffset) < (readCommitted ? lastStableOffset : highWatermark);
    if (slot >= 0 && ok && records.length > 0) {
      const inArena = { slot, start: records.byteOffset, length: records.length };
      return { errorCode: code, highWatermark, lastStableOffset, logStartOffset, records: null, inArena, abortedTransactions, more };
    }
    if (slot >= 0) arena!.free(slot);
    if (records.length > 0) transfer.push(records.buffer as ArrayBuffer);
    return { errorCode: code, highWatermark, lastStableOffset, logStartOffset, records: ok ? records : null, abortedTransactions: ok ? abortedTransactions : null, more };
  } catch (err) {
    if (slot >= 0) arena!.free(slot);
    console.error(`read from ${key} failed: ${String(err)}`);
    return { errorCode: ErrorCode.KAFKA_STORAGE_ERROR, highWatermark, lastStableOffset, logStartOffset, records: null, abortedTransactions: null, more: false };
  }
}

function listOffsets(items: ListOffsetsItem[]): ListOffsetsResult[] {
  return items.map(({ key, timestamp, isolationLevel, maxNumOffsets }) => {
    const log = logs.get(key);
    if (log === undefined) return { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, timestamp: -1, offset: -1 };
    if (maxNumOffsets !== undefined) {
      const from = timestamp === LATEST_TIMESTAMP ? 'latest' : timestamp === EARLIEST_TIMESTAMP ? 'earliest' : timestamp;
      return { errorCode: ErrorCode.NONE, timestamp: -1, offset: -1, oldStyleOffsets: log.legacyOffsetsBefore(from, maxNumOffsets, Date.now()) };
    }
    // Kafka's lastFetchableOffset: a read_committed client is told of no offset at or past the LSO
    const fetchable = isolationLevel === 1 ? log.lastStableOffset : log.logEndOffset;
    const found = (offset: number, ts = -1): ListOffsetsResult => ({ errorCode: ErrorCode.NONE, timestamp: ts, offset });
    const fetchableAt = (at: { offset: number; timestamp: number } | null): ListOffsetsResult => (at === null || at.offset >= fetchable ? found(-1) : found(at.offset, at.timestamp));
    switch (timestamp) {
      case LATEST_TIMESTAMP: return found(fetchable);
      case EARLIEST_TIMESTAMP:
      case EARLIEST_LOCAL_TIMESTAMP: return found(log.logStartOffset);
      case LATEST_TIERED_TIMESTAMP: return found(-1);
      case MAX_TIMESTAMP: return fetchableAt(log.maxTimestamp());
      default: {
        if (timestamp < 0) return { errorCode: ErrorCode.INVALID_REQUEST, timestamp: -1, offset: -1 };
        return fetchableAt(log.offsetForTimestamp(timestamp));
      }
    }
  });
}

function remove(keys: PartitionKey[]): boolean[] {
  return keys.map((key) => {
    const log = logs.get(key);
    if (log === undefined) return false;
    logs.delete(key);
    probe.forget(key);
    log.deleteAll();
    return true;
  });
}

function retention(nowMs: number, producerIdExpirationMs: number | undefined): number {
  let deleted = 0;
  for (const log of logs.values()) {
    deleted += log.enforceRetention(nowMs);
    if (producerIdExpirationMs !== undefined) log.expireProducers(nowMs, producerIdExpirationMs);
  }
  return deleted;
}

/** Transaction markers: each item's COMMIT or ABORT appended to its partition, in item order. */
function writeTxnMarkers(items: WriteTxnMarkersItem[]): WriteTxnMarkersResult[] {
  const now = Date.now();
  return items.map(({ key, producerId, producerEpoch, commit, coordinatorEpoch }) => {
    const log = logs.get(key);
    if (log === undefined) return { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, offset: -1, bytes: 0 };
    try {
      const { code, offset, bytes } = log.writeTxnMarker(producerId, producerEpoch, commit, coordinatorEpoch, now);
      return { errorCode: code, offset, bytes };
    } catch (err) {
      console.error(`transaction marker to ${key} failed: ${String(err)}`);
      return { errorCode: ErrorCode.KAFKA_STORAGE_ERROR, offset: -1, bytes: 0 };
    }
  });
}

function describeProducers(keys: PartitionKey[]): DescribeProducersResult[] {
  return keys.map((key) => {
    const log = logs.get(key);
    if (log === undefined) return { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, activeProducers: [] };
    return {
      errorCode: ErrorCode.NONE,
      activeProducers: [...log.producers.entries()].map((e) => ({
        producerId: e.producerId, producerEpoch: e.producerEpoch, lastSequence: e.batches.at(-1)?.lastSeq ?? -1,
        lastTimestamp: e.lastTimestamp, coordinatorEpoch: e.coordinatorEpoch, currentTxnStartOffset: e.currentTxnFirstOffset,
      })),
    };
  });
}

/** Compacts the shard's logs in turn within one budget of reads, so other tasks wait little. */
function compact(nowMs: number): CompactResult {
  const result: CompactResult = { pending: false, cleaned: [], failed: [] };
  let budget = CLEANER_BUDGET_BYTES;
  for (const [key, log] of logs) {
    if (budget <= 0) {
      result.pending = true;
      break;
    }
    try {
      const report = log.compact(nowMs, budget);
      budget -= report.bytesRead;
      if (report.pending) result.pending = true;
      if (report.completed !== null) result.cleaned.push({ key, ...report.completed });
    } catch (err) {
      result.failed.push({ key, error: String(err) });
    }
  }
  return result;
}

/** New topic configs for open partitions (AlterConfigs, IncrementalAlterConfigs). */
function configure(items: ConfigureItem[]): boolean[] {
  return items.map(({ key, config }) => {
    const log = logs.get(key);
    log?.reconfigure(config);
    return log !== undefined;
  });
}

function deleteRecords(items: DeleteRecordsItem[]): DeleteRecordsResult[] {
  return items.map(({ key, offset }) => {
    const log = logs.get(key);
    if (log === undefined) return { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, lowWatermark: -1 };
    try {
      const { code, logStartOffset } = log.deleteRecordsBefore(offset < 0 ? log.logEndOffset : offset);
      return { errorCode: code, lowWatermark: code === ErrorCode.NONE ? logStartOffset : -1 };
    } catch (err) {
      console.error(`delete records of ${key} failed: ${String(err)}`);
      return { errorCode: ErrorCode.KAFKA_STORAGE_ERROR, lowWatermark: -1 };
    }
  });
}

function epochEndOffsets(items: EpochEndOffsetItem[]): EpochEndOffsetResult[] {
  return items.map(({ key, leaderEpoch }) => {
    const log = logs.get(key);
    if (log === undefined) return { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, leaderEpoch: -1, endOffset: -1 };
    const [epoch, endOffset] = log.leaderEpochs.endOffsetFor(leaderEpoch, log.logEndOffset);
    return { errorCode: ErrorCode.NONE, leaderEpoch: epoch, endOffset };
  });
}

/** Bytes on disk of each partition (-1 when it is not open here). */
function sizes(keys: PartitionKey[]): number[] {
  return keys.map((key) => logs.get(key)?.sizeInBytes ?? -1);
}

/** Closes every log; answers the log dirs (absolute) where one was not closed cleanly (no clean shutdown marker there). */
function close(): string[] {
  const unclean = new Set<string>();
  for (const log of logs.values()) {
    let clean = false;
    try {
      clean = log.close();
    } catch (err) {
      console.error(`${log.dir}: close failed: ${String(err)}`);
    }
    if (!clean) unclean.add(path.resolve(path.dirname(log.dir)));
  }
  logs.clear();
  return [...unclean];
}

/** Where tasks come from (a port, or this thread's own network code), and the appends other links' tasks made that it is to be told of. */
interface Link { post: (notice: AppendNotice) => void; waiting: Int32Array | null; notice: [PartitionKey, number][] }
const links: Link[] = [];

/** One task of a link's, answered; its appends noted for the other links that wait on appends. */
function runFor(from: Link, task: ShardTask<QueuedOp>, transfer: ArrayBuffer[]): BatchAnswer {
  try {
    const value = unwrap(runTask(task), transfer);
    if (links.length > 1 && (task.op === 'produce' || task.op === 'writeTxnMarkers')) tell(from, task.items, value as ShardResult<'produce' | 'writeTxnMarkers'>);
    return { ok: true, value };
  } catch (err) {
    return { ok: false, error: String(err) };
  }
}

/** The appends noted since the last time, told: one message per link. */
function tellNoted(): void {
  for (const l of links) {
    if (l.notice.length === 0) continue;
    const notice = { appended: l.notice };
    l.notice = [];
    l.post(notice);
  }
}

/**
 * From now on, tasks come on `port` too: each message is a round trip's tasks, run in their order
 * and answered in one message, with the buffers any of them moves to the other thread. Appends a
 * round trip made are told, after its answer, to every other link whose thread has fetches that
 * may wait (`waiting` above 0): one message per link and round trip.
 */
function attach(port: MessagePort, waiting: SharedArrayBuffer | undefined): true {
  const self: Link = { post: (notice) => port.postMessage(notice), waiting: waiting === undefined ? null : new Int32Array(waiting), notice: [] };
  links.push(self);
  port.on('message', (tasks: ShardMessage) => {
    const transfer: ArrayBuffer[] = [];
    const answers = tasks.map((task) => runFor(self, task, transfer));
    port.postMessage(answers, transfer);
    tellNoted();
  });
  port.on('close', () => links.splice(links.indexOf(self), 1));
  return true;
}

/** The appends of a task from `from`, noted for every other link whose thread waits on appends now. */
function tell(from: Link, items: { key: PartitionKey }[], results: { errorCode: number; bytes: number }[]): void {
  for (const l of links) {
    if (l === from || l.waiting === null || Atomics.load(l.waiting, 0) <= 0) continue;
    for (let i = 0; i < results.length; i++) if (results[i]!.errorCode === ErrorCode.NONE) l.notice.push([items[i]!.key, results[i]!.bytes]);
  }
}

/**
 * This worker serves connections too (samsa.network.threads.colocated): the network code runs
 * here, its own shard's tasks run in the thread at once, and `port` is its line to the main thread.
 * Answers at once; the network code says "ready" on the port once it serves.
 */
function serve(data: NetworkThreadData, port: MessagePort): true {
  let deliver: ((notice: AppendNotice) => void) | null = null;
  const self: Link = { post: (notice) => deliver?.(notice), waiting: new Int32Array(data.waiting), notice: [] };
  links.push(self);
  const local: LocalShard = {
    run: (task) => {
      const answer = runFor(self, task, []);
      tellNoted();
      return answer;
    },
    listen: (d) => { deliver = d; },
  };
  import('../network/serve.js').then(({ serveConnections }) => serveConnections(data, port, local), (err: unknown) => {
    console.error(`shard ${String((Piscina.workerData as { shard?: number } | undefined)?.shard)}: could not serve connections: ${String(err)}`);
    port.close();
  });
  return true;
}

function share(id: SharedMemoryId, sab: SharedArrayBuffer): true {
  sharedMemory.set(id, sab);
  return true;
}

/** The value, its buffers moved with it when there are any; the main thread receives the value itself. */
function moving<T>(value: T, transfer: ArrayBuffer[]): T {
  if (transfer.length === 0) return value;
  return Piscina.move({ [Piscina.transferableSymbol]: transfer, [Piscina.valueSymbol]: value } as never) as never;
}

/** A value `moving` wrapped, unwrapped again (for the port), its buffers added to `transfer`. */
function unwrap<T>(value: T, transfer: ArrayBuffer[]): T {
  if (value === null || typeof value !== 'object' || !(Piscina.valueSymbol in value)) return value;
  const moved = value as Record<symbol, unknown>;
  transfer.push(...(moved[Piscina.transferableSymbol] as ArrayBuffer[]));
  return moved[Piscina.valueSymbol] as T;
}

/** Each op's work; the compiler checks that each answers its op's result (messages.ts). */
const OPS: { [Op in ShardOp]: (task: ShardTask<Op>) => ShardResult<Op> } = {
  attach: (t) => attach(t.port, t.waiting),
  serve: (t) => serve(t.data, t.port),
  share: (t) => share(t.id, t.sab),
  open: (t) => open(t.partitions),
  produce: (t) => produce(t.sab, t.items),
  fetch: (t) => fetch(t.items, t.maxBytes),
  listOffsets: (t) => listOffsets(t.items),
  delete: (t) => remove(t.keys),
  retention: (t) => retention(t.nowMs, t.producerIdExpirationMs),
  writeTxnMarkers: (t) => writeTxnMarkers(t.items),
  describeProducers: (t) => describeProducers(t.keys),
  compact: (t) => compact(t.nowMs),
  stats: () => probe.stats(logs),
  configure: (t) => configure(t.items),
  deleteRecords: (t) => deleteRecords(t.items),
  epochEndOffsets: (t) => epochEndOffsets(t.items),
  sizes: (t) => sizes(t.keys),
  close: () => close(),
};

/** Piscina's entry: a task from the main thread, answered with its op's result (ShardPool types both ends). */
export default function run(task: ShardTask): unknown {
  return runTask(task);
}

function runTask<Op extends ShardOp>(task: ShardTask<Op>): ShardResult<Op> {
  const started = performance.now();
  try {
    return OPS[task.op](task);
  } finally {
    probe.countTask(performance.now() - started);
  }
}
