// The shard pool (src/workers/pool.ts) with real shard workers on a temporary directory: tasks on
// one shard run in the order they were given, the tasks that queue while one is out go together in
// one message, scatter answers in the items' order across shards, an error in one task of a
// round trip fails that task alone, and frames in shared memory the workers hold cross by number.
// Also what the compiler checks: each call answers its op's result.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MessagePort } from 'node:worker_threads';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { LATEST_TIMESTAMP, type ProduceResult, type ShardTask } from '../../../src/workers/messages.js';
import { ShardPool } from '../../../src/workers/pool.js';
import { openPartitions, produceTask } from './shard-fixtures.js';

const TOPIC = 'pool';
const PARTITIONS = 6;

/** The messages the pool sent its workers while `body` runs: each one's tasks. */
async function sentMessages(body: () => Promise<void>): Promise<ShardTask[][]> {
  const sent: ShardTask[][] = [];
  const original = MessagePort.prototype.postMessage;
  MessagePort.prototype.postMessage = function (this: MessagePort, message: unknown, transfer?: never) {
    if (Array.isArray(message)) sent.push(message as ShardTask[]);
    return original.call(this, message, transfer);
  };
  try {
    await body();
  } finally {
    MessagePort.prototype.postMessage = original;
  }
  return sent;
}

/** The ops of each message sent while `body` runs. */
async function sentOps(body: () => Promise<void>): Promise<string[][]> {
  return (await sentMessages(body)).map((tasks) => tasks.map((t) => t.op));
}

describe('shard pool', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsa-pool-'));
  const pool = new ShardPool(3);
  let keys: string[] = [];
  before(async () => { keys = await openPartitions(pool, dir, TOPIC, PARTITIONS); });
  after(async () => {
    await pool.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the tasks of one shard run in the order they were given', async () => {
    const key = keys[0]!;
    const shard = pool.shardFor(TOPIC, 0);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => pool.run(shard, produceTask(key, i + 1))));
    let next = 0;
    for (const [i, [r]] of results.entries()) {
      assert.equal(r!.errorCode, ErrorCode.NONE);
      assert.equal(r!.baseOffset, next, `produce ${i} at ${r!.baseOffset}, after ${next} records`);
      next += i + 1;
    }
  });

  test('tasks that queue while one is out go to the worker together, as one batch in their order', async () => {
    const key = keys[1]!;
    const shard = pool.shardFor(TOPIC, 1);
    let results: ProduceResult[][] = [];
    const sent = await sentOps(async () => {
      results = await Promise.all([1, 2, 3, 4, 5].map((n) => pool.run(shard, produceTask(key, n))));
    });
    assert.deepEqual(sent, [['produce'], ['produce', 'produce', 'produce', 'produce']]);
    assert.deepEqual(results.map(([r]) => r!.baseOffset), [0, 1, 3, 6, 10]);
  });

  test('scatter answers one result per item, in the items\' order, across shards', async () => {
    const wanted = [5, 0, 3, 1, 4, 2, 0].map((p) => keys[p]!);
    const before = await pool.scatter(wanted, (k) => pool.shardFor(TOPIC, keys.indexOf(k)), (list) => ({
      op: 'listOffsets', items: list.map((key) => ({ key, timestamp: LATEST_TIMESTAMP })),
    }));
    const sizes = await pool.scatter(wanted, (k) => pool.shardFor(TOPIC, keys.indexOf(k)), (list) => ({ op: 'sizes', keys: list }));
    assert.equal(new Set(wanted.map((k) => pool.shardFor(TOPIC, keys.indexOf(k)))).size, 3, 'the items span every shard');
    assert.deepEqual(before.map((r) => r.errorCode), wanted.map(() => ErrorCode.NONE));
    // each answer is its own partition's: what the earlier tests appended there, and its size
    const expected = wanted.map((k) => (k === keys[0] ? 210 : k === keys[1] ? 15 : 0));
    assert.deepEqual(before.map((r) => r.offset), expected);
    assert.deepEqual(sizes.map((s) => s > 0), expected.map((n) => n > 0));
  });

  test('an error in one task of a batch fails that task alone', async () => {
    const key = keys[2]!;
    const shard = pool.shardFor(TOPIC, 2);
    const broken: ShardTask<'produce'> = { op: 'produce', sab: new SharedArrayBuffer(8), items: [{ key, start: 64, length: 64, maxMessageBytes: 1 << 20, logAppendTime: false }] };
    let outcomes: PromiseSettledResult<ProduceResult[]>[] = [];
    const sent = await sentOps(async () => {
      outcomes = await Promise.allSettled([produceTask(key, 1), broken, produceTask(key, 2)].map((t) => pool.run(shard, t)));
    });
    assert.deepEqual(sent, [['produce'], ['produce', 'produce']], 'the broken task went out in a batch');
    assert.equal(outcomes[0]!.status, 'fulfilled');
    assert.equal(outcomes[1]!.status, 'rejected');
    assert.match(String((outcomes[1] as PromiseRejectedResult).reason), /RangeError|out of range|offset/i);
    assert.equal(outcomes[2]!.status, 'fulfilled');
    const [first, third] = [outcomes[0], outcomes[2]].map((o) => (o as PromiseFulfilledResult<ProduceResult[]>).value[0]!);
    assert.deepEqual([first!.errorCode, third!.errorCode], [ErrorCode.NONE, ErrorCode.NONE]);
    assert.equal(third!.baseOffset, first!.baseOffset + 1, 'the batch went on after the failed task');
  });

  test('a frame in shared memory the workers hold crosses by number; other memory crosses itself', async () => {
    const key = keys[3]!;
    const shard = pool.shardFor(TOPIC, 3);
    const ring = new SharedArrayBuffer(64 * 1024);
    pool.share(ring);
    const inRing = produceTask(key, 2, ring);
    const own = produceTask(key, 3);
    let results: ProduceResult[][] = [];
    const sent = await sentMessages(async () => {
      results = [await pool.run(shard, inRing), await pool.run(shard, own)];
    });
    const sabs = sent.flat().filter((t): t is ShardTask<'produce'> => t.op === 'produce').map((t) => t.sab);
    assert.deepEqual(sabs.map((s) => typeof s), ['number', 'object']);
    assert.deepEqual(results.map(([r]) => [r!.errorCode, r!.baseOffset]), [[ErrorCode.NONE, 0], [ErrorCode.NONE, 2]]);
  });

  test('a long task (open, compact, retention, close) ends its round trip; what follows goes in the next', async () => {
    const key = keys[4]!;
    const shard = pool.shardFor(TOPIC, 4);
    const sent = await sentOps(async () => {
      await Promise.all([
        pool.run(shard, produceTask(key, 1)),
        pool.run(shard, { op: 'compact', nowMs: Date.now() }),
        pool.run(shard, produceTask(key, 1)),
        pool.run(shard, produceTask(key, 1)),
      ]);
    });
    assert.deepEqual(sent, [['produce'], ['compact'], ['produce', 'produce']]);
  });

  test('broadcast answers every shard\'s result of the op', async () => {
    const stats = await pool.broadcast({ op: 'stats' });
    assert.equal(stats.length, 3);
    assert.equal(stats.reduce((n, s) => n + s.partitions.length, 0), PARTITIONS);
  });
});

test('a closed pool answers every later task with an error, at once', async () => {
  const pool = new ShardPool(1);
  await pool.close();
  await assert.rejects(pool.run(0, { op: 'stats' }), /shard 0 is closed/);
});

// Compile-time checks: never run, only compiled (the build is the test).
export function typeChecks(pool: ShardPool): void {
  void (async () => {
    const sizes: number[] = await pool.scatter(['a-0'], () => 0, (keys) => ({ op: 'sizes', keys }));
    const compact = await pool.run(0, { op: 'compact', nowMs: 0 });
    const pending: boolean = compact.pending;
    // @ts-expect-error sizes answers numbers
    const wrong: string[] = await pool.scatter(['a-0'], () => 0, (keys) => ({ op: 'sizes', keys }));
    // @ts-expect-error a fetch item is no ListOffsets item
    await pool.scatter([{ key: 'a-0', fetchOffset: 0, maxBytes: 1 }], () => 0, (items) => ({ op: 'listOffsets', items }));
    // @ts-expect-error compact answers one result, not one per item: scatter does not take it
    await pool.scatter([0], () => 0, () => ({ op: 'compact', nowMs: 0 }));
    // @ts-expect-error batches are the pool's own
    await pool.run(0, { op: 'batch', tasks: [] });
    // @ts-expect-error a produce task carries its shared buffer
    await pool.run(0, { op: 'produce', items: [] });
    return [sizes, pending, wrong];
  })();
}
