// A shard worker: the one thread that owns a set of partition logs. It validates and appends
// produced batches, reads stored batches out untouched for Fetch, answers offset lookups, and runs
// retention and compaction over its logs.
// Every operation on a partition's files happens here and nowhere else.
import { Piscina } from 'piscina';
import { CLEANER_BUDGET_BYTES } from '../storage/compaction.js';
import { PartitionLog } from '../storage/log.js';
import { checkProducedBatch, scanBatches, stampLogAppendTime } from '../protocol/records/batch.js';
import { ErrorCode } from '../protocol/errors.js';
import {
  type CompactResult, type FetchItem, type FetchResult, type ListOffsetsItem, type ListOffsetsResult, type OpenPartition,
  type OpenResult, type PartitionKey, type ProduceItem, type ProduceResult, type ShardTask,
  EARLIEST_LOCAL_TIMESTAMP, EARLIEST_TIMESTAMP, LATEST_TIERED_TIMESTAMP, LATEST_TIMESTAMP, MAX_TIMESTAMP,
} from './messages.js';

const logs = new Map<PartitionKey, PartitionLog>();

function open(partitions: OpenPartition[]): OpenResult[] {
  return partitions.map(({ key, dir, config }) => {
    try {
      const existing = logs.get(key);
      const log = existing ?? PartitionLog.open(dir, config);
      logs.set(key, log);
      return { key, logEndOffset: log.logEndOffset, errorCode: ErrorCode.NONE, ...log.recovery };
    } catch (err) {
      return { key, logEndOffset: -1, truncatedBytes: 0, scannedBytes: 0, errorCode: ErrorCode.KAFKA_STORAGE_ERROR, error: String(err) };
    }
  });
}

function produce(sab: SharedArrayBuffer, items: ProduceItem[]): ProduceResult[] {
  return items.map(({ key, start, length, maxMessageBytes, logAppendTime }) => {
    const log = logs.get(key);
    if (log === undefined) return produceError(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    const records = Buffer.from(sab, start, length);
    const scan = scanBatches(records);
    if (scan.code !== ErrorCode.NONE) return produceError(scan.code, log);
    for (const batch of scan.batches) {
      if (batch.size > maxMessageBytes) return produceError(ErrorCode.MESSAGE_TOO_LARGE, log);
      const code = checkProducedBatch(batch);
      if (code !== ErrorCode.NONE) return produceError(code, log);
    }
    const appendTime = logAppendTime ? Date.now() : -1;
    if (logAppendTime) for (const batch of scan.batches) stampLogAppendTime(records, batch, appendTime);
    try {
      const { baseOffset } = log.append(records, scan.batches);
      return { errorCode: ErrorCode.NONE, baseOffset, logAppendTime: appendTime, logStartOffset: log.logStartOffset, logEndOffset: log.logEndOffset, records: scan.records, bytes: length };
    } catch (err) {
      console.error(`append to ${key} failed: ${String(err)}`);
      return produceError(ErrorCode.KAFKA_STORAGE_ERROR, log);
    }
  });
}

function produceError(errorCode: number, log?: PartitionLog): ProduceResult {
  return { errorCode, baseOffset: -1, logAppendTime: -1, logStartOffset: log?.logStartOffset ?? -1, logEndOffset: log?.logEndOffset ?? -1, records: 0, bytes: 0 };
}

function fetch(items: FetchItem[]): unknown {
  const transfer: ArrayBuffer[] = [];
  const results = items.map(({ key, fetchOffset, maxBytes }): FetchResult => {
    const log = logs.get(key);
    if (log === undefined) return { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, highWatermark: -1, logStartOffset: -1, records: null };
    try {
      const { code, records } = log.read(fetchOffset, maxBytes);
      if (records.length > 0) transfer.push(records.buffer as ArrayBuffer);
      return { errorCode: code, highWatermark: log.logEndOffset, logStartOffset: log.logStartOffset, records: code === ErrorCode.NONE ? records : null };
    } catch (err) {
      console.error(`read from ${key} failed: ${String(err)}`);
      return { errorCode: ErrorCode.KAFKA_STORAGE_ERROR, highWatermark: log.logEndOffset, logStartOffset: log.logStartOffset, records: null };
    }
  });
  if (transfer.length === 0) return results;
  return Piscina.move({ [Piscina.transferableSymbol]: transfer, [Piscina.valueSymbol]: results } as never);
}

function listOffsets(items: ListOffsetsItem[]): ListOffsetsResult[] {
  return items.map(({ key, timestamp }) => {
    const log = logs.get(key);
    if (log === undefined) return { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, timestamp: -1, offset: -1 };
    const found = (offset: number, ts = -1): ListOffsetsResult => ({ errorCode: ErrorCode.NONE, timestamp: ts, offset });
    switch (timestamp) {
      case LATEST_TIMESTAMP: return found(log.logEndOffset);
      case EARLIEST_TIMESTAMP:
      case EARLIEST_LOCAL_TIMESTAMP: return found(log.logStartOffset);
      case LATEST_TIERED_TIMESTAMP: return found(-1);
      case MAX_TIMESTAMP: {
        const max = log.maxTimestamp();
        return max === null ? found(-1) : found(max.offset, max.timestamp);
      }
      default: {
        if (timestamp < 0) return { errorCode: ErrorCode.INVALID_REQUEST, timestamp: -1, offset: -1 };
        const at = log.offsetForTimestamp(timestamp);
        return at === null ? found(-1) : found(at.offset, at.timestamp);
      }
    }
  });
}

function remove(keys: PartitionKey[]): boolean[] {
  return keys.map((key) => {
    const log = logs.get(key);
    if (log === undefined) return false;
    logs.delete(key);
    log.deleteAll();
    return true;
  });
}

function retention(nowMs: number): number {
  let deleted = 0;
  for (const log of logs.values()) deleted += log.enforceRetention(nowMs);
  return deleted;
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

function close(): number {
  for (const log of logs.values()) log.close();
  const n = logs.size;
  logs.clear();
  return n;
}

export default function run(task: ShardTask): unknown {
  switch (task.op) {
    case 'open': return open(task.partitions);
    case 'produce': return produce(task.sab, task.items);
    case 'fetch': return fetch(task.items);
    case 'listOffsets': return listOffsets(task.items);
    case 'delete': return remove(task.keys);
    case 'retention': return retention(task.nowMs);
    case 'compact': return compact(task.nowMs);
    case 'close': return close();
  }
}
