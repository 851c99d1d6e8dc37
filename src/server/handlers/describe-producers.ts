// DescribeProducers (61), version 0: the producers each partition keeps state for (producer id,
// epoch, last sequence and timestamp, coordinator epoch, the start offset of its ongoing
// transaction), as the partition's shard holds them (src/storage/producer-state.ts).
import { ErrorCode } from '../../protocol/errors.js';
import { ApiKey } from '../../protocol/messages/index.js';
import { partitionKey } from '../../workers/pool.js';
import type { DescribeProducersResult } from '../../workers/messages.js';
import type { ApiHandler } from '../dispatcher.js';

interface RequestTopic { name: string; partitionIndexes: number[] }

export const describeProducers: ApiHandler = {
  apiKey: ApiKey.DescribeProducers,
  minVersion: 0,
  maxVersion: 0,
  async handle(ctx, req) {
    const topics = req.topics as RequestTopic[];
    const wanted: { key: string; shard: number }[] = [];
    const slots: number[][] = topics.map((t) => {
      const topic = ctx.topics.get(t.name);
      return t.partitionIndexes.map((p) => {
        if (topic === undefined || p < 0 || p >= topic.partitions) return -1;
        wanted.push({ key: partitionKey(t.name, p), shard: ctx.partitions.shardFor(t.name, p) });
        return wanted.length - 1;
      });
    });
    const results = await ctx.partitions.scatter(
      wanted, (w) => w.shard, (list) => ({ op: 'describeProducers', keys: list.map((w) => w.key) }),
    );
    return {
      throttleTimeMs: 0,
      topics: topics.map((t, ti) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((partitionIndex, pi) => {
          const slot = slots[ti]![pi]!;
          const r: DescribeProducersResult = slot < 0 ? { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, activeProducers: [] } : results[slot]!;
          return { partitionIndex, errorCode: r.errorCode, errorMessage: null, activeProducers: r.activeProducers };
        }),
      })),
    };
  },
};
