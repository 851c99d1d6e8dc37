// The requesting side of the shard workers' ports, for whichever thread sends them tasks: the main
// thread (ShardPool, over the port Piscina handed each worker) and each network thread (over ports
// of its own, src/network/). One ShardLink per shard: a partition's tasks run in the order they were
// given, and a shard has one round trip out at a time; the tasks that arrive meanwhile go out
// together, in one message, when it comes back: under load, one round trip serves many requests.
// Every append a task reports (produce, transaction markers) goes to one listener, and so do the
// appends other threads made that the shard tells this one of while its fetches may wait (the
// `waiting` counter it shares with the shard, see shard.ts): the thread's purgatory wakes from there.
// On a shard worker that serves connections itself, its own shard is a LocalShard: its tasks run
// in the thread, at once, with no crossing.
import type { MessagePort } from 'node:worker_threads';
import { ErrorCode } from '../protocol/errors.js';
import type { AppendNotice, BatchAnswer, ItemOp, ItemResult, PartitionKey, QueuedOp, ShardMessage, ShardOp, ShardResult, ShardTask, SharedMemoryId } from './messages.js';

/**
 * Ops that can run long (opening and recovering logs, compaction, retention, closing): each ends
 * its round trip, so that neither the answers before it nor a long start-up's progress (one answer
 * per chunk of partitions opened) wait for all of them.
 */
const LONG_OPS: ReadonlySet<ShardOp> = new Set<ShardOp>(['open', 'compact', 'retention', 'close']);

/** A task waiting for its shard, and how to answer it. */
interface Queued { task: ShardTask<QueuedOp>; resolve: (value: ShardResult<QueuedOp>) => void; reject: (err: unknown) => void }

/** An append: the partition, and the bytes appended to it (0: a retried batch already there). */
export type AppendListener = (key: PartitionKey, bytes: number) => void;

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

/** The shard of the thread that sends the tasks (a shard worker serving connections): tasks run here, at once. */
export interface LocalShard {
  /** Runs one task now and answers as a round trip would. */
  run(task: ShardTask<QueuedOp>): BatchAnswer;
  /** `deliver` hears of the appends other threads make while this thread's fetches may wait. */
  listen(deliver: (notice: AppendNotice) => void): void;
}

/** A shard's tasks run in this very thread (LocalShard). */
class LocalLink {
  failed: Error | null = null;
  depth = 0;

  constructor(private readonly local: LocalShard, private readonly links: ShardLinks) {
    local.listen((notice) => {
      for (const [key, bytes] of notice.appended) links.appended(key, bytes);
    });
  }

  attached(): void {}

  run(task: ShardTask<QueuedOp>): Promise<ShardResult<QueuedOp>> {
    if (this.failed !== null) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      const a = this.local.run(this.links.wire(task));
      if (a.ok) this.links.answer({ task, resolve, reject }, a.value);
      else reject(new Error(a.error));
    });
  }

  fail(err: Error): void {
    this.failed ??= err;
  }

  close(): void {}
}

/** One port to one shard worker, and the round trips on it. */
class ShardLink {
  /** Tasks are out (or the port is not attached yet): what comes in meanwhile queues. */
  private busy = true;
  private queue: Queued[] = [];
  private out: Queued[] = [];
  /** Why the shard cannot take tasks (its worker failed to start or exited); null while it can. */
  failed: Error | null = null;
  /** Tasks given and not yet finished (the ones out included), for /metrics. */
  depth = 0;

  constructor(private readonly shard: number, private readonly port: MessagePort, private readonly links: ShardLinks) {
    port.on('message', (message: BatchAnswer[] | AppendNotice) => {
      if (Array.isArray(message)) this.onAnswers(message);
      else for (const [key, bytes] of message.appended) links.appended(key, bytes);
    });
    // a worker that exits closes its end: what was out on it will not be answered
    port.on('close', () => this.fail(new Error(`shard ${shard}: its worker is gone`)));
    // idle ports keep nothing alive; a round trip out refs it (next)
    port.unref();
  }

  /** The shard holds the port now: tasks may go out. */
  attached(): void {
    this.busy = false;
    this.next();
  }

  run(task: ShardTask<QueuedOp>): Promise<ShardResult<QueuedOp>> {
    if (this.failed !== null) return Promise.reject(this.failed);
    this.depth++;
    return new Promise((resolve, reject) => {
      this.queue.push({ task, resolve, reject });
      if (!this.busy) this.next();
    });
  }

  private next(): void {
    const queued = this.queue;
    if (queued.length === 0 || this.failed !== null) {
      this.busy = false;
      this.port.unref();
      return;
    }
    this.busy = true;
    // a long task ends its round trip: what follows waits for the next one
    const end = queued.findIndex((q) => LONG_OPS.has(q.task.op));
    const sending = end < 0 || end === queued.length - 1 ? queued : queued.slice(0, end + 1);
    this.queue = sending === queued ? [] : queued.slice(end + 1);
    this.out = sending;
    const message: ShardMessage = sending.map((q) => this.links.wire(q.task));
    this.port.ref();
    try {
      this.port.postMessage(message);
    } catch (err) {
      // a task that cannot be cloned: the round trip fails, and the shard goes on
      this.out = [];
      this.depth -= sending.length;
      for (const q of sending) q.reject(err);
      this.next();
    }
  }

  private onAnswers(answers: BatchAnswer[]): void {
    const out = this.out;
    this.out = [];
    this.depth -= out.length;
    for (let i = 0; i < out.length; i++) {
      const a = answers[i];
      if (a === undefined) out[i]!.reject(new Error(`shard ${this.shard} answered ${answers.length} of ${out.length} tasks`));
      else if (a.ok) this.links.answer(out[i]!, a.value);
      else out[i]!.reject(new Error(a.error));
    }
    this.next();
  }

  /** The shard takes no more tasks: those out and queued fail with `err`. */
  fail(err: Error): void {
    if (this.failed !== null) return;
    this.failed = err;
    const pending = [...this.out, ...this.queue];
    this.out = [];
    this.queue = [];
    this.depth -= pending.length;
    for (const q of pending) q.reject(err);
    this.busy = false;
    this.port.unref();
  }

  close(): void {
    this.port.close();
  }
}

export class ShardLinks {
  private readonly links: (ShardLink | LocalLink)[];
  /** Shared memory every worker holds (share()), and the number tasks name it with. */
  private readonly shared = new Map<SharedArrayBuffer, SharedMemoryId>();
  private appendListener: AppendListener | null = null;

  /**
   * ports: one per shard, in shard order (a LocalShard for the thread's own). idBase: where this
   * side's numbers for shared memory start (each thread that shares memory with the shards
   * numbers it in a range of its own).
   */
  constructor(ports: readonly (MessagePort | LocalShard)[], private readonly idBase = 0) {
    this.links = ports.map((port, shard) => ('run' in port ? new LocalLink(port, this) : new ShardLink(shard, port, this)));
  }

  get size(): number {
    return this.links.length;
  }

  /** Per shard, tasks given to it and not yet finished, for /metrics. */
  get queueDepth(): number[] {
    return this.links.map((l) => l.depth);
  }

  /** The shard has attached its end of the port: the tasks that queued go out. */
  attached(shard: number): void {
    this.links[shard]!.attached();
  }

  /**
   * Shared memory that every worker keeps from now on (a frame ring): produce tasks whose frames
   * lie in it name it by a number instead of carrying it, which costs a new SharedArrayBuffer
   * object on the worker per task. Shares memory that lives as long as the links do.
   */
  share(sab: SharedArrayBuffer): void {
    if (this.shared.has(sab)) return;
    const id = this.idBase + this.shared.size + 1;
    this.shared.set(sab, id);
    for (let shard = 0; shard < this.size; shard++) void this.run(shard, { op: 'share', id, sab });
  }

  /**
   * Runs a task on its shard after every task given to that shard before it: a partition's appends
   * happen in the order the requests arrived.
   */
  run<T extends ShardTask<QueuedOp>>(shard: number, task: T): Promise<ShardResult<T['op']>> {
    // the worker answers a task with its op's result (shard.ts's table is checked to); a queue of
    // tasks of every op cannot say which is which, so the answer is taken as T's here
    return this.links[shard]!.run(task) as Promise<ShardResult<T['op']>>;
  }

  /** The one listener for every append a task reports, or a shard tells of (the purgatory wakes from it). */
  onAppend(listener: AppendListener): void {
    this.appendListener = listener;
  }

  /** @internal An append some shard told of. */
  appended(key: PartitionKey, bytes: number): void {
    this.appendListener?.(key, bytes);
  }

  /** @internal A task's answer: its appends reported, then the caller resolved. */
  answer(q: Queued, value: ShardResult<QueuedOp>): void {
    if (this.appendListener !== null) reportAppends(q.task, value, this.appendListener);
    q.resolve(value);
  }

  /** @internal A task as it crosses: a produce task's frame memory by its number when the worker holds it. */
  wire(task: ShardTask<QueuedOp>): ShardTask<QueuedOp> {
    if (task.op !== 'produce' || typeof task.sab === 'number') return task;
    const id = this.shared.get(task.sab);
    return id === undefined ? task : { op: 'produce', sab: id, items: task.items };
  }

  /** The shard takes no more tasks: those out and queued fail with `err`. */
  fail(shard: number, err: Error): void {
    this.links[shard]!.fail(err);
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
    return Promise.all(this.links.map((_, i) => this.run(i, task)));
  }

  /** Every shard takes no more tasks from here, and the ports close. */
  close(): void {
    for (let shard = 0; shard < this.size; shard++) this.fail(shard, new Error(`shard ${shard} is closed`));
    for (const l of this.links) l.close();
  }
}
