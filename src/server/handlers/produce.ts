// Produce (0), versions 0-11. Versions 0-2 carry the message formats older than v2 record batches
// (magic 0 and 1), which Samsa does not store or convert: each of their partitions is answered
// UNSUPPORTED_VERSION, nothing appended, and with acks 0 the connection is closed, as Kafka closes
// it when an acks 0 produce fails. They are advertised because librdkafka 2.0 checks exact
// version ranges; no supported client sends them (see README, Served APIs).
// Splits the request's partitions by owning shard; each shard validates the batches (magic 2,
// length, CRC-32C, max.message.bytes) and appends them where they lie, in the shared frame.
// acks 0 answers nothing, 1 and -1 answer once the append returns (a single broker is the whole
// ISR), but acks -1 to a topic whose min.insync.replicas is above 1 is NOT_ENOUGH_REPLICAS, nothing
// appended. Topics with message.timestamp.type=LogAppendTime get their batches stamped with the append
// time; batches in another codec than the topic's compression.type are recompressed by the shard. Batches with a producer id are checked by the shard against the partition's producer state
// (src/storage/producer-state.ts): a retried batch already appended answers its original offset,
// stale epochs and sequence gaps answer INVALID_PRODUCER_EPOCH / OUT_OF_ORDER_SEQUENCE_NUMBER. On a
// topic whose cleanup.policy contains compact, a batch with a record without a key is INVALID_RECORD,
// with record_errors (each such record's index in its batch) and error_message from v8, as Kafka.
import { hasPartition } from '../../cluster/topics.js';
import { ErrorCode } from '../../protocol/errors.js';
import { partitionKey } from '../../workers/pool.js';
import type { ProduceItem, ProduceResult } from '../../workers/messages.js';
import { compressionCodec, isCompacted, maxMessageBytes, minInsyncReplicas, usesLogAppendTime } from '../../cluster/topic-config.js';
import { handler, type RequestContext, type RequestOf, type ResponseOf } from '../dispatcher.js';
import type { CLOSE } from '../connection.js';

/** The first Produce version whose records are v2 record batches. */
const RECORD_BATCH_FROM = 3;

function oldMessageFormat(ctx: RequestContext, acks: number, topicData: RequestOf<'Produce'>['topicData']): ResponseOf<'Produce'> | typeof CLOSE {
  const why = `Produce v${ctx.header.apiVersion} (message format v0/v1) is not served; v3 and later are`;
  if (acks === 0) return ctx.conn.reject(why, { clientId: ctx.header.clientId });
  ctx.conn.log.warn({ clientId: ctx.header.clientId, apiVersion: ctx.header.apiVersion }, 'produce of an old message format refused');
  return {
    responses: topicData.map((t) => ({
      name: t.name,
      partitionResponses: t.partitionData.map((p) => ({ index: p.index, errorCode: ErrorCode.UNSUPPORTED_VERSION, baseOffset: -1, logAppendTimeMs: -1 })),
    })),
    throttleTimeMs: 0,
  };
}

interface Slot { topic: number; partition: number; errorCode: number; item?: ProduceItem; result?: ProduceResult }

export const produce = handler('Produce', {
  minVersion: 0,
  maxVersion: 11,
  async handle(ctx, req): Promise<ResponseOf<'Produce'> | typeof CLOSE | null> {
    const { acks, topicData } = req;
    if (ctx.header.apiVersion < RECORD_BATCH_FROM) return oldMessageFormat(ctx, acks, topicData);
    const ackError = acks === 0 || acks === 1 || acks === -1 ? ErrorCode.NONE : ErrorCode.INVALID_REQUIRED_ACKS;

    const slots: Slot[] = [];
    const items: ProduceItem[] = [];
    const itemShards: number[] = [];
    topicData.forEach((t, ti) => {
      const topic = ctx.topics.get(t.name);
      t.partitionData.forEach((p, pi) => {
        const slot: Slot = { topic: ti, partition: pi, errorCode: ackError };
        slots.push(slot);
        if (slot.errorCode !== ErrorCode.NONE) return;
        if (!hasPartition(topic, p.index)) slot.errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        else if (p.records === null || p.records.length === 0) slot.errorCode = ErrorCode.CORRUPT_MESSAGE;
        else if (acks === -1 && minInsyncReplicas(ctx.config, topic.configs) > 1) slot.errorCode = ErrorCode.NOT_ENOUGH_REPLICAS;
        else {
          // The records are a view of the frame's SharedArrayBuffer: the shard reads them in place.
          slot.item = {
            key: partitionKey(t.name, p.index), start: p.records.byteOffset, length: p.records.length,
            maxMessageBytes: maxMessageBytes(ctx.config, topic.configs), logAppendTime: usesLogAppendTime(ctx.config, topic.configs),
            compression: compressionCodec(ctx.config, topic.configs), compacted: isCompacted(ctx.config, topic.configs),
          };
          items.push(slot.item);
          itemShards.push(ctx.partitions.shardFor(t.name, p.index));
        }
      });
    });

    if (items.length > 0) {
      const results = await ctx.partitions.scatter(
        items, (_, i) => itemShards[i]!, (list) => ({ op: 'produce', sab: ctx.frame.sab!, items: list }), // Produce frames are always shared
      );
      let r = 0;
      for (const slot of slots) {
        if (slot.item === undefined) continue;
        const result = results[r++]!;
        slot.result = result;
        slot.errorCode = result.errorCode;
        if (result.errorCode !== ErrorCode.NONE && result.errorCode !== ErrorCode.NOT_LEADER_OR_FOLLOWER) ctx.conn.log.warn({ partition: slot.item.key, error: result.errorCode, clientId: ctx.header.clientId }, 'produce rejected');
      }
    }

    if (acks === 0) return null;
    let s = 0;
    return {
      responses: topicData.map((t) => ({
        name: t.name,
        partitionResponses: t.partitionData.map((p) => {
          const { errorCode, result } = slots[s++]!;
          const ok = result !== undefined && result.errorCode === ErrorCode.NONE;
          return {
            index: p.index,
            errorCode,
            baseOffset: ok ? result.baseOffset : -1,
            logAppendTimeMs: ok ? result.logAppendTime : -1,
            logStartOffset: result?.logStartOffset ?? -1,
            recordErrors: result?.recordErrors ?? [],
            errorMessage: result?.errorMessage ?? null,
          };
        }),
      })),
      throttleTimeMs: 0,
    };
  },
});
