// DescribeProducers (61), version 0: the producers each partition keeps state for (producer id,
// epoch, last sequence and timestamp, coordinator epoch, the start offset of its ongoing
// transaction), as the partition's shard holds them (src/storage/producer-state.ts).
import { ErrorCode } from '../../protocol/errors.js';
import type { DescribeProducersResult } from '../../workers/messages.js';
import { handler, type ResponseOf } from '../dispatcher.js';
import { askPartitions, hasPartition } from './partition-tasks.js';

const UNKNOWN: DescribeProducersResult = { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, activeProducers: [] };

export const describeProducers = handler('DescribeProducers', {
  minVersion: 0,
  maxVersion: 0,
  async handle(ctx, req): Promise<ResponseOf<'DescribeProducers'>> {
    const { topics } = req;
    const results = await askPartitions(ctx, topics, {
      name: (t) => t.name,
      partitions: (t) => t.partitionIndexes,
      early: (topic, p) => (hasPartition(topic, p) ? null : UNKNOWN),
      index: (p) => p,
      item: (key) => key,
      task: (keys) => ({ op: 'describeProducers', keys }),
    });
    return {
      throttleTimeMs: 0,
      topics: topics.map((t, ti) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((partitionIndex, pi) => {
          const r = results[ti]![pi]!;
          return { partitionIndex, errorCode: r.errorCode, errorMessage: null, activeProducers: r.activeProducers };
        }),
      })),
    };
  },
});
