// Tests for PartitionLog's append and read paths: offsets, in-place base offsets, reads from any
// offset, maxBytes trimming (with and without Kafka's minOneMessage), rolling by size and time,
// sparse indexes across segments, reopen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ErrorCode } from '../../src/protocol/errors.js';
import { scanBatches } from '../../src/protocol/records/batch.js';
import { readRecoveryPoint } from '../../src/storage/checkpoint.js';
import { PartitionLog } from '../../src/storage/log.js';
import { append, config, listDir, offsetsOf, produce, readAll, withDir } from './helpers.js';

test('append assigns offsets from logEndOffset and writes base offsets in place', () => withDir((dir) => {
  const log = PartitionLog.open(dir, config());
  assert.equal(log.logEndOffset, 0);
  assert.equal(log.logStartOffset, 0);
  const p1 = produce({ records: 3 }, { records: 2 });
  assert.deepEqual(log.append(p1.records, p1.batches), { baseOffset: 0, lastOffset: 4, logAppendTime: -1 });
  assert.equal(p1.records.readBigInt64BE(0), 0n);
  assert.equal(p1.records.readBigInt64BE(p1.batches[1]!.position), 3n);
  const p2 = produce({ records: 1, baseOffset: 999 });
  assert.deepEqual(log.append(p2.records, p2.batches), { baseOffset: 5, lastOffset: 5, logAppendTime: -1 });
  assert.equal(log.logEndOffset, 6);
  assert.equal(log.sizeInBytes, p1.records.length + p2.records.length);
  assert.deepEqual(listDir(dir), ['00000000000000000000.index', '00000000000000000000.log', '00000000000000000000.timeindex', 'leader-epoch-checkpoint']);
  log.close();
}));

test('read from any offset returns whole batches starting with the one containing it', () => withDir((dir) => {
  const log = PartitionLog.open(dir, config({ indexIntervalBytes: 100 }));
  for (let i = 0; i < 20; i++) {
    append(log, { records: 1 + (i % 4) });
  }
  const leo = log.logEndOffset;
  for (let offset = 0; offset < leo; offset++) {
    const r = log.read(offset, 1 << 20);
    assert.equal(r.code, ErrorCode.NONE);
    const got = offsetsOf(r.records);
    assert.ok(got[0]![0] <= offset && offset <= got[0]![1], `offset ${offset} in ${got[0]}`);
    assert.equal(got[got.length - 1]![1], leo - 1);
    assert.equal(scanBatches(r.records).code, ErrorCode.NONE);
    assert.equal(r.records.buffer.byteLength >= r.records.length, true);
  }
  const end = log.read(leo, 1000);
  assert.deepEqual([end.code, end.records.length], [ErrorCode.NONE, 0]);
  assert.equal(log.read(leo + 1, 1000).code, ErrorCode.OFFSET_OUT_OF_RANGE);
  assert.equal(log.read(-1, 1000).code, ErrorCode.OFFSET_OUT_OF_RANGE);
  log.close();
}));

test('read trims to whole batches within maxBytes, but returns at least one batch', () => withDir((dir) => {
  const log = PartitionLog.open(dir, config());
  const p = produce({ records: 2 }, { records: 2 }, { records: 2 });
  log.append(p.records, p.batches);
  const [a, b] = p.batches;
  const two = log.read(0, a!.size + b!.size + 10);
  assert.deepEqual(offsetsOf(two.records), [[0, 1], [2, 3]]);
  assert.equal(two.records.length, a!.size + b!.size);
  const one = log.read(2, 1);
  assert.deepEqual(offsetsOf(one.records), [[2, 3]]);
  assert.equal(one.records.length, b!.size);
  assert.deepEqual(one.records, p.records.subarray(b!.position, b!.position + b!.size));
  // standalone allocation: transferable without copying the rest of a pool
  assert.equal(one.records.buffer.byteLength, one.records.length);
  log.close();
}));

test('reads that go on from where the last one ended (consumers) get every batch once, in order, across segments and appends', () => withDir((dir) => {
  const log = PartitionLog.open(dir, config({ indexIntervalBytes: 100, segmentBytes: 600 }));
  for (let i = 0; i < 30; i++) append(log, { records: 1 + (i % 3) });
  // Two consumers with different read sizes, interleaved, each going on from its own last end.
  const next = [0, 0];
  const sizes = [150, 1 << 20];
  const seen: number[][][] = [[], []];
  for (let round = 0; round < 60; round++) {
    if (round === 10) for (let i = 0; i < 5; i++) append(log, { records: 2 });
    for (const c of [0, 1]) {
      const r = log.read(next[c]!, sizes[c]!);
      assert.equal(r.code, ErrorCode.NONE);
      if (r.records.length === 0) continue;
      const got = offsetsOf(r.records);
      assert.equal(got[0]![0], next[c], `consumer ${c} at ${next[c]}`);
      seen[c]!.push(...got);
      next[c] = got[got.length - 1]![1] + 1;
    }
  }
  // What is on disk, segment by segment, read without the log.
  const files = listDir(dir).filter((f) => f.endsWith('.log')).sort();
  assert.ok(files.length > 3, `${files.length} segments`);
  const onDisk = offsetsOf(Buffer.concat(files.map((f) => fs.readFileSync(path.join(dir, f)))));
  assert.deepEqual(seen[0], onDisk);
  assert.deepEqual(seen[1], onDisk);
  log.close();
}));

test('without minOneMessage a first batch larger than maxBytes is not read (Fetch after other partitions had data)', () => withDir((dir) => {
  const log = PartitionLog.open(dir, config());
  const p = produce({ records: 2 }, { records: 2 });
  log.append(p.records, p.batches);
  const [a, b] = p.batches;
  let allocated = 0;
  const alloc = (size: number): Buffer => { allocated += size; return Buffer.allocUnsafeSlow(size); };
  assert.equal(log.read(0, a!.size - 1, alloc, false).records.length, 0);
  assert.equal(log.read(0, 0, alloc, false).records.length, 0);
  assert.equal(log.readCommitted(0, a!.size - 1, alloc, false).records.length, 0);
  assert.equal(allocated, 0, 'nothing read');
  assert.deepEqual(offsetsOf(log.read(0, a!.size + b!.size - 1, alloc, false).records), [[0, 1]]);
  assert.deepEqual(offsetsOf(log.read(0, 0, alloc, true).records), [[0, 1]]);
  log.close();
}));

test('rolls by size with 20-digit names; reads and indexes work across segments', () => withDir((dir) => {
  const log = PartitionLog.open(dir, config({ segmentBytes: 1000, indexIntervalBytes: 300 }));
  const sizes: number[] = [];
  for (let i = 0; i < 30; i++) {
    const p = produce({ records: 3, padding: 20 });
    sizes.push(p.records.length);
    log.append(p.records, p.batches);
  }
  assert.equal(log.logEndOffset, 90);
  assert.ok(log.segmentCount > 3, `segments ${log.segmentCount}`);
  const logs = listDir(dir).filter((n) => n.endsWith('.log'));
  assert.equal(logs.length, log.segmentCount);
  assert.equal(logs[0], '00000000000000000000.log');
  // every segment's files as they are once closed: the active one's index files may lag its
  // memory by a few entries while it is open (IndexFile.persist), so it is closed first
  for (let offset = 0; offset < 90; offset++) {
    const got = offsetsOf(log.read(offset, 1).records);
    assert.deepEqual(got, [[offset - (offset % 3), offset - (offset % 3) + 2]]);
  }
  assert.equal(log.sizeInBytes, sizes.reduce((s, x) => s + x, 0));
  log.close();
  for (const name of logs) {
    assert.match(name, /^\d{20}\.log$/);
    assert.ok(fs.statSync(path.join(dir, name)).size <= 1000);
    const base = Number(name.slice(0, 20));
    assert.equal(base % 3, 0);
    const index = fs.readFileSync(path.join(dir, name.replace('.log', '.index')));
    assert.equal(index.length % 8, 0);
    assert.ok(index.length > 0 && index.length / 8 < fs.statSync(path.join(dir, name)).size / 300 + 1);
    const timeIndex = fs.readFileSync(path.join(dir, name.replace('.log', '.timeindex')));
    assert.equal(timeIndex.length % 12, 0);
  }
}));

test('rolls by time using the injected clock', () => withDir((dir) => {
  let now = 1_000_000;
  const log = PartitionLog.open(dir, config({ segmentMs: 1000 }), () => now);
  // [ms since the previous append, segments after this append]
  const steps = [[0, 1], [1000, 1], [1, 2], [500, 2], [600, 3]];
  for (const [elapsed, segments] of steps) {
    now += elapsed!;
    append(log, { records: 1 });
    assert.equal(log.segmentCount, segments, `after +${elapsed}ms`);
  }
  assert.ok(fs.existsSync(path.join(dir, '00000000000000000002.log')));
  assert.ok(fs.existsSync(path.join(dir, '00000000000000000004.log')));
  assert.deepEqual(offsetsOf(log.read(0, 1 << 20).records), [[0, 0], [1, 1]]);
  assert.deepEqual(offsetsOf(log.read(2, 1 << 20).records), [[2, 2], [3, 3]]);
  log.close();
}));

test('reopen after close gives the same log end offset and data', () => withDir((dir) => {
  let log = PartitionLog.open(dir, config({ segmentBytes: 1500, indexIntervalBytes: 200 }));
  for (let i = 0; i < 25; i++) {
    append(log, { records: 2, padding: 10 });
  }
  const before = [log.logEndOffset, log.segmentCount, log.sizeInBytes];
  const all = readAll(log);
  // the recovery point moves at close (the rolled segments' flushes complete there): not compared
  const indexes = listDir(dir).filter((n) => !n.endsWith('.log') && !n.endsWith('.snapshot') && n !== 'recovery-point-checkpoint').map((n) => fs.readFileSync(path.join(dir, n)));
  log.close();
  assert.equal(readRecoveryPoint(dir)?.segmentBaseOffset, Number(listDir(dir).filter((n) => n.endsWith('.log')).at(-1)!.slice(0, 20)));
  log = PartitionLog.open(dir, config({ segmentBytes: 1500, indexIntervalBytes: 200 }));
  assert.deepEqual([log.logEndOffset, log.segmentCount, log.sizeInBytes], before);
  assert.deepEqual(log.recovery.truncatedBytes, 0);
  assert.deepEqual(log.recovery.rebuiltIndexes, 0);
  assert.deepEqual(readAll(log), all);
  const indexesAgain = listDir(dir).filter((n) => !n.endsWith('.log') && !n.endsWith('.snapshot') && n !== 'recovery-point-checkpoint').map((n) => fs.readFileSync(path.join(dir, n)));
  assert.deepEqual(indexesAgain, indexes);
  assert.equal(append(log, { records: 1 }).baseOffset, before[0]);
  log.close();
}));
