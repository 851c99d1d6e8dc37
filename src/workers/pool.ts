// The main thread's handle on the shard workers: one single-thread Piscina pool per shard, so
// that every partition has exactly one owning thread (Piscina has no affinity of its own).
// Routes each partition to its shard, splits a request's items by shard and gathers the answers
// back into request order. Every task and answer is typed by its op (messages.ts, ShardOps), and
// every append a task reports (produce, transaction markers) goes to one listener: the broker wakes
// the waiting fetches from there, so no writer has to remember to.
// Piscina starts each worker and hands it a MessagePort of its own (the attach task); every task
// after that crosses on that port (links.ts), without Piscina's per-task envelope: one message per
// round trip holds every task that queued for the shard meanwhile, and shared memory the worker
// already holds (the frame ring, share()) is named by a number instead of crossing again with every
// task. Network threads get ports of their own to every shard the same way (link()).
import { fileURLToPath } from 'node:url';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { ItemOp, ItemResult, PartitionKey, QueuedOp, ShardOp, ShardResult, ShardTask } from './messages.js';
import { ShardLinks, type AppendListener } from './links.js';
import { createRingMemory, RingView, type RingMemory } from './shared-ring.js';
import type { NetworkThreadData } from '../network/messages.js';

export type { AppendListener } from './links.js';

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

/** Piscina's run, typed by the op: the worker's dispatch (shard.ts) answers each op's result. */
function runOn<Op extends ShardOp>(pool: Piscina, task: ShardTask<Op>, transferList?: MessagePort[]): Promise<ShardResult<Op>> {
  return pool.run(task, transferList === undefined ? undefined : { transferList });
}

export class ShardPool {
  private readonly shards: Piscina[];
  /** The main thread's port to each shard, and the round trips on them. */
  private readonly links: ShardLinks;
  /** Each shard's fetch read arena, as the main thread sees it. */
  readonly arenas: RingView[];
  /** Each shard's arena memory, for the other threads that read fetches (network threads). */
  readonly arenaMemory: RingMemory[];

  constructor(readonly size: number) {
    this.arenaMemory = Array.from({ length: size }, () => createRingMemory());
    this.arenas = this.arenaMemory.map((memory) => new RingView(memory));
    this.shards = Array.from({ length: size }, (_, i) => new Piscina({
      filename: SHARD_FILE,
      name: 'default',
      minThreads: 1,
      maxThreads: 1,
      idleTimeout: Number.POSITIVE_INFINITY,
      // Few tasks, the attaching of ports; everything after them comes on a port.
      concurrentTasksPerWorker: 1,
      // The worker must keep an event loop of its own, not spin in Atomics.wait.
      atomics: 'disabled',
      maxQueue: Number.POSITIVE_INFINITY,
      workerData: { shard: i, arena: this.arenaMemory[i] },
    }));
    const channels = this.shards.map(() => new MessageChannel());
    // Busy until attached: what comes before waits in the queue.
    this.links = new ShardLinks(channels.map((c) => c.port1));
    this.shards.forEach((pool, shard) => {
      const port = channels[shard]!.port2;
      runOn(pool, { op: 'attach', port }, [port]).then(
        () => this.links.attached(shard),
        (err: unknown) => this.links.fail(shard, err instanceof Error ? err : new Error(String(err))),
      );
    });
  }

  /** Per shard, tasks given to it and not yet finished (the one running included), for /metrics. */
  get queueDepth(): number[] {
    return this.links.queueDepth;
  }

  shardFor(topic: string, partition: number): number {
    return shardOf(topic, partition, this.size);
  }

  /**
   * A port of another thread's to every shard (a network thread's), one per shard in shard order
   * (null: a shard left out, the one that thread runs on): each shard takes tasks on it from then
   * on. `waiting`: an Int32 that thread keeps above 0 while fetches of its may wait; meanwhile the
   * shard tells it of the appends other threads make.
   */
  async link(ports: (MessagePort | null)[], waiting: SharedArrayBuffer): Promise<void> {
    await Promise.all(this.shards.map((pool, shard) => {
      const port = ports[shard];
      return port == null ? undefined : runOn(pool, { op: 'attach', port, waiting }, [port]);
    }));
  }

  /**
   * The shard's worker serves connections too, as a network thread (see ShardOps.serve): `port` is
   * its line to the main thread. Resolves once the worker has taken it (it says "ready" on the port).
   */
  async serve(shard: number, data: NetworkThreadData, port: MessagePort): Promise<void> {
    const transfer = [port, ...data.shardPorts.filter((p): p is MessagePort => p !== null)];
    await runOn(this.shards[shard]!, { op: 'serve', data, port }, transfer);
  }

  /** Shared memory every shard keeps from now on (the frame ring); see ShardLinks.share. */
  share(sab: SharedArrayBuffer): void {
    this.links.share(sab);
  }

  /** Runs a task on its shard after every task the main thread gave that shard before it. */
  run<T extends ShardTask<QueuedOp>>(shard: number, task: T): Promise<ShardResult<T['op']>> {
    return this.links.run(shard, task);
  }

  /** The one listener for every append the main thread's tasks report (the broker wakes waiting fetches with it). */
  onAppend(listener: AppendListener): void {
    this.links.onAppend(listener);
  }

  /** See ShardLinks.scatter. */
  scatter<T extends ShardTask<ItemOp>, I>(items: I[], shardOfItem: (item: I, index: number) => number, makeTask: (items: I[]) => T): Promise<ItemResult<T['op']>[]> {
    return this.links.scatter(items, shardOfItem, makeTask);
  }

  /** Sends the same task to every shard and gathers the answers. */
  broadcast<T extends ShardTask<QueuedOp>>(task: T): Promise<ShardResult<T['op']>[]> {
    return this.links.broadcast(task);
  }

  /** Closes every log and the workers; answers the log dirs where a log was not closed cleanly. */
  async close(): Promise<Set<string>> {
    const unclean = await this.broadcast({ op: 'close' });
    this.links.close();
    await Promise.all(this.shards.map((p) => p.destroy()));
    return new Set(unclean.flat());
  }
}

export function partitionKey(topic: string, partition: number): PartitionKey {
  return `${topic}-${partition}`;
}
