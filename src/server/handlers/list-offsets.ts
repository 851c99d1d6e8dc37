// ListOffsets (2), versions 0-10: earliest (-2), latest (-1), max timestamp (-3, v7+),
// earliest local (-4) and latest tiered (-5, no tiered storage: -1), or the first offset at or
// after a timestamp, found through the time index by the owning shard. With isolation level
// read_committed (v2+), latest is the last stable offset and no lookup answers an offset at or past it.
// v0 answers up to max_num_offsets old-style offsets instead, as Kafka's legacy lookup does: segment
// base offsets dated by their files' mtimes, and the log end offset (PartitionLog.legacyOffsetsBefore).
import { ErrorCode } from '../../protocol/errors.js';
import { ApiKey } from '../../protocol/messages/index.js';
import { partitionKey } from '../../workers/pool.js';
import type { ListOffsetsItem, ListOffsetsResult } from '../../workers/messages.js';
import type { ApiHandler } from '../dispatcher.js';
import { LEADER_EPOCH } from './common.js';

interface ListPartition { partitionIndex: number; timestamp: number; maxNumOffsets: number }
interface ListTopic { name: string; partitions: ListPartition[] }

/** Answers decided before the shards are asked: an unknown partition; v0 with a negative max_num_offsets. */
const UNKNOWN = -1;
const INVALID = -2;

export const listOffsets: ApiHandler = {
  apiKey: ApiKey.ListOffsets,
  minVersion: 0,
  maxVersion: 10,
  async handle(ctx, req) {
    const topics = req.topics as ListTopic[];
    const version = ctx.header.apiVersion;
    const isolationLevel = version >= 2 ? (req.isolationLevel as number) : 0;
    const items: ListOffsetsItem[] = [];
    const shards: number[] = [];
    const answers: number[] = []; // index into items, or UNKNOWN, INVALID
    for (const t of topics) {
      const topic = ctx.topics.get(t.name);
      for (const p of t.partitions) {
        if (topic === undefined || p.partitionIndex < 0 || p.partitionIndex >= topic.partitions) {
          answers.push(UNKNOWN);
          continue;
        }
        if (version === 0 && p.maxNumOffsets < 0) {
          answers.push(INVALID);
          continue;
        }
        answers.push(items.length);
        const item: ListOffsetsItem = { key: partitionKey(t.name, p.partitionIndex), timestamp: p.timestamp, isolationLevel };
        if (version === 0) item.maxNumOffsets = p.maxNumOffsets;
        items.push(item);
        shards.push(ctx.partitions.shardFor(t.name, p.partitionIndex));
      }
    }
    const results = await ctx.partitions.scatter(items, (_, i) => shards[i]!, (list) => ({ op: 'listOffsets', items: list }));
    let a = 0;
    return {
      throttleTimeMs: 0,
      topics: topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => {
          const answer = answers[a++]!;
          const r: ListOffsetsResult = answer === UNKNOWN ? { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, timestamp: -1, offset: -1 }
            : answer === INVALID ? { errorCode: ErrorCode.INVALID_REQUEST, timestamp: -1, offset: -1 }
              : results[answer]!;
          return {
            partitionIndex: p.partitionIndex, errorCode: r.errorCode, oldStyleOffsets: r.oldStyleOffsets ?? [],
            timestamp: r.timestamp, offset: r.offset, leaderEpoch: r.errorCode === ErrorCode.NONE ? LEADER_EPOCH : -1,
          };
        }),
      })),
    };
  },
};
