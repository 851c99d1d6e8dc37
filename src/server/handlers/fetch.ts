// Fetch (1), versions 4-17: topic names until v12, topic ids from v13. read_committed (isolation
// level 1) reads stop at the last stable offset and carry the aborted transactions overlapping
// them; every answer carries the partition's last stable offset. Incremental fetch
// sessions (KIP-227) through the session cache. The stored batches come back from the owning
// shard untouched and go to the socket as they are, cut at whole batches to Kafka's limits
// (KIP-74): max_bytes across partitions in request order, partition_max_bytes for each, except the
// first batch of the first partition with data. A fetch that finds fewer than min_bytes waits in
// the purgatory until appends bring enough, or max_wait_ms passes, then reads everything again.
// The batches of a result in a shard's read arena are held by the request's memory until the
// reply is written (server/request-memory.ts); a read that will not be answered is dropped there.
import { hasPartition } from '../../cluster/topics.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { FetchResponseData } from '../../protocol/messages/index.js';
import { nextOffsetAfter, wholeBatchesWithin } from '../../protocol/records/batch.js';
import { partitionKey } from '../../workers/pool.js';
import type { FetchItem, FetchResult } from '../../workers/messages.js';
import type { FetchTarget, SentState } from '../../fetch/sessions.js';
import { handler, type RequestContext, type ResponseOf } from '../dispatcher.js';

/** One partition being read: where, what came back, and what the session last told the client. */
interface Slot {
  target: FetchTarget & { sent: SentState | null };
  errorCode: number;
  shard: number;
  item?: FetchItem;
  /** What the shard answered, its records cut to what the response keeps. */
  result?: FetchResult;
}

const EMPTY = Buffer.alloc(0);

export const fetch = handler('Fetch', {
  minVersion: 4,
  maxVersion: 17,
  async handle(ctx, req): Promise<ResponseOf<'Fetch'> | null> {
    const byId = ctx.header.apiVersion >= 13;
    const requested: FetchTarget[] = req.topics.flatMap((t) => t.partitions.map((p) => ({
      topic: t.topic, topicId: t.topicId, partition: p.partition, fetchOffset: p.fetchOffset, maxBytes: p.partitionMaxBytes,
    })));
    const forgotten = req.forgottenTopicsData.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, topicId: t.topicId, partition })));
    const session = ctx.fetchSessions.open(req.sessionId, req.sessionEpoch, requested, forgotten, byId);
    if (!('targets' in session)) return { throttleTimeMs: 0, errorCode: session.errorCode, sessionId: 0, responses: [] };

    const isolationLevel: 0 | 1 = req.isolationLevel === 1 ? 1 : 0;
    const slots = session.targets.map((target) => plan(ctx, target, byId, isolationLevel));
    const maxBytes = Math.max(0, req.maxBytes);
    const deadline = Date.now() + Math.max(0, req.maxWaitMs);
    let got = await read(ctx, slots, maxBytes);
    // Kafka's DelayedFetch: wait for min_bytes unless a partition failed, or the response is as
    // full as max_bytes lets it be (more appended bytes could not go in it); then read again.
    while (got.bytes < req.minBytes && !got.full && waitable(slots) && !ctx.conn.closed) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      const keys = slots.map((s) => s.item!.key);
      // What was read is read again after the wait: its arena regions need not wait with it.
      ctx.memory.dropReads();
      ctx.memory.park();
      const satisfied = await ctx.purgatory.wait(keys, req.minBytes - got.bytes, left, (release) => ctx.conn.onClose(release));
      if (ctx.conn.closed) return null;
      got = await read(ctx, slots, maxBytes);
      if (!satisfied) break;
    }
    const shown = session.incremental ? slots.filter(changed) : slots;
    // as Kafka's sessions do, so that partitions early in the order cannot take max_bytes every time
    if (session.incremental) ctx.fetchSessions.respondedLast(session.sessionId, shown.map((s) => s.target), byId);
    for (const s of shown) {
      if (s.result !== undefined) s.target.sent = { highWatermark: s.result.highWatermark, logStartOffset: s.result.logStartOffset };
      if (hasData(s)) ctx.metrics.countFetched(s.target.topic, s.result!.records!.length);
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: session.sessionId, responses: group(shown, byId) };
  },
});

function plan(ctx: RequestContext, target: Slot['target'], byId: boolean, isolationLevel: 0 | 1): Slot {
  const topic = byId ? ctx.topics.getById(target.topicId) : ctx.topics.get(target.topic);
  const slot: Slot = { target, errorCode: ErrorCode.NONE, shard: -1 };
  if (topic === undefined) slot.errorCode = byId ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  else if (!hasPartition(topic, target.partition)) slot.errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  else {
    target.topic = topic.name;
    target.topicId = topic.topicId;
    slot.shard = ctx.partitions.shardFor(topic.name, target.partition);
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

const waitable = (slots: Slot[]): boolean => slots.length > 0 && slots.every((s) => s.errorCode === ErrorCode.NONE);

/**
 * Reads every partition afresh within Kafka's limits (KIP-74): in request order, each
 * partition's whole batches up to min(its partition_max_bytes, what is left of max_bytes), except
 * that the first batch of the first partition with data comes whole whatever its size, so that a
 * consumer always makes progress.
 * Shards apply the rule to their own partitions; this applies it across them. Answers the bytes
 * kept, and whether max_bytes left a partition's readable batches out (waiting cannot add more).
 */
async function read(ctx: RequestContext, slots: Slot[], maxBytes: number): Promise<{ bytes: number; full: boolean }> {
  const todo = slots.filter((s) => s.item !== undefined);
  const results = todo.length === 0 ? [] : await ctx.partitions.scatter(todo, (s) => s.shard, (list) => ({ op: 'fetch', items: list.map((s) => s.item!), maxBytes }));
  let left = maxBytes;
  let bytes = 0;
  let minOneMessage = true;
  let full = false;
  todo.forEach((s, i) => {
    const r = results[i]!;
    let records = ctx.memory.records(s.shard, r);
    let abortedTransactions = r.abortedTransactions;
    if (records !== null && records.length > 0) {
      const limit = Math.min(s.item!.maxBytes, left);
      // shards answer whole batches: only a read past the limit needs walking
      const kept = records.length <= limit ? records.length : wholeBatchesWithin(records, limit, minOneMessage);
      const cut = kept < records.length;
      if (cut) {
        records = records.subarray(0, kept);
        if (abortedTransactions !== null) {
          const upTo = nextOffsetAfter(records, s.item!.fetchOffset);
          abortedTransactions = kept === 0 ? [] : abortedTransactions.filter((t) => t.firstOffset < upTo);
        }
      }
      if ((cut || r.more) && left < s.item!.maxBytes) full = true;
      if (kept > 0) minOneMessage = false;
      left = Math.max(0, left - kept);
      bytes += kept;
    } else if (r.more && left < s.item!.maxBytes) {
      full = true;
    }
    // one shape for every result (a spread would build each object property by property)
    s.result = {
      errorCode: r.errorCode, highWatermark: r.highWatermark, lastStableOffset: r.lastStableOffset, logStartOffset: r.logStartOffset,
      records, abortedTransactions, more: r.more,
    };
    s.errorCode = r.errorCode;
  });
  return { bytes, full };
}

/** The response's topics, each partition under its topic, in the order they were read. */
function group(slots: Slot[], byId: boolean): FetchResponseData.FetchableTopicResponse[] {
  const topics = new Map<string, FetchResponseData.FetchableTopicResponse>();
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
