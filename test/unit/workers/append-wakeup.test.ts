// One owner for wake-ups: the shard pool reports every append a task makes (produce, transaction
// markers) to its one listener, which the broker wires to the fetch purgatory; a writer does not
// wake waiting fetches itself. Real shard workers on a temporary directory.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Purgatory } from '../../../src/fetch/purgatory.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { ShardPool } from '../../../src/workers/pool.js';
import { openPartitions, produceTask } from './shard-fixtures.js';

const TOPIC = 'wake';

describe('appends wake waiting fetches through the pool\'s listener', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsa-wake-'));
  const pool = new ShardPool(2);
  const purgatory = new Purgatory();
  const reported: [string, number][] = [];
  pool.onAppend((key, bytes) => {
    reported.push([key, bytes]);
    purgatory.appended(key, bytes);
  });
  let keys: string[] = [];
  before(async () => { keys = await openPartitions(pool, dir, TOPIC, 2); });
  after(async () => {
    purgatory.releaseAll();
    await pool.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a produce wakes a fetch waiting on its partition', async () => {
    reported.length = 0;
    const key = keys[0]!;
    // a minute: the wait ends by the append, or the test fails on the answer (false)
    const waiting = purgatory.wait([key], 1, 60_000, () => undefined);
    const task = produceTask(key, 3);
    const [result] = await pool.run(pool.shardFor(TOPIC, 0), task);
    assert.equal(result!.errorCode, ErrorCode.NONE);
    assert.equal(await waiting, true, 'the waiting fetch was woken');
    assert.deepEqual(reported, [[key, task.items[0]!.length]]);
  });

  test('a fetch needing more bytes than an append brings keeps waiting for the next', async () => {
    reported.length = 0;
    const key = keys[1]!;
    const shard = pool.shardFor(TOPIC, 1);
    const one = produceTask(key, 1);
    let woken = false;
    const waiting = purgatory.wait([key], one.items[0]!.length + 1, 60_000, () => undefined).then((v) => { woken = true; return v; });
    await pool.run(shard, one);
    await Promise.resolve();
    assert.equal(woken, false, 'one append is not enough bytes');
    await pool.run(shard, produceTask(key, 1));
    assert.equal(await waiting, true);
    assert.equal(reported.length, 2);
  });

  test('transaction markers are reported as appends; failed appends are not', async () => {
    reported.length = 0;
    const key = keys[0]!;
    const items = [{ key, producerId: 4242, producerEpoch: 0, commit: true, coordinatorEpoch: 0 }, { key: 'not-open-0', producerId: 4242, producerEpoch: 0, commit: true, coordinatorEpoch: 0 }];
    const waiting = purgatory.wait([key], 1, 60_000, () => undefined);
    const results = await pool.scatter(items, (i) => (i.key === key ? pool.shardFor(TOPIC, 0) : 0), (list) => ({ op: 'writeTxnMarkers', items: list }));
    assert.deepEqual(results.map((r) => r.errorCode), [ErrorCode.NONE, ErrorCode.NOT_LEADER_OR_FOLLOWER]);
    assert.equal(await waiting, true);
    assert.deepEqual(reported, [[key, results[0]!.bytes]]);
    const [refused] = await pool.run(0, produceTask('not-open-0', 1));
    assert.equal(refused!.errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);
    assert.equal(reported.length, 1, 'a refused produce is no append');
  });
});
