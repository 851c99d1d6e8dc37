// For handlers whose request names partitions by topic and index and whose answer for each comes
// from the partition's shard: the known partitions go to their shards (one task per shard), the
// others get an answer of their own; the results come back in the request's shape.
import type { TopicInfo } from '../../cluster/topics.js';
import { partitionKey } from '../../workers/pool.js';
import type { ItemOp, ItemResult, PartitionKey, ShardTask } from '../../workers/messages.js';
import type { PartitionOwners, TopicCatalog } from '../context.js';

/** What asking the partitions needs of the request's context. */
export interface PartitionsAsked {
  readonly topics: Pick<TopicCatalog, 'get'>;
  readonly partitions: Pick<PartitionOwners, 'scatter' | 'shardFor'>;
}

/** How to ask for the partitions of a request whose topics are T, each listing partitions P, as items I of shard task K (answered with K's op's results). */
export interface PartitionTasks<T, P, I, K extends ShardTask<ItemOp>> {
  /** The topic's name, and the partitions it asks about, in the request's order. */
  name(topic: T): string;
  partitions(topic: T): readonly P[];
  /** An answer without asking the shard (unknown topic or partition, a bad argument), or null to ask it. */
  early(topic: TopicInfo | undefined, partition: P): ItemResult<K['op']> | null;
  index(partition: P): number;
  item(key: PartitionKey, partition: P): I;
  task(items: I[]): K;
}

/** The answers, by topic and partition in the request's order. */
export async function askPartitions<T, P, I, K extends ShardTask<ItemOp>>(
  ctx: PartitionsAsked, topics: readonly T[], spec: PartitionTasks<T, P, I, K>,
): Promise<ItemResult<K['op']>[][]> {
  const items: { item: I; shard: number }[] = [];
  const answers: (ItemResult<K['op']> | number)[][] = topics.map((t) => {
    const name = spec.name(t);
    const topic = ctx.topics.get(name);
    return spec.partitions(t).map((p) => {
      const early = spec.early(topic, p);
      if (early !== null) return early;
      const index = spec.index(p);
      items.push({ item: spec.item(partitionKey(name, index), p), shard: ctx.partitions.shardFor(name, index) });
      return items.length - 1;
    });
  });
  const results = await ctx.partitions.scatter(items, (i) => i.shard, (list) => spec.task(list.map((i) => i.item)));
  return answers.map((ps) => ps.map((a) => (typeof a === 'number' ? results[a]! : a)));
}

export { hasPartition } from '../../cluster/topics.js';
