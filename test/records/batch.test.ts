// Tests for the record batch header view: validation by scanBatches, in-place base offset, and the
// timestamp walk inside an uncompressed batch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../src/protocol/errors.js';
import {
  BATCH_HEADER_SIZE, findRecordByTimestamp, readBaseOffset, readInt64, scanBatches, writeBaseOffset, writeInt64,
} from '../../src/protocol/records/batch.js';
import { buildBatch, fixCrc } from './build-batch.js';

test('scanBatches accepts one batch and reads its header', () => {
  const buf = buildBatch({
    records: [{ key: 'k', value: 'v', headers: [['h', 'x']] }, { key: null, value: 'w', timestampDelta: 7 }],
    baseTimestamp: 1000, producerId: 42, producerEpoch: 3, baseSequence: 9,
  });
  const r = scanBatches(buf);
  assert.equal(r.code, ErrorCode.NONE);
  assert.equal(r.records, 2);
  assert.equal(r.batches.length, 1);
  assert.deepEqual(r.batches[0], {
    position: 0, size: buf.length, lastOffsetDelta: 1, recordsCount: 2, baseTimestamp: 1000, maxTimestamp: 1007,
    attributes: 0, producerId: 42, producerEpoch: 3, baseSequence: 9,
  });
});

test('scanBatches accepts several concatenated batches', () => {
  const a = buildBatch({ records: 3 });
  const b = buildBatch({ records: 1 });
  const c = buildBatch({ records: 5 });
  const r = scanBatches(Buffer.concat([a, b, c]));
  assert.equal(r.code, ErrorCode.NONE);
  assert.equal(r.records, 9);
  assert.deepEqual(r.batches.map((x) => [x.position, x.size]), [[0, a.length], [a.length, b.length], [a.length + b.length, c.length]]);
});

test('scanBatches rejects empty input, bad CRC, bad magic, truncation and trailing bytes', () => {
  const good = buildBatch({ records: 2 });
  assert.equal(scanBatches(Buffer.alloc(0)).code, ErrorCode.CORRUPT_MESSAGE);

  const badCrc = Buffer.from(good);
  badCrc[badCrc.length - 1]! ^= 0xff;
  assert.equal(scanBatches(badCrc).code, ErrorCode.CORRUPT_MESSAGE);

  const badMagic = Buffer.from(good);
  badMagic[16] = 1;
  assert.equal(scanBatches(badMagic).code, ErrorCode.CORRUPT_MESSAGE);

  assert.equal(scanBatches(good.subarray(0, good.length - 1)).code, ErrorCode.CORRUPT_MESSAGE);
  assert.equal(scanBatches(good.subarray(0, 30)).code, ErrorCode.CORRUPT_MESSAGE);
  assert.equal(scanBatches(Buffer.concat([good, Buffer.from([1, 2, 3])])).code, ErrorCode.CORRUPT_MESSAGE);
  assert.equal(scanBatches(Buffer.concat([good, good.subarray(0, 70)])).code, ErrorCode.CORRUPT_MESSAGE);

  const badLength = Buffer.from(good);
  badLength.writeInt32BE(10, 8);
  assert.equal(scanBatches(badLength).code, ErrorCode.CORRUPT_MESSAGE);

  const negativeCount = Buffer.from(good);
  negativeCount.writeInt32BE(-1, 57);
  fixCrc(negativeCount);
  assert.equal(scanBatches(negativeCount).code, ErrorCode.CORRUPT_MESSAGE);

  const negativeDelta = Buffer.from(good);
  negativeDelta.writeInt32BE(-1, 23);
  fixCrc(negativeDelta);
  assert.equal(scanBatches(negativeDelta).code, ErrorCode.CORRUPT_MESSAGE);
  assert.deepEqual(scanBatches(negativeDelta).batches, []);
});

test('the CRC does not cover the base offset or the leader epoch', () => {
  const buf = buildBatch({ records: 2 });
  writeBaseOffset(buf, 0, 2 ** 40 + 5);
  buf.writeInt32BE(17, 12);
  assert.equal(readBaseOffset(buf, 0), 2 ** 40 + 5);
  assert.equal(scanBatches(buf).code, ErrorCode.NONE);
});

test('int64 helpers round-trip negative and large values', () => {
  const buf = Buffer.alloc(8);
  for (const v of [0, -1, 1, 2 ** 32, -(2 ** 32) - 1, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 1_700_000_000_123]) {
    writeInt64(buf, 0, v);
    assert.equal(buf.readBigInt64BE(0), BigInt(v));
    assert.equal(readInt64(buf, 0), v);
  }
});

test('findRecordByTimestamp walks the records of an uncompressed batch', () => {
  const buf = buildBatch({
    baseTimestamp: 5000,
    records: [{ value: 'a', timestampDelta: 0 }, { value: 'b', timestampDelta: 10 }, { value: 'c', timestampDelta: 300 }],
  });
  const hit = { offsetDelta: -1, timestamp: -1 };
  assert.ok(findRecordByTimestamp(buf, 0, 5005, hit));
  assert.deepEqual(hit, { offsetDelta: 1, timestamp: 5010 });
  assert.ok(findRecordByTimestamp(buf, 0, 0, hit));
  assert.deepEqual(hit, { offsetDelta: 0, timestamp: 5000 });
  assert.ok(findRecordByTimestamp(buf, 0, 5300, hit));
  assert.deepEqual(hit, { offsetDelta: 2, timestamp: 5300 });
  assert.equal(findRecordByTimestamp(buf, 0, 5301, hit), false);
  const compressed = buildBatch({ attributes: 1, records: 2 });
  assert.equal(findRecordByTimestamp(compressed, 0, 0, hit), false);
  assert.ok(buf.length > BATCH_HEADER_SIZE);
});
