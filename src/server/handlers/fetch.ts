// Fetch (1), versions 4-17: topic names until v12, topic ids from v13; isolation level accepted
// (no transactions yet, so the last stable offset is the high watermark). The stored batches
// come back from the owning shard untouched and go to the socket as they are. A fetch that finds
// fewer than min_bytes waits in the purgatory until appends bring enough, or max_wait_ms passes.
// Fetch sessions (KIP-227) are declined: every response carries session id 0, so clients send
// full fetches.
import { ErrorCode } from '../../protocol/errors.js';
import { ApiKey } from '../../protocol/messages/index.js';
import { partitionKey } from '../../workers/pool.js';
import type { FetchItem, FetchResult } from '../../workers/messages.js';
import type { TopicInfo } from '../../cluster/topics.js';
import type { ApiHandler, RequestContext } from '../dispatcher.js';

interface FetchPartition { partition: number; fetchOffset: number; partitionMaxBytes: number }
interface FetchTopic { topic: string; topicId: string; partitions: FetchPartition[] }

interface Slot { topic: number; partition: number; shard: number; errorCode: number; item?: FetchItem; result?: FetchResult }

const EMPTY = Buffer.alloc(0);

export const fetch: ApiHandler = {
  apiKey: ApiKey.Fetch,
  minVersion: 4,
  maxVersion: 17,
  async handle(ctx, req) {
    const version = ctx.header.apiVersion;
    if (req.sessionId !== 0) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND, sessionId: 0, responses: [] };
    }
    const requested = req.topics as FetchTopic[];
    const topics = requested.map((t) => (version >= 13 ? ctx.broker.topics.getById(t.topicId) : ctx.broker.topics.get(t.topic)));
    const unknownTopic = version >= 13 ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    const slots = plan(ctx, requested, topics, unknownTopic);
    const maxBytes = req.maxBytes as number;
    const deadline = Date.now() + Math.max(0, req.maxWaitMs as number);

    let bytes = await read(ctx, slots, maxBytes);
    const waitable = slots.length > 0 && slots.every((s) => s.errorCode === ErrorCode.NONE);
    while (waitable && bytes < req.minBytes && !ctx.conn.closed) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      const keys = slots.map((s) => s.item!.key);
      const satisfied = await ctx.broker.purgatory.wait(keys, req.minBytes - bytes, left, (release) => ctx.conn.onClose(release));
      if (ctx.conn.closed) return null;
      bytes += await read(ctx, slots, maxBytes - bytes);
      if (!satisfied) break;
    }
    return respond(requested, topics, slots, version, req.isolationLevel === 1);
  },
};

function plan(ctx: RequestContext, requested: FetchTopic[], topics: (TopicInfo | undefined)[], unknownTopic: number): Slot[] {
  const slots: Slot[] = [];
  requested.forEach((t, ti) => {
    const topic = topics[ti];
    t.partitions.forEach((p, pi) => {
      const slot: Slot = { topic: ti, partition: pi, shard: -1, errorCode: ErrorCode.NONE };
      if (topic === undefined) slot.errorCode = unknownTopic;
      else if (p.partition < 0 || p.partition >= topic.partitions) slot.errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      else {
        slot.shard = ctx.broker.cluster.shardFor(topic.name, p.partition);
        slot.item = { key: partitionKey(topic.name, p.partition), fetchOffset: p.fetchOffset, maxBytes: p.partitionMaxBytes };
      }
      slots.push(slot);
    });
  });
  return slots;
}

/**
 * Reads every partition that holds no data yet; keeps the response within maxBytes, in request order,
 * though the first partition with data always gets at least one whole batch. Answers bytes added.
 */
async function read(ctx: RequestContext, slots: Slot[], budget: number): Promise<number> {
  const todo = slots.filter((s) => s.item !== undefined && s.errorCode === ErrorCode.NONE && (s.result?.records == null || s.result.records.length === 0));
  if (todo.length === 0) return 0;
  const results = await ctx.broker.shards.scatter<Slot, FetchResult>(todo, (s) => s.shard, (list) => ({ op: 'fetch', items: list.map((s) => s.item!) }));
  let added = 0;
  let haveAny = slots.some((s) => s.result?.records != null && s.result.records.length > 0);
  todo.forEach((s, i) => {
    const r = results[i]!;
    let records = r.records === null ? null : Buffer.from(r.records.buffer, r.records.byteOffset, r.records.byteLength);
    if (records !== null && records.length > 0) {
      if (haveAny && added + records.length > budget) records = EMPTY;
      else { added += records.length; haveAny = true; }
    }
    s.result = { ...r, records };
    s.errorCode = r.errorCode;
  });
  return added;
}

function respond(requested: FetchTopic[], topics: (TopicInfo | undefined)[], slots: Slot[], version: number, readCommitted: boolean) {
  let s = 0;
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    sessionId: 0,
    responses: requested.map((t, ti) => ({
      topic: topics[ti]?.name ?? t.topic,
      topicId: version >= 13 ? t.topicId : topics[ti]?.topicId,
      partitions: t.partitions.map((p) => {
        const slot = slots[s++]!;
        const r = slot.result;
        return {
          partitionIndex: p.partition,
          errorCode: slot.errorCode,
          highWatermark: r?.highWatermark ?? -1,
          lastStableOffset: r?.highWatermark ?? -1,
          logStartOffset: r?.logStartOffset ?? -1,
          abortedTransactions: readCommitted ? [] : null,
          preferredReadReplica: -1,
          records: r?.records ?? EMPTY,
        };
      }),
    })),
  };
}
