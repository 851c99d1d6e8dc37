// DeleteRecords (21), versions 0-2: moves each partition's log start offset up to the offset given
// (-1: the high watermark), made durable in the partition's log-start-offset-checkpoint before the
// answer, and deletes the segments wholly below it; the answer's low watermark is the new log start
// offset. Fetches below it then get OFFSET_OUT_OF_RANGE. Offsets past the high watermark (or below
// -1) are OFFSET_OUT_OF_RANGE; the coordinators' internal topics are not for deleting from.
import { ErrorCode } from '../../protocol/errors.js';
import type { DeleteRecordsResult } from '../../workers/messages.js';
import { handler, type ResponseOf } from '../dispatcher.js';
import { askPartitions, hasPartition } from './partition-tasks.js';

const fail = (errorCode: number): DeleteRecordsResult => ({ errorCode, lowWatermark: -1 });

export const deleteRecords = handler('DeleteRecords', {
  minVersion: 0,
  maxVersion: 2,
  async handle(ctx, req): Promise<ResponseOf<'DeleteRecords'>> {
    const { topics } = req;
    const results = await askPartitions(ctx, topics, {
      name: (t) => t.name,
      partitions: (t) => t.partitions,
      early(topic, p) {
        if (!hasPartition(topic, p.partitionIndex)) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        if (topic.internal) return fail(ErrorCode.INVALID_TOPIC_EXCEPTION);
        return p.offset < -1 ? fail(ErrorCode.OFFSET_OUT_OF_RANGE) : null;
      },
      index: (p) => p.partitionIndex,
      item: (key, p) => ({ key, offset: p.offset }),
      task: (items) => ({ op: 'deleteRecords', items }),
    });
    topics.forEach((t, ti) => t.partitions.forEach((p, pi) => {
      const r = results[ti]![pi]!;
      if (r.errorCode === ErrorCode.NONE) ctx.conn.log.info({ topic: t.name, partition: p.partitionIndex, logStartOffset: r.lowWatermark }, 'records deleted');
    }));
    return {
      throttleTimeMs: 0,
      topics: topics.map((t, ti) => ({
        name: t.name,
        partitions: t.partitions.map((p, pi) => ({ partitionIndex: p.partitionIndex, ...results[ti]![pi]! })),
      })),
    };
  },
});
