// The main thread's handle on the shard workers: one single-thread Piscina pool per shard, so
// that every partition has exactly one owning thread (Piscina has no affinity of its own).
// Routes each partition to its shard, splits a request's items by shard and gathers the answers
// back into request order.
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { PartitionKey, ShardTask } from './messages.js';

const SHARD_FILE = fileURLToPath(new URL('./shard.js', import.meta.url));

/** FNV-1a over the topic name, plus the partition: partitions of one topic spread over the shards. */
export function shardOf(topic: string, partition: number, shards: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < topic.length; i++) {
    h ^= topic.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return ((h >>> 0) + partition) % shards;
}

export class ShardPool {
  private readonly shards: Piscina[];
  /** Each shard's last task: the next one starts after it, so tasks run in the order they came. */
  private readonly tails: Promise<unknown>[];
  /** Per shard, tasks given to it and not yet finished (the one running included), for /metrics. */
  readonly queueDepth: number[];
  /** Per shard: a task finished (its depth goes down; failures are the caller's to see). */
  private readonly settled: (() => undefined)[];

  constructor(readonly size: number) {
    this.shards = Array.from({ length: size }, (_, i) => new Piscina({
      filename: SHARD_FILE,
      name: 'default',
      minThreads: 1,
      maxThreads: 1,
      idleTimeout: Number.POSITIVE_INFINITY,
      // Appends and reads are synchronous; one task at a time keeps a partition's writes ordered.
      concurrentTasksPerWorker: 1,
      // The worker must keep an event loop of its own, not spin in Atomics.wait.
      atomics: 'disabled',
      // Bounded upstream: per-connection in-flight limits pause reading before queues grow.
      maxQueue: Number.POSITIVE_INFINITY,
      workerData: { shard: i },
    }));
    this.tails = this.shards.map(() => Promise.resolve());
    this.queueDepth = this.shards.map(() => 0);
    this.settled = this.shards.map((_, i) => () => {
      this.queueDepth[i]!--;
      return undefined;
    });
  }

  shardFor(topic: string, partition: number): number {
    return shardOf(topic, partition, this.size);
  }

  /**
   * Runs a task on its shard after every task given to that shard before it. Piscina's own queue
   * does not keep that order (a task it could not hand out goes to the back), and a partition's
   * appends must happen in the order the requests arrived.
   */
  run<T>(shard: number, task: ShardTask): Promise<T> {
    const pool = this.shards[shard]!;
    this.queueDepth[shard]!++;
    const result = this.tails[shard]!.then(() => pool.run(task) as Promise<T>);
    this.tails[shard] = result.then(this.settled[shard], this.settled[shard]);
    return result;
  }

  /** Runs one task per shard over the items that belong to it; answers in the items' order. */
  async scatter<I, R>(items: I[], shardOfItem: (item: I, index: number) => number, makeTask: (items: I[]) => ShardTask): Promise<R[]> {
    const byShard = new Map<number, number[]>();
    for (let i = 0; i < items.length; i++) {
      const s = shardOfItem(items[i]!, i);
      let list = byShard.get(s);
      if (list === undefined) byShard.set(s, list = []);
      list.push(i);
    }
    const out = new Array<R>(items.length);
    await Promise.all([...byShard].map(async ([shard, indexes]) => {
      const results = await this.run<R[]>(shard, makeTask(indexes.map((i) => items[i]!)));
      for (let j = 0; j < indexes.length; j++) out[indexes[j]!] = results[j]!;
    }));
    return out;
  }

  /** Sends the same task to every shard and gathers the answers. */
  broadcast<R>(task: ShardTask): Promise<R[]> {
    return Promise.all(this.shards.map((_, i) => this.run<R>(i, task)));
  }

  async close(): Promise<void> {
    await this.broadcast({ op: 'close' });
    await Promise.all(this.shards.map((p) => p.destroy()));
  }
}

export function partitionKey(topic: string, partition: number): PartitionKey {
  return `${topic}-${partition}`;
}
