// The log start offset DeleteRecords moves (kept in log-start-offset-checkpoint), the leader epoch
// cache (leader-epoch-checkpoint) and topic configs changed on an open log, on a PartitionLog in a
// temp directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ErrorCode } from '../../src/protocol/errors.js';
import { LeaderEpochCache } from '../../src/storage/leader-epoch.js';
import { PartitionLog } from '../../src/storage/log.js';
import { append, config, listDir, offsetsOf, withDir } from './helpers.js';

const T0 = 1_700_000_000_000;
const cfg = config({ segmentBytes: 600, indexIntervalBytes: 100 });

function fill(log: PartitionLog, batches: number): void {
  for (let i = 0; i < batches; i++) append(log, { baseTimestamp: T0 + i, records: 3, padding: 40 });
}

const segmentFiles = (dir: string): number => listDir(dir).filter((n) => n.endsWith('.log')).length;

test('deleteRecordsBefore moves the log start offset inside a segment, deletes the segments below it, and survives a reopen', () => withDir((dir) => {
  const log = PartitionLog.open(dir, cfg);
  fill(log, 20); // offsets 0-59
  const segments = segmentFiles(dir);
  assert.ok(segments > 4);
  const second = Number(listDir(dir).filter((n) => n.endsWith('.log'))[1]!.slice(0, 20));
  const target = second + 4;
  assert.deepEqual(log.deleteRecordsBefore(target), { code: ErrorCode.NONE, logStartOffset: target });
  assert.equal(segmentFiles(dir), segments - 1);
  assert.equal(log.read(target - 1, 100).code, ErrorCode.OFFSET_OUT_OF_RANGE);
  const at = log.read(target, 1);
  assert.equal(at.code, ErrorCode.NONE);
  const [first] = offsetsOf(at.records);
  assert.ok(first![0] <= target && target <= first![1], 'the batch holding the new start offset');
  assert.equal(log.offsetForTimestamp(0)?.offset, target);
  // lower: nothing changes; past the end: out of range; the end itself: everything goes
  assert.deepEqual(log.deleteRecordsBefore(3), { code: ErrorCode.NONE, logStartOffset: target });
  assert.equal(log.deleteRecordsBefore(61).code, ErrorCode.OFFSET_OUT_OF_RANGE);
  log.close();
  assert.equal(fs.readFileSync(path.join(dir, 'log-start-offset-checkpoint'), 'utf8'), `0\n1\n${target}\n`);

  const reopened = PartitionLog.open(dir, cfg);
  assert.equal(reopened.logStartOffset, target);
  assert.equal(reopened.read(target - 1, 100).code, ErrorCode.OFFSET_OUT_OF_RANGE);
  assert.deepEqual(reopened.deleteRecordsBefore(60), { code: ErrorCode.NONE, logStartOffset: 60 });
  assert.equal(segmentFiles(dir), 1);
  assert.equal(append(reopened, { records: 1 }).baseOffset, 60);
  reopened.close();
}));

test('the leader epoch cache: epoch 0 from the first offset, trimmed with the log start offset, answered as Kafka does', () => withDir((dir) => {
  const log = PartitionLog.open(dir, cfg);
  assert.deepEqual(log.leaderEpochs.list(), []);
  fill(log, 10);
  assert.deepEqual(log.leaderEpochs.list(), [{ epoch: 0, startOffset: 0 }]);
  assert.deepEqual(log.leaderEpochs.endOffsetFor(0, log.logEndOffset), [0, 30]);
  log.deleteRecordsBefore(7);
  assert.deepEqual(log.leaderEpochs.list(), [{ epoch: 0, startOffset: 7 }]);
  log.close();
  assert.equal(fs.readFileSync(path.join(dir, 'leader-epoch-checkpoint'), 'utf8'), '0\n1\n0 7\n');

  const cache = new LeaderEpochCache(dir);
  cache.assign(3, 40);
  cache.assign(5, 50);
  cache.assign(4, 60); // older than the latest: ignored
  assert.deepEqual(cache.list(), [{ epoch: 0, startOffset: 7 }, { epoch: 3, startOffset: 40 }, { epoch: 5, startOffset: 50 }]);
  assert.deepEqual(cache.endOffsetFor(5, 70), [5, 70]);
  assert.deepEqual(cache.endOffsetFor(4, 70), [3, 50]);
  assert.deepEqual(cache.endOffsetFor(0, 70), [0, 40]);
  assert.deepEqual(cache.endOffsetFor(-1, 70), [-1, -1]);
  assert.deepEqual(cache.endOffsetFor(6, 70), [-1, -1]);
  cache.truncateFromStart(45);
  assert.deepEqual(cache.list(), [{ epoch: 3, startOffset: 45 }, { epoch: 5, startOffset: 50 }]);
  assert.deepEqual(cache.endOffsetFor(1, 70), [1, 45]);
  cache.truncateFromEnd(50);
  assert.deepEqual(new LeaderEpochCache(dir).list(), [{ epoch: 3, startOffset: 45 }]);
  fs.writeFileSync(path.join(dir, 'leader-epoch-checkpoint'), 'garbage');
  assert.deepEqual(new LeaderEpochCache(dir).list(), []);
}));

test('a log from before the checkpoints, and a checkpoint past a log cut short, open consistently', () => withDir((dir) => {
  const log = PartitionLog.open(dir, cfg);
  fill(log, 4);
  log.close();
  fs.rmSync(path.join(dir, 'leader-epoch-checkpoint'));
  fs.writeFileSync(path.join(dir, 'log-start-offset-checkpoint'), '0\n1\n500\n');
  const reopened = PartitionLog.open(dir, cfg);
  assert.equal(reopened.logStartOffset, 12); // no further than the log end offset
  assert.deepEqual(reopened.leaderEpochs.list(), []);
  reopened.close();
  fs.writeFileSync(path.join(dir, 'log-start-offset-checkpoint'), 'garbage');
  const again = PartitionLog.open(dir, cfg);
  assert.equal(again.logStartOffset, 0);
  assert.deepEqual(again.leaderEpochs.list(), [{ epoch: 0, startOffset: 0 }]);
  again.close();
}));

test('reconfigure: a smaller segment size and retention apply to the open log', () => withDir((dir) => {
  const log = PartitionLog.open(dir, config());
  fill(log, 6);
  assert.equal(log.segmentCount, 1);
  log.reconfigure(config({ segmentBytes: 300, retentionBytes: 700 }));
  fill(log, 10);
  assert.ok(log.segmentCount > 5);
  assert.ok(log.enforceRetention(T0) > 0);
  assert.ok(log.logStartOffset > 0);
  log.close();
}));
