// For handlers whose request names partitions by topic and index and whose answer for each comes
// from the partition's shard: the known partitions go to their shards (one task per shard), the
// others get an answer of their own; the results come back in the request's shape.
import type { TopicInfo } from '../../cluster/topics.js';
import { partitionKey } from '../../workers/pool.js';
import type { ItemOp, ItemResult, PartitionKey, ShardTask } from '../../workers/messages.js';
import type { RequestContext } from '../dispatcher.js';

/** P: a partition as the request names it; I: its item in the shard task T; the answers are T's op's results. */
export interface PartitionTasks<P, I, T extends ShardTask<ItemOp>> {
  /** An answer without asking the shard (unknown topic or partition, a bad argument), or null to ask it. */
  early(topic: TopicInfo | undefined, partition: P): ItemResult<T['op']> | null;
  index(partition: P): number;
  item(key: PartitionKey, partition: P): I;
  task(items: I[]): T;
}

export async function askPartitions<P, I, T extends ShardTask<ItemOp>>(
  ctx: RequestContext, topics: { name: string; partitions: P[] }[], spec: PartitionTasks<P, I, T>,
): Promise<ItemResult<T['op']>[][]> {
  const items: { item: I; shard: number }[] = [];
  const answers: (ItemResult<T['op']> | number)[][] = topics.map((t) => {
    const topic = ctx.topics.get(t.name);
    return t.partitions.map((p) => {
      const early = spec.early(topic, p);
      if (early !== null) return early;
      const index = spec.index(p);
      items.push({ item: spec.item(partitionKey(t.name, index), p), shard: ctx.partitions.shardFor(t.name, index) });
      return items.length - 1;
    });
  });
  const results = await ctx.partitions.scatter(items, (i) => i.shard, (list) => spec.task(list.map((i) => i.item)));
  return answers.map((ps) => ps.map((a) => (typeof a === 'number' ? results[a]! : a)));
}

/** Whether the topic exists and has the partition. */
export function hasPartition(topic: TopicInfo | undefined, partition: number): topic is TopicInfo {
  return topic !== undefined && partition >= 0 && partition < topic.partitions;
}
