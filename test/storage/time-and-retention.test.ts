// Tests for timestamp lookups (offsetForTimestamp, maxTimestamp) and retention by time and size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { ErrorCode } from '../../src/protocol/errors.js';
import { PartitionLog } from '../../src/storage/log.js';
import { append, config, listDir, offsetsOf, withDir } from './helpers.js';

const T0 = 1_700_000_000_000;

/** 20 batches of 3 records; batch i has timestamps T0 + 1000 i + {0, 10, 20}. */
function timedLog(dir: string, segmentBytes = 800): PartitionLog {
  const log = PartitionLog.open(dir, config({ segmentBytes, indexIntervalBytes: 200 }));
  for (let i = 0; i < 20; i++) {
    append(log, {
      baseTimestamp: T0 + 1000 * i,
      records: [{ value: 'a', timestampDelta: 0 }, { value: 'b', timestampDelta: 10 }, { value: 'c', timestampDelta: 20 }],
    });
  }
  return log;
}

function checkTimestamps(log: PartitionLog): void {
  assert.deepEqual(log.offsetForTimestamp(0), { offset: 0, timestamp: T0 });
  assert.deepEqual(log.offsetForTimestamp(T0), { offset: 0, timestamp: T0 });
  assert.deepEqual(log.offsetForTimestamp(T0 + 1), { offset: 1, timestamp: T0 + 10 });
  assert.deepEqual(log.offsetForTimestamp(T0 + 20), { offset: 2, timestamp: T0 + 20 });
  assert.deepEqual(log.offsetForTimestamp(T0 + 21), { offset: 3, timestamp: T0 + 1000 });
  for (let i = 0; i < 20; i++) {
    assert.deepEqual(log.offsetForTimestamp(T0 + 1000 * i + 5), { offset: 3 * i + 1, timestamp: T0 + 1000 * i + 10 });
  }
  assert.equal(log.offsetForTimestamp(T0 + 19_021), null);
  assert.deepEqual(log.maxTimestamp(), { offset: 59, timestamp: T0 + 19_020 });
}

test('offsetForTimestamp and maxTimestamp across segments, before and after reopen', () => withDir((dir) => {
  const log = timedLog(dir);
  assert.ok(log.segmentCount > 2);
  checkTimestamps(log);
  log.close();
  const reopened = PartitionLog.open(dir, config({ segmentBytes: 800, indexIntervalBytes: 200 }));
  checkTimestamps(reopened);
  reopened.close();
}));

test('maxTimestamp finds the record holding it, or the batch when records are compressed', () => withDir((dir) => {
  const log = PartitionLog.open(dir, config());
  assert.equal(log.maxTimestamp(), null);
  assert.equal(log.offsetForTimestamp(0), null);
  append(log, { baseTimestamp: 5000, records: [{ timestampDelta: 0 }, { timestampDelta: 900 }, { timestampDelta: 3 }] });
  append(log, { baseTimestamp: 4000, records: 2 }); // older timestamps later in the log
  assert.deepEqual(log.maxTimestamp(), { offset: 1, timestamp: 5900 });
  assert.deepEqual(log.offsetForTimestamp(4001), { offset: 0, timestamp: 5000 });
  assert.deepEqual(log.offsetForTimestamp(5001), { offset: 1, timestamp: 5900 });
  // compression bits set: records are not walked, the batch answers for itself
  append(log, { baseTimestamp: 9000, records: 4, attributes: 2 });
  assert.deepEqual(log.maxTimestamp(), { offset: 8, timestamp: 9003 });
  assert.deepEqual(log.offsetForTimestamp(9001), { offset: 5, timestamp: 9003 });
  log.close();
}));

test('retention by time deletes segments older than retentionMs; the active one too once it is all expired, rolled first as Kafka does', () => withDir((dir) => {
  const log = timedLog(dir);
  const segments = log.segmentCount;
  const bases = listDir(dir).filter((n) => n.endsWith('.log')).map((n) => Number(n.slice(0, 20)));
  log.close();
  const retained = PartitionLog.open(dir, config({ segmentBytes: 800, indexIntervalBytes: 200, retentionMs: 10_000 }));
  assert.equal(retained.enforceRetention(T0), 0);
  // the second segment's newest batch is older than 10 s at this time; the third's is not
  const secondMax = T0 + 1000 * (bases[2]! / 3 - 1) + 20;
  const deleted = retained.enforceRetention(secondMax + 10_001);
  assert.equal(deleted, 2);
  assert.equal(retained.segmentCount, segments - 2);
  assert.equal(retained.logStartOffset, bases[2]);
  assert.equal(retained.read(bases[2]! - 1, 100).code, ErrorCode.OFFSET_OUT_OF_RANGE);
  assert.deepEqual(offsetsOf(retained.read(bases[2]!, 1).records), [[bases[2]!, bases[2]! + 2]]);
  assert.equal(retained.enforceRetention(T0 + 10_000_000), segments - 2, 'every segment left, the active one included');
  assert.equal(retained.segmentCount, 1);
  assert.deepEqual([retained.logStartOffset, retained.logEndOffset, retained.sizeInBytes], [60, 60, 0], 'one empty segment at the log end');
  assert.deepEqual(listDir(dir).filter((n) => n.endsWith('.log')), [`${String(60).padStart(20, '0')}.log`]);
  assert.equal(retained.read(59, 100).code, ErrorCode.OFFSET_OUT_OF_RANGE);
  assert.equal(retained.enforceRetention(T0 + 10_000_000), 0, 'an empty active segment stays');
  append(retained, { baseTimestamp: T0 + 10_000_000, records: 2 });
  assert.deepEqual(offsetsOf(retained.read(60, 1000).records), [[60, 61]], 'appends go on at the log end');
  retained.close();
  const reopened = PartitionLog.open(dir, config());
  assert.deepEqual([reopened.logStartOffset, reopened.logEndOffset], [60, 62]);
  reopened.close();
}));

test('retention by size keeps the newest segments within retentionBytes', () => withDir((dir) => {
  const log = timedLog(dir);
  log.close();
  const sized = PartitionLog.open(dir, config({ segmentBytes: 800, retentionBytes: 500 }));
  const before = sized.sizeInBytes;
  const deleted = sized.enforceRetention(T0);
  assert.ok(deleted > 0);
  assert.ok(sized.sizeInBytes < before);
  const files = listDir(dir).filter((n) => n.endsWith('.log'));
  const oldestSize = fs.statSync(`${dir}/${files[0]}`).size;
  assert.ok(sized.sizeInBytes >= 500 && sized.sizeInBytes - oldestSize < 500, `kept ${sized.sizeInBytes}`);
  assert.equal(files.length, sized.segmentCount);
  assert.equal(Number(files[0]!.slice(0, 20)), sized.logStartOffset);
  assert.equal(sized.enforceRetention(T0), 0);
  sized.close();
}));
