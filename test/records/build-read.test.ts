// Batches the broker builds itself (records/build.ts) and reads back (records/read.ts): round trips,
// control markers, truncated tails, CRC and header fields, gzip, and cross-checks both ways with
// kafkajs (a devDependency) and the test-only builder.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import { crc32c } from '@node-rs/crc32';
import { buildControlBatch, buildRecordBatch, type BuildRecord } from '../../src/protocol/records/build.js';
import { readRecords, type ReadRecord } from '../../src/protocol/records/read.js';
import {
  ATTRIBUTES_OFFSET, BATCH_HEADER_SIZE, CONTROL_FLAG_MASK, CRC_OFFSET, TIMESTAMP_TYPE_MASK, TRANSACTIONAL_FLAG_MASK,
  checkBatchAt, checkProducedBatch, crcMatches, emptyBatchInfo, readBatchInfo, scanBatches, writeBaseOffset,
} from '../../src/protocol/records/batch.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { buildBatch, fixCrc } from './build-batch.js';

const require = createRequire(import.meta.url);
let kafkajs: { Decoder: any; decodeBatch: any; RecordBatch: any; Record: any; Types: any } | null = null;
try {
  kafkajs = {
    Decoder: require('kafkajs/src/protocol/decoder'),
    decodeBatch: require('kafkajs/src/protocol/recordBatch/v0/decoder'),
    RecordBatch: require('kafkajs/src/protocol/recordBatch/v0').RecordBatch,
    Record: require('kafkajs/src/protocol/recordBatch/record/v0'),
    Types: require('kafkajs/src/protocol/message/compression').Types,
  };
} catch { /* skipped below */ }
const skipKafkajs = kafkajs ? false : 'kafkajs is not installed';

const T0 = 1_700_000_000_000;
const b = (s: string): Buffer => Buffer.from(s);

function all(buf: Buffer): ReadRecord[] {
  return [...readRecords(buf)];
}

/** The records as plain data, for comparison with what was built. */
function plain(rs: ReadRecord[]): { offset: number; timestamp: number; key: Buffer | null; value: Buffer | null; headers: [string, Buffer | null][] }[] {
  return rs.map(({ offset, timestamp, key, value, headers }) => ({ offset, timestamp, key, value, headers }));
}

const mixed: BuildRecord[] = [
  { key: b('k0'), value: b('v0') },
  { key: null, value: b('no key'), timestampDelta: 5 },
  { key: b('tombstone'), value: null, timestampDelta: 3 },
  { key: null, value: null, headers: [['h', null]] },
  { key: b('hdr'), value: b(''), headers: [['a', b('1')], ['ünïcode', b('2')], ['a', b('again')], ['empty', Buffer.alloc(0)]], timestampDelta: -2 },
];

test('build -> read: nulls, empty values, headers (repeated, null, non-ASCII) and timestamp deltas', () => {
  const buf = buildRecordBatch({ baseOffset: 100, timestamp: T0, records: mixed });
  assert.deepEqual(plain(all(buf)), mixed.map((r, i) => ({
    offset: 100 + i, timestamp: T0 + (r.timestampDelta ?? 0), key: r.key, value: r.value, headers: r.headers ?? [],
  })));
});

test('build -> read: many records, multi-byte varints, large values', () => {
  const records: BuildRecord[] = [];
  for (let i = 0; i < 2000; i++) {
    records.push({
      key: i % 7 === 0 ? null : b(`key-${i}`.repeat(1 + (i % 40))),
      value: Buffer.alloc(i % 100 === 0 ? 70_000 : i % 300, i & 0xff),
      headers: i % 3 === 0 ? [[`h${i}`, b('x'.repeat(i % 200))]] : undefined,
      timestampDelta: i * 1000,
    });
  }
  const buf = buildRecordBatch({ baseOffset: 5_000_000_000, timestamp: T0, records });
  assert.equal(checkBatchAt(buf, 0, buf.length), buf.length);
  const read = all(buf);
  assert.equal(read.length, records.length);
  read.forEach((r, i) => {
    assert.equal(r.offset, 5_000_000_000 + i);
    assert.equal(r.timestamp, T0 + i * 1000);
    assert.deepEqual(r.key, records[i]!.key);
    assert.deepEqual(r.value, records[i]!.value);
    assert.deepEqual(r.headers, records[i]!.headers ?? []);
  });
});

test('the header: defaults, offsets, timestamps, producer fields, and the CRC checks out', () => {
  const buf = buildRecordBatch({ timestamp: T0, records: mixed });
  assert.equal(checkBatchAt(buf, 0, buf.length), buf.length);
  assert.ok(crcMatches(buf, 0, buf.length));
  const info = readBatchInfo(buf, 0, emptyBatchInfo());
  assert.deepEqual(info, {
    position: 0, size: buf.length, lastOffsetDelta: mixed.length - 1, recordsCount: mixed.length,
    baseTimestamp: T0, maxTimestamp: T0 + 5, attributes: 0, producerId: -1, producerEpoch: -1, baseSequence: -1,
  });
  assert.equal(buf.readBigInt64BE(0), 0n, 'baseOffset');
  assert.equal(buf.readInt32BE(12), 0, 'partitionLeaderEpoch');
  assert.equal(buf[16], 2, 'magic');
  assert.deepEqual(scanBatches(buf).code, ErrorCode.NONE);

  const txn = buildRecordBatch({
    baseOffset: 7, partitionLeaderEpoch: 3, attributes: TRANSACTIONAL_FLAG_MASK, timestamp: T0,
    producerId: 2 ** 40, producerEpoch: 9, baseSequence: 12, records: [{ key: null, value: b('x') }],
  });
  assert.equal(checkBatchAt(txn, 0, txn.length), txn.length);
  assert.deepEqual(readBatchInfo(txn, 0, emptyBatchInfo()), {
    position: 0, size: txn.length, lastOffsetDelta: 0, recordsCount: 1, baseTimestamp: T0, maxTimestamp: T0,
    attributes: TRANSACTIONAL_FLAG_MASK, producerId: 2 ** 40, producerEpoch: 9, baseSequence: 12,
  });
  assert.equal(txn.readInt32BE(12), 3);
  const [r] = all(txn);
  assert.deepEqual(r!.batch, { baseOffset: 7, attributes: TRANSACTIONAL_FLAG_MASK, producerId: 2 ** 40, producerEpoch: 9, isControl: false, isTransactional: true });

  // the log rewrites the base offset in place; the CRC does not cover it
  writeBaseOffset(buf, 0, 123);
  assert.ok(crcMatches(buf, 0, buf.length));
  assert.equal(all(buf)[0]!.offset, 123);
  buf[buf.length - 1]! ^= 1;
  assert.equal(checkBatchAt(buf, 0, buf.length), -1, 'a flipped bit fails the CRC');
});

test('byte for byte what the test-only builder writes for the same records', () => {
  const records = [{ key: b('k'), value: b('v'), headers: [['h', b('x')]] as [string, Buffer][] }, { key: null, value: null }];
  const ours = buildRecordBatch({ baseOffset: 9, partitionLeaderEpoch: 0, timestamp: T0, records: records.map((r, i) => ({ ...r, timestampDelta: i })) });
  const theirs = buildBatch({ baseOffset: 9, partitionLeaderEpoch: 0, baseTimestamp: T0, records });
  assert.equal(ours.toString('hex'), theirs.toString('hex'));
});

test('control batches: COMMIT and ABORT markers', () => {
  for (const commit of [true, false]) {
    const buf = buildControlBatch({ producerId: 4242, producerEpoch: 3, timestamp: T0, commit, coordinatorEpoch: 17 });
    assert.equal(checkBatchAt(buf, 0, buf.length), buf.length);
    const info = readBatchInfo(buf, 0, emptyBatchInfo());
    assert.equal(info.attributes, TRANSACTIONAL_FLAG_MASK | CONTROL_FLAG_MASK);
    assert.equal(info.producerId, 4242);
    assert.equal(info.producerEpoch, 3);
    assert.equal(info.baseSequence, -1);
    assert.equal(info.recordsCount, 1);
    const rs = all(buf);
    assert.equal(rs.length, 1);
    assert.deepEqual(rs[0]!.key, Buffer.from([0, 0, 0, commit ? 1 : 0]));
    assert.deepEqual(rs[0]!.value, Buffer.from([0, 0, 0, 0, 0, 17]));
    assert.deepEqual(rs[0]!.batch, {
      baseOffset: 0, attributes: 0x30, producerId: 4242, producerEpoch: 3, isControl: true, isTransactional: true,
    });
    // a sound batch, that only the broker may write (a producer's is refused)
    const scan = scanBatches(buf);
    assert.equal(scan.code, ErrorCode.NONE);
    assert.equal(checkProducedBatch(scan.batches[0]!), ErrorCode.INVALID_RECORD);
  }
});

test('several batches are read in order; a truncated last batch is skipped', () => {
  const one = buildRecordBatch({ baseOffset: 0, timestamp: T0, records: [{ key: b('a'), value: b('1') }, { key: b('b'), value: b('2') }] });
  const two = buildRecordBatch({ baseOffset: 2, timestamp: T0, records: [{ key: b('c'), value: b('3') }] });
  const three = buildControlBatch({ baseOffset: 3, producerId: 1, producerEpoch: 0, timestamp: T0, commit: true, coordinatorEpoch: 0 });
  const whole = Buffer.concat([one, two, three]);
  assert.deepEqual(all(whole).map((r) => r.offset), [0, 1, 2, 3]);
  const firstTwo = one.length + two.length;
  for (let cut = firstTwo; cut < whole.length; cut++) {
    assert.deepEqual(all(whole.subarray(0, cut)).map((r) => r.offset), [0, 1, 2], `cut at ${cut}`);
  }
  assert.deepEqual(all(whole.subarray(0, 5)), []);
  assert.deepEqual(all(Buffer.alloc(0)), []);
});

test('a batch that is not v2 or whose records are malformed throws', () => {
  const buf = buildRecordBatch({ timestamp: T0, records: [{ key: b('k'), value: b('v') }] });
  const v1 = Buffer.from(buf);
  v1[16] = 1;
  assert.throws(() => all(v1), /no valid v2 record batch at position 0/);
  const short = Buffer.from(buf);
  short.writeInt32BE(20, 8);
  assert.throws(() => all(Buffer.concat([short, Buffer.alloc(64)])), /no valid v2 record batch/);
  const badLength = Buffer.from(buf);
  badLength[BATCH_HEADER_SIZE] = 0x7e; // the record claims 63 bytes: more than there are
  assert.throws(() => all(badLength));
});

test('LogAppendTime batches give every record the max timestamp', () => {
  const buf = buildRecordBatch({ attributes: TIMESTAMP_TYPE_MASK, timestamp: T0, records: [{ key: null, value: b('a') }, { key: null, value: b('b'), timestampDelta: 9 }] });
  assert.deepEqual(all(buf).map((r) => r.timestamp), [T0 + 9, T0 + 9]);
});

test('buildRecordBatch refuses an empty batch and compression bits', () => {
  assert.throws(() => buildRecordBatch({ timestamp: T0, records: [] }), RangeError);
  assert.throws(() => buildRecordBatch({ timestamp: T0, attributes: 1, records: [{ key: null, value: null }] }), RangeError);
});

/** The same records as a gzip batch: the records section compressed, the header kept, the CRC redone. */
function gzipped(plainBatch: Buffer, codec = 1): Buffer {
  const header = Buffer.from(plainBatch.subarray(0, BATCH_HEADER_SIZE));
  const body = codec === 1 ? gzipSync(plainBatch.subarray(BATCH_HEADER_SIZE)) : plainBatch.subarray(BATCH_HEADER_SIZE);
  const out = Buffer.concat([header, body]);
  out.writeInt32BE(out.length - 12, 8);
  out.writeInt16BE(out.readInt16BE(ATTRIBUTES_OFFSET) | codec, ATTRIBUTES_OFFSET);
  out.writeUInt32BE(crc32c(out.subarray(ATTRIBUTES_OFFSET)), CRC_OFFSET);
  return out;
}

test('gzip batches are read; snappy, lz4 and zstd throw an error naming the codec', () => {
  const plainBatch = buildRecordBatch({ baseOffset: 10, timestamp: T0, records: mixed });
  const gz = gzipped(plainBatch);
  assert.equal(checkBatchAt(gz, 0, gz.length), gz.length);
  assert.deepEqual(plain(all(gz)), plain(all(plainBatch)));
  for (const [codec, name] of [[2, 'snappy'], [3, 'lz4'], [4, 'zstd']] as const) {
    assert.throws(() => all(gzipped(plainBatch, codec)), new RegExp(`compressed with ${name}`));
  }
});

test('kafkajs decodes a batch built by buildRecordBatch', { skip: skipKafkajs }, async () => {
  const { Decoder, decodeBatch } = kafkajs!;
  const records: BuildRecord[] = [
    ...mixed.filter((r) => !(r.headers ?? []).some(([, v]) => v === null)), // kafkajs cannot size a null header value
    ...Array.from({ length: 300 }, (_, i) => ({ key: b(`k${i}`), value: Buffer.alloc(i, 1), timestampDelta: i })),
  ];
  const buf = buildRecordBatch({
    baseOffset: 40, partitionLeaderEpoch: 2, attributes: TRANSACTIONAL_FLAG_MASK, timestamp: T0,
    producerId: 77, producerEpoch: 1, baseSequence: 5, records,
  });
  const decoded = await decodeBatch(new Decoder(buf));
  assert.equal(decoded.firstOffset, '40');
  assert.equal(decoded.partitionLeaderEpoch, 2);
  assert.equal(decoded.lastOffsetDelta, records.length - 1);
  assert.equal(decoded.producerId, '77');
  assert.equal(decoded.producerEpoch, 1);
  assert.equal(decoded.firstSequence, 5);
  assert.equal(decoded.inTransaction, true);
  assert.equal(decoded.isControlBatch, false);
  assert.equal(decoded.maxTimestamp, String(T0 + 299));
  assert.equal(decoded.records.length, records.length);
  decoded.records.forEach((r: any, i: number) => {
    const want = records[i]!;
    assert.equal(r.offset, String(40 + i));
    assert.equal(r.timestamp, String(T0 + (want.timestampDelta ?? 0)));
    assert.deepEqual(r.key, want.key);
    assert.deepEqual(r.value, want.value);
    const headers: Record<string, Buffer | Buffer[]> = {};
    for (const [k, v] of want.headers ?? []) {
      const prev = headers[k];
      headers[k] = prev === undefined ? v! : ([] as Buffer[]).concat(prev, v!);
    }
    assert.deepEqual(r.headers, headers);
  });
  const control = await decodeBatch(new Decoder(buildControlBatch({ producerId: 1, producerEpoch: 0, timestamp: T0, commit: true, coordinatorEpoch: 3 })));
  assert.equal(control.isControlBatch, true);
  assert.equal(control.records[0].isControlRecord, true);
});

test('readRecords reads batches written by kafkajs, uncompressed and gzip', { skip: skipKafkajs }, async () => {
  const { RecordBatch, Record, Types } = kafkajs!;
  const kRecords = Array.from({ length: 50 }, (_, i) => Record({
    offsetDelta: i, timestampDelta: i * 2, key: i % 5 === 0 ? null : b(`key-${i}`), value: b(`value-${i}`),
    headers: i % 2 === 0 ? { trace: b(`t${i}`) } : {},
  }));
  for (const compression of [Types.None, Types.GZIP]) {
    const encoded = await RecordBatch({
      compression, firstOffset: 1000n, firstTimestamp: T0, maxTimestamp: T0 + 98, lastOffsetDelta: 49,
      transactional: true, producerId: 55n, producerEpoch: 4, firstSequence: 0, records: kRecords,
    });
    const buf: Buffer = encoded.buffer;
    assert.equal(checkBatchAt(buf, 0, buf.length), buf.length, `codec ${compression}: CRC`);
    const rs = all(buf);
    assert.equal(rs.length, 50);
    rs.forEach((r, i) => {
      assert.equal(r.offset, 1000 + i);
      assert.equal(r.timestamp, T0 + i * 2);
      assert.deepEqual(r.key, i % 5 === 0 ? null : b(`key-${i}`));
      assert.deepEqual(r.value, b(`value-${i}`));
      assert.deepEqual(r.headers, i % 2 === 0 ? [['trace', b(`t${i}`)]] : []);
      assert.deepEqual(r.batch, { baseOffset: 1000, attributes: 0x10 | compression, producerId: 55, producerEpoch: 4, isControl: false, isTransactional: true });
    });
  }
});

test('readRecords reads what the test-only builder writes', () => {
  const buf = Buffer.concat([
    buildBatch({ baseOffset: 0, baseTimestamp: T0, records: 20 }),
    buildBatch({
      baseOffset: 20, baseTimestamp: T0, producerId: 9, producerEpoch: 2, attributes: TRANSACTIONAL_FLAG_MASK,
      records: [{ key: 'k', value: null, headers: [['h1', 'v1'], ['h2', null]], timestampDelta: 40 }, { key: null, value: 'x' }],
    }),
  ]);
  const rs = all(buf);
  assert.equal(rs.length, 22);
  rs.slice(0, 20).forEach((r, i) => {
    assert.equal(r.offset, i);
    assert.equal(r.timestamp, T0 + i);
    assert.deepEqual(r.key, b(`key-${i}`));
    assert.deepEqual(r.value, b(`value-${i}`.padEnd(8, '.')));
    assert.equal(r.batch.isTransactional, false);
  });
  assert.deepEqual(plain(rs.slice(20)), [
    { offset: 20, timestamp: T0 + 40, key: b('k'), value: null, headers: [['h1', b('v1')], ['h2', null]] },
    { offset: 21, timestamp: T0 + 1, key: null, value: b('x'), headers: [] },
  ]);
  assert.equal(rs[20]!.batch.producerId, 9);
  assert.equal(rs[20]!.batch.isTransactional, true);
  // and after the test builder's fixCrc, an edited batch still reads
  const edited = buildBatch({ records: 1 });
  edited.writeInt16BE(TIMESTAMP_TYPE_MASK, ATTRIBUTES_OFFSET);
  fixCrc(edited);
  assert.equal(checkBatchAt(edited, 0, edited.length), edited.length);
  assert.equal(all(edited).length, 1);
});
