// Fetch (1), versions 4-17: topic names until v12, topic ids from v13. read_committed (isolation
// level 1) reads stop at the last stable offset and carry the aborted transactions overlapping
// them; every answer carries the partition's last stable offset. Incremental fetch
// sessions (KIP-227) through the session cache. The stored batches come back from the owning
// shard untouched and go to the socket as they are. A fetch that finds fewer than min_bytes
// waits in the purgatory until appends bring enough, or max_wait_ms passes.
import { ErrorCode } from '../../protocol/errors.js';
import { ApiKey } from '../../protocol/messages/index.js';
import { partitionKey } from '../../workers/pool.js';
import type { FetchItem, FetchResult } from '../../workers/messages.js';
import type { FetchTarget, SentState } from '../../fetch/sessions.js';
import type { ApiHandler, RequestContext } from '../dispatcher.js';

interface RequestPartition { partition: number; fetchOffset: number; partitionMaxBytes: number }
interface RequestTopic { topic: string; topicId: string; partitions: RequestPartition[] }
interface ForgottenTopic { topic: string; topicId: string; partitions: number[] }

/** One partition being read: where, what came back, and what the session last told the client. */
interface Slot {
  target: FetchTarget & { sent: SentState | null };
  errorCode: number;
  shard: number;
  item?: FetchItem;
  result?: FetchResult;
}

const EMPTY = Buffer.alloc(0);

export const fetch: ApiHandler = {
  apiKey: ApiKey.Fetch,
  minVersion: 4,
  maxVersion: 17,
  async handle(ctx, req) {
    const byId = ctx.header.apiVersion >= 13;
    const requested: FetchTarget[] = (req.topics as RequestTopic[]).flatMap((t) => t.partitions.map((p) => ({
      topic: t.topic, topicId: t.topicId, partition: p.partition, fetchOffset: p.fetchOffset, maxBytes: p.partitionMaxBytes,
    })));
    const forgotten = ((req.forgottenTopicsData ?? []) as ForgottenTopic[]).flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, topicId: t.topicId, partition })));
    const session = ctx.broker.fetchSessions.open(req.sessionId, req.sessionEpoch, requested, forgotten, byId);
    if (!('targets' in session)) return { throttleTimeMs: 0, errorCode: session.errorCode, sessionId: 0, responses: [] };

    const isolationLevel: 0 | 1 = req.isolationLevel === 1 ? 1 : 0;
    const slots = session.targets.map((target) => plan(ctx, target, byId, isolationLevel));
    const maxBytes = req.maxBytes as number;
    const deadline = Date.now() + Math.max(0, req.maxWaitMs as number);
    let bytes = await read(ctx, slots, maxBytes);
    const waitable = slots.length > 0 && slots.every((s) => s.errorCode === ErrorCode.NONE);
    while (waitable && bytes < req.minBytes && !ctx.conn.closed) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      const keys = slots.map((s) => s.item!.key);
      ctx.conn.releaseBudget(ctx.frame);
      const satisfied = await ctx.broker.purgatory.wait(keys, req.minBytes - bytes, left, (release) => ctx.conn.onClose(release));
      if (ctx.conn.closed) return null;
      bytes += await read(ctx, slots, maxBytes - bytes);
      if (!satisfied) break;
    }
    const shown = session.incremental ? slots.filter(changed) : slots;
    for (const s of shown) {
      if (s.result !== undefined) s.target.sent = { highWatermark: s.result.highWatermark, logStartOffset: s.result.logStartOffset };
      if (hasData(s)) ctx.broker.metrics.countFetched(s.target.topic, s.result!.records!.length);
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: session.sessionId, responses: group(shown, byId) };
  },
};

function plan(ctx: RequestContext, target: Slot['target'], byId: boolean, isolationLevel: 0 | 1): Slot {
  const topic = byId ? ctx.broker.topics.getById(target.topicId) : ctx.broker.topics.get(target.topic);
  const slot: Slot = { target, errorCode: ErrorCode.NONE, shard: -1 };
  if (topic === undefined) slot.errorCode = byId ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  else if (target.partition < 0 || target.partition >= topic.partitions) slot.errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  else {
    target.topic = topic.name;
    target.topicId = topic.topicId;
    slot.shard = ctx.broker.cluster.shardFor(topic.name, target.partition);
    slot.item = { key: partitionKey(topic.name, target.partition), fetchOffset: target.fetchOffset, maxBytes: target.maxBytes, isolationLevel, arena: true };
  }
  return slot;
}

const hasData = (s: Slot): boolean => s.result?.records != null && s.result.records.length > 0;

/** What an incremental response must carry: data, an error, or offsets the client has not seen. */
function changed(s: Slot): boolean {
  if (s.errorCode !== ErrorCode.NONE || hasData(s) || s.target.sent === null || s.result === undefined) return true;
  return s.result.highWatermark !== s.target.sent.highWatermark || s.result.logStartOffset !== s.target.sent.logStartOffset;
}

/**
 * Reads every partition that holds no data yet; keeps the response within maxBytes, in request
 * order, though the first partition with data always gets at least one whole batch. Answers the
 * bytes added.
 */
async function read(ctx: RequestContext, slots: Slot[], budget: number): Promise<number> {
  const todo = slots.filter((s) => s.item !== undefined && s.errorCode === ErrorCode.NONE && !hasData(s));
  if (todo.length === 0) return 0;
  const results = await ctx.broker.shards.scatter<Slot, FetchResult>(todo, (s) => s.shard, (list) => ({ op: 'fetch', items: list.map((s) => s.item!) }));
  let added = 0;
  let haveAny = slots.some(hasData);
  todo.forEach((s, i) => {
    const r = results[i]!;
    const inArena = r.inArena;
    let records: Buffer | null;
    if (inArena !== undefined) {
      // In the shard's read arena: given back once the response is on the socket (or dropped).
      const arena = ctx.broker.shards.arenas[s.shard]!;
      records = arena.bytes(inArena.start, inArena.length);
      ctx.conn.afterReply(ctx.frame, () => arena.release(inArena.slot));
    } else {
      // Buffers cross threads as plain Uint8Arrays: view them as Buffers again, without a copy.
      records = r.records === null ? null : Buffer.from(r.records.buffer, r.records.byteOffset, r.records.byteLength);
    }
    let abortedTransactions = r.abortedTransactions;
    if (records !== null && records.length > 0) {
      if (haveAny && added + records.length > budget) {
        records = EMPTY;
        if (abortedTransactions !== null) abortedTransactions = [];
      } else { added += records.length; haveAny = true; }
    }
    s.result = { ...r, records, abortedTransactions };
    s.errorCode = r.errorCode;
  });
  return added;
}

/** The response's topics, each partition under its topic, in the order they were read. */
function group(slots: Slot[], byId: boolean) {
  const topics = new Map<string, { topic: string; topicId: string; partitions: unknown[] }>();
  for (const s of slots) {
    const key = byId ? s.target.topicId : s.target.topic;
    let t = topics.get(key);
    if (t === undefined) topics.set(key, t = { topic: s.target.topic, topicId: s.target.topicId, partitions: [] });
    const r = s.result;
    t.partitions.push({
      partitionIndex: s.target.partition,
      errorCode: s.errorCode,
      highWatermark: r?.highWatermark ?? -1,
      lastStableOffset: r?.lastStableOffset ?? -1,
      logStartOffset: r?.logStartOffset ?? -1,
      abortedTransactions: r?.abortedTransactions ?? null,
      preferredReadReplica: -1,
      records: r?.records ?? EMPTY,
    });
  }
  return [...topics.values()];
}
