// The main thread's handle on the shard workers: one single-thread Piscina pool per shard, so
// that every partition has exactly one owning thread (Piscina has no affinity of its own).
// Routes each partition to its shard, splits a request's items by shard and gathers the answers
// back into request order. Every task and answer is typed by its op (messages.ts, ShardOps), and
// every append a task reports (produce, transaction markers) goes to one listener: the broker wakes
// the waiting fetches from there, so no writer has to remember to.
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { ErrorCode } from '../protocol/errors.js';
import type { ItemOp, ItemResult, PartitionKey, QueuedOp, ShardOp, ShardResult, ShardTask } from './messages.js';
import { createRingMemory, RingView } from './shared-ring.js';

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

/** A task waiting for its shard, and how to answer it. */
interface Queued { task: ShardTask<QueuedOp>; resolve: (value: ShardResult<QueuedOp>) => void; reject: (err: unknown) => void }

/** An append a task reported: the partition, and the bytes appended to it (0: a retried batch already there). */
export type AppendListener = (key: PartitionKey, bytes: number) => void;

/** Piscina's run, typed by the op: the worker's dispatch (shard.ts) answers each op's result. */
function runOn<Op extends ShardOp>(pool: Piscina, task: ShardTask<Op>): Promise<ShardResult<Op>> {
  return pool.run(task);
}

/** The appends a task reports: item i of a produce or writeTxnMarkers went to its key, unless its result is an error. */
function reportAppends(task: ShardTask<QueuedOp>, results: ShardResult<QueuedOp>, listener: AppendListener): void {
  if (task.op !== 'produce' && task.op !== 'writeTxnMarkers') return;
  // the answer to a task is its op's result (see run)
  const answers = results as ShardResult<typeof task.op>;
  for (let i = 0; i < answers.length; i++) {
    const r = answers[i]!;
    if (r.errorCode === ErrorCode.NONE) listener(task.items[i]!.key, r.bytes);
  }
}

export class ShardPool {
  private readonly shards: Piscina[];
  /** Each shard's fetch read arena, as the main thread sees it. */
  readonly arenas: RingView[];
  /** Per shard: whether a task is out on its worker, and the tasks that came in meanwhile. */
  private readonly busy: boolean[];
  private readonly queues: Queued[][];
  /** Per shard, tasks given to it and not yet finished (the one running included), for /metrics. */
  readonly queueDepth: number[];
  private appendListener: AppendListener | null = null;

  constructor(readonly size: number) {
    const arenas = Array.from({ length: size }, () => createRingMemory());
    this.arenas = arenas.map((memory) => new RingView(memory));
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
      workerData: { shard: i, arena: arenas[i] },
    }));
    this.busy = this.shards.map(() => false);
    this.queues = this.shards.map(() => []);
    this.queueDepth = this.shards.map(() => 0);
  }

  shardFor(topic: string, partition: number): number {
    return shardOf(topic, partition, this.size);
  }

  /**
   * Runs a task on its shard after every task given to that shard before it. Piscina's own queue
   * does not keep that order (a task it could not hand out goes to the back), and a partition's
   * appends must happen in the order the requests arrived. So a shard has one task out at a time;
   * the tasks that arrive meanwhile go out together, as one batch run in arrival order, when it
   * comes back: under load, one round trip between the threads serves many requests.
   */
  run<T extends ShardTask<QueuedOp>>(shard: number, task: T): Promise<ShardResult<T['op']>> {
    this.queueDepth[shard]!++;
    return new Promise<ShardResult<T['op']>>((resolve, reject) => {
      // the worker answers a task with its op's result (shard.ts's table is checked to); a queue of
      // tasks of every op cannot say which is which, so the answer is taken as T's here
      this.queues[shard]!.push({ task, resolve: resolve as (value: ShardResult<QueuedOp>) => void, reject });
      if (!this.busy[shard]) this.next(shard);
    });
  }

  /** The one listener for every append a task reports (the broker wakes waiting fetches with it). */
  onAppend(listener: AppendListener): void {
    this.appendListener = listener;
  }

  private answer(q: Queued, value: ShardResult<QueuedOp>): void {
    if (this.appendListener !== null) reportAppends(q.task, value, this.appendListener);
    q.resolve(value);
  }

  private next(shard: number): void {
    const queued = this.queues[shard]!;
    if (queued.length === 0) {
      this.busy[shard] = false;
      return;
    }
    this.busy[shard] = true;
    this.queues[shard] = [];
    const pool = this.shards[shard]!;
    const settle = (): void => this.next(shard);
    const done = (n: number): void => { this.queueDepth[shard]! -= n; };
    if (queued.length === 1) {
      const [one] = queued;
      runOn(pool, one!.task).then((value) => this.answer(one!, value), one!.reject).finally(() => { done(1); settle(); });
      return;
    }
    runOn(pool, { op: 'batch', tasks: queued.map((q) => q.task) }).then((answers) => {
      answers.forEach((a, i) => (a.ok ? this.answer(queued[i]!, a.value) : queued[i]!.reject(new Error(a.error))));
    }, (err: unknown) => {
      for (const q of queued) q.reject(err);
    }).finally(() => { done(queued.length); settle(); });
  }

  /**
   * Runs one task per shard over the items that belong to it (makeTask builds it from them);
   * answers the op's result per item, in the items' order.
   */
  async scatter<T extends ShardTask<ItemOp>, I>(items: I[], shardOfItem: (item: I, index: number) => number, makeTask: (items: I[]) => T): Promise<ItemResult<T['op']>[]> {
    const byShard = new Map<number, number[]>();
    for (let i = 0; i < items.length; i++) {
      const s = shardOfItem(items[i]!, i);
      let list = byShard.get(s);
      if (list === undefined) byShard.set(s, list = []);
      list.push(i);
    }
    const out = new Array<ItemResult<T['op']>>(items.length);
    await Promise.all([...byShard].map(async ([shard, indexes]) => {
      const results: readonly ItemResult<T['op']>[] = await this.run(shard, makeTask(indexes.map((i) => items[i]!)));
      for (let j = 0; j < indexes.length; j++) out[indexes[j]!] = results[j]!;
    }));
    return out;
  }

  /** Sends the same task to every shard and gathers the answers. */
  broadcast<T extends ShardTask<QueuedOp>>(task: T): Promise<ShardResult<T['op']>[]> {
    return Promise.all(this.shards.map((_, i) => this.run(i, task)));
  }

  /** Closes every log and the workers; answers the log dirs where a log was not closed cleanly. */
  async close(): Promise<Set<string>> {
    const unclean = await this.broadcast({ op: 'close' });
    await Promise.all(this.shards.map((p) => p.destroy()));
    return new Set(unclean.flat());
  }
}

export function partitionKey(topic: string, partition: number): PartitionKey {
  return `${topic}-${partition}`;
}
