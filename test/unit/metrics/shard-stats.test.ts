// A shard's probe (metrics/shard-stats.ts): the probes it hands to its partitions' logs add up into
// the shard's stats snapshot, per partition and in one fsync histogram. Stand-in logs; no worker.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ShardProbe } from '../../../src/metrics/shard-stats.js';

const standIn = { logStartOffset: 0, logEndOffset: 10, sizeInBytes: 700, segmentCount: 1 };

describe('shard probe', () => {
  it('counts appends per partition and flushes for the shard; a deleted partition is forgotten', () => {
    const shard = new ShardProbe();
    const a = shard.partition('t-0');
    const b = shard.partition('t-1');
    a.appended(100, 4);
    a.appended(50, 1);
    b.appended(7, 1);
    a.fsync(0.0002);
    b.fsync(3);
    shard.countTask(5);
    const logs = new Map([['t-0', standIn], ['t-1', standIn]]);
    const stats = shard.stats(logs);
    assert.deepEqual(stats.partitions.map((p) => [p.key, p.bytesIn, p.messagesIn]), [['t-0', 150, 5], ['t-1', 7, 1]]);
    assert.equal(stats.fsync.count, 2);
    assert.equal(stats.fsync.counts.at(-1), 1, 'three seconds is past the last bound');
    assert.deepEqual([stats.tasks, stats.busySeconds], [1, 0.005]);
    shard.forget('t-1');
    assert.deepEqual(shard.stats(logs).partitions.map((p) => [p.key, p.bytesIn]), [['t-0', 150], ['t-1', 0]]);
  });
});
