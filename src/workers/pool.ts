// The main thread's handle on the shard workers: one single-thread Piscina pool per shard, so
// that every partition has exactly one owning thread (Piscina has no affinity of its own).
// Routes each partition to its shard, splits a request's items by shard and gathers the answers
// back into request order. Every task and answer is typed by its op (messages.ts, ShardOps), and
// every append a task reports (produce, transaction markers) goes to one listener: the broker wakes
// the waiting fetches from there, so no writer has to remember to.
// Piscina starts each worker and hands it a MessagePort of its own (the attach task); every task
// after that crosses on that port, without Piscina's per-task envelope: one message per round trip
// holds every task that queued for the shard meanwhile, and shared memory the worker already holds
// (the frame ring, share()) is named by a number instead of crossing again with every task.
import { fileURLToPath } from 'node:url';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { ErrorCode } from '../protocol/errors.js';
import type { BatchAnswer, ItemOp, ItemResult, PartitionKey, QueuedOp, ShardMessage, ShardOp, ShardResult, ShardTask, SharedMemoryId } from './messages.js';
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

/**
 * Ops that can run long (opening and recovering logs, compaction, retention, closing): each ends
 * its round trip, so that neither the answers before it nor a long start-up's progress (one answer
 * per chunk of partitions opened) wait for all of them.
 */
const LONG_OPS: ReadonlySet<ShardOp> = new Set<ShardOp>(['open', 'compact', 'retention', 'close']);

/** A task waiting for its shard, and how to answer it. */
interface Queued { task: ShardTask<QueuedOp>; resolve: (value: ShardResult<QueuedOp>) => void; reject: (err: unknown) => void }

/** An append a task reports: the partition, and the bytes appended to it (0: a retried batch already there). */
export type AppendListener = (key: PartitionKey, bytes: number) => void;

/** Piscina's run, typed by the op: the worker's dispatch (shard.ts) answers each op's result. */
function runOn<Op extends ShardOp>(pool: Piscina, task: ShardTask<Op>, transferList?: MessagePort[]): Promise<ShardResult<Op>> {
  return pool.run(task, transferList === undefined ? undefined : { transferList });
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
  /** Each shard's port: tasks go out on it, answers come back on it. */
  private readonly ports: MessagePort[];
  /** Each shard's fetch read arena, as the main thread sees it. */
  readonly arenas: RingView[];
  /** Per shard: whether tasks are out on its worker (or its port is not attached yet), the tasks that came in meanwhile, and the ones out. */
  private readonly busy: boolean[];
  private readonly queues: Queued[][];
  private readonly out: Queued[][];
  /** Per shard, why it cannot take tasks (its worker failed to start or exited); null while it can. */
  private readonly failed: (Error | null)[];
  /** Shared memory every worker holds (share()), and the number tasks name it with. */
  private readonly shared = new Map<SharedArrayBuffer, SharedMemoryId>();
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
      // One task, the attach; everything after it comes on the worker's port.
      concurrentTasksPerWorker: 1,
      // The worker must keep an event loop of its own, not spin in Atomics.wait.
      atomics: 'disabled',
      maxQueue: Number.POSITIVE_INFINITY,
      workerData: { shard: i, arena: arenas[i] },
    }));
    // Busy until attached: what comes before waits in the queue.
    this.busy = this.shards.map(() => true);
    this.queues = this.shards.map(() => []);
    this.out = this.shards.map(() => []);
    this.failed = this.shards.map(() => null);
    this.queueDepth = this.shards.map(() => 0);
    this.ports = this.shards.map((pool, shard) => {
      const { port1, port2 } = new MessageChannel();
      port1.on('message', (answers: BatchAnswer[]) => this.onAnswers(shard, answers));
      // a worker that exits closes its end: what was out on it will not be answered
      port1.on('close', () => this.fail(shard, new Error(`shard ${shard}: its worker is gone`)));
      // idle ports keep nothing alive; a round trip out refs it (next)
      port1.unref();
      runOn(pool, { op: 'attach', port: port2 }, [port2]).then(() => {
        this.busy[shard] = false;
        this.next(shard);
      }, (err: unknown) => this.fail(shard, err instanceof Error ? err : new Error(String(err))));
      return port1;
    });
  }

  shardFor(topic: string, partition: number): number {
    return shardOf(topic, partition, this.size);
  }

  /**
   * Shared memory that every worker keeps from now on (the frame ring): produce tasks whose frames
   * lie in it name it by a number instead of carrying it, which costs a new SharedArrayBuffer
   * object on the worker per task. Shares memory that lives as long as the pool does.
   */
  share(sab: SharedArrayBuffer): void {
    if (this.shared.has(sab)) return;
    const id = this.shared.size + 1;
    this.shared.set(sab, id);
    for (let shard = 0; shard < this.size; shard++) void this.run(shard, { op: 'share', id, sab });
  }

  /**
   * Runs a task on its shard after every task given to that shard before it: a partition's appends
   * happen in the order the requests arrived. A shard has one round trip out at a time; the tasks
   * that arrive meanwhile go out together, in one message, when it comes back: under load, one
   * round trip between the threads serves many requests.
   */
  run<T extends ShardTask<QueuedOp>>(shard: number, task: T): Promise<ShardResult<T['op']>> {
    const failed = this.failed[shard];
    if (failed !== null) return Promise.reject(failed);
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

  /** A task as it crosses: a produce task's frame memory by its number when the worker holds it. */
  private wire(task: ShardTask<QueuedOp>): ShardTask<QueuedOp> {
    if (task.op !== 'produce' || typeof task.sab === 'number') return task;
    const id = this.shared.get(task.sab);
    return id === undefined ? task : { op: 'produce', sab: id, items: task.items };
  }

  private next(shard: number): void {
    const queued = this.queues[shard]!;
    const port = this.ports[shard]!;
    if (queued.length === 0 || this.failed[shard] !== null) {
      this.busy[shard] = false;
      port.unref();
      return;
    }
    this.busy[shard] = true;
    // a long task ends its round trip: what follows waits for the next one
    const end = queued.findIndex((q) => LONG_OPS.has(q.task.op));
    const sending = end < 0 || end === queued.length - 1 ? queued : queued.slice(0, end + 1);
    this.queues[shard] = sending === queued ? [] : queued.slice(end + 1);
    this.out[shard] = sending;
    const message: ShardMessage = sending.map((q) => this.wire(q.task));
    port.ref();
    try {
      port.postMessage(message);
    } catch (err) {
      // a task that cannot be cloned: the round trip fails, and the shard goes on
      this.out[shard] = [];
      this.queueDepth[shard]! -= sending.length;
      for (const q of sending) q.reject(err);
      this.next(shard);
    }
  }

  private onAnswers(shard: number, answers: BatchAnswer[]): void {
    const out = this.out[shard]!;
    this.out[shard] = [];
    this.queueDepth[shard]! -= out.length;
    for (let i = 0; i < out.length; i++) {
      const a = answers[i];
      if (a === undefined) out[i]!.reject(new Error(`shard ${shard} answered ${answers.length} of ${out.length} tasks`));
      else if (a.ok) this.answer(out[i]!, a.value);
      else out[i]!.reject(new Error(a.error));
    }
    this.next(shard);
  }

  /** The shard takes no more tasks: those out and queued fail with `err`. */
  private fail(shard: number, err: Error): void {
    if (this.failed[shard] !== null) return;
    this.failed[shard] = err;
    const pending = [...this.out[shard]!, ...this.queues[shard]!];
    this.out[shard] = [];
    this.queues[shard] = [];
    this.queueDepth[shard]! -= pending.length;
    for (const q of pending) q.reject(err);
    this.busy[shard] = false;
    this.ports[shard]?.unref();
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
    for (let shard = 0; shard < this.size; shard++) this.fail(shard, new Error(`shard ${shard} is closed`));
    for (const port of this.ports) port.close();
    await Promise.all(this.shards.map((p) => p.destroy()));
    return new Set(unclean.flat());
  }
}

export function partitionKey(topic: string, partition: number): PartitionKey {
  return `${topic}-${partition}`;
}
