// ListOffsets (2), versions 0-10: earliest (-2), latest (-1), max timestamp (-3, v7+),
// earliest local (-4) and latest tiered (-5, no tiered storage: -1), or the first offset at or
// after a timestamp, found through the time index by the owning shard. With isolation level
// read_committed (v2+), latest is the last stable offset and no lookup answers an offset at or past it.
// v0 answers up to max_num_offsets old-style offsets instead, as Kafka's legacy lookup does: segment
// base offsets dated by their files' mtimes, and the log end offset (PartitionLog.legacyOffsetsBefore).
import { ErrorCode } from '../../protocol/errors.js';
import type { ListOffsetsItem, ListOffsetsResult } from '../../workers/messages.js';
import { handler, type ResponseOf } from '../dispatcher.js';
import { LEADER_EPOCH } from './common.js';
import { askPartitions, hasPartition } from './partition-tasks.js';

const fail = (errorCode: number): ListOffsetsResult => ({ errorCode, timestamp: -1, offset: -1 });

export const listOffsets = handler('ListOffsets', {
  minVersion: 0,
  maxVersion: 10,
  async handle(ctx, req): Promise<ResponseOf<'ListOffsets'>> {
    const { topics, isolationLevel } = req; // read_uncommitted (0) before v2
    const legacy = ctx.header.apiVersion === 0;
    const results = await askPartitions(ctx, topics, {
      name: (t) => t.name,
      partitions: (t) => t.partitions,
      early(topic, p) {
        if (!hasPartition(topic, p.partitionIndex)) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        return legacy && p.maxNumOffsets < 0 ? fail(ErrorCode.INVALID_REQUEST) : null;
      },
      index: (p) => p.partitionIndex,
      item(key, p) {
        const item: ListOffsetsItem = { key, timestamp: p.timestamp, isolationLevel };
        if (legacy) item.maxNumOffsets = p.maxNumOffsets;
        return item;
      },
      task: (items) => ({ op: 'listOffsets', items }),
    });
    return {
      throttleTimeMs: 0,
      topics: topics.map((t, ti) => ({
        name: t.name,
        partitions: t.partitions.map((p, pi) => {
          const r = results[ti]![pi]!;
          return {
            partitionIndex: p.partitionIndex, errorCode: r.errorCode, oldStyleOffsets: r.oldStyleOffsets ?? [],
            timestamp: r.timestamp, offset: r.offset, leaderEpoch: r.errorCode === ErrorCode.NONE ? LEADER_EPOCH : -1,
          };
        }),
      })),
    };
  },
});
