// Tests for log compaction (cleanup.policy=compact) on a PartitionLog in a temp directory: only each
// key's latest record stays, at its original offset; tombstones and min.compaction.lag.ms with an
// injected clock; batches in every codec, opaque and transactional batches; the active segment
// untouched; bounded steps with appends in between; crash leftovers (.cleaned, .swap) on reopen, and
// the directory copied between every two steps of a pass as a crash would leave it; a restart after
// compaction.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { crc32c } from '@node-rs/crc32';
import { ErrorCode } from '../../src/protocol/errors.js';
import { scanBatches } from '../../src/protocol/records/batch.js';
import { batchRecords, loadCodecs, rebuildBatch } from '../../src/protocol/records/compression.js';
import type { CompactionReport } from '../../src/storage/compaction.js';
import { PartitionLog, type LogConfig } from '../../src/storage/log.js';
import { decodeBatches } from '../helpers/record-batch.js';
import { buildBatch, type BuildBatchOptions } from '../records/build-batch.js';
import { append, config, listDir, offsetsOf, readAll, tempDir, removeDir, withDir } from './helpers.js';

const T0 = 1_700_000_000_000;

async function withDirAsync(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = tempDir();
  try {
    await fn(dir);
  } finally {
    removeDir(dir);
  }
}
const HOUR = 3_600_000;

function cfg(overrides: Partial<LogConfig> = {}): LogConfig {
  return config({ segmentBytes: 700, indexIntervalBytes: 150, compact: true, delete: false, ...overrides });
}

interface Rec { offset: number; key: string | null; value: string | null }

/** Appends one batch of keyed records, all at `timestamp`; answers them with their offsets. */
function put(log: PartitionLog, pairs: Array<[string | null, string | null]>, timestamp = T0): Rec[] {
  const { baseOffset } = append(log, { baseTimestamp: timestamp, records: pairs.map(([key, value]) => ({ key, value, timestampDelta: 0 })) });
  return pairs.map(([key, value], i) => ({ offset: baseOffset + i, key, value }));
}

/** Runs compaction steps until the pass is over; answers the last report. */
function compactAll(log: PartitionLog, nowMs: number, budgetBytes?: number): CompactionReport {
  for (let calls = 0; calls < 10_000; calls++) {
    const report = log.compact(nowMs, budgetBytes);
    if (!report.pending) return report;
  }
  throw new Error('compaction did not finish');
}

const str = (b: Buffer | null): string | null => (b === null ? null : b.toString());

/** Every record a consumer reads from `from` on, as the Fetch path serves it. */
function recordsFrom(log: PartitionLog, from: number): Rec[] {
  const out: Rec[] = [];
  for (let offset = from; offset < log.logEndOffset;) {
    const { code, records } = log.read(offset, 1 << 20);
    assert.equal(code, ErrorCode.NONE);
    if (records.length === 0) break;
    for (const batch of decodeBatches(records)) {
      for (const r of batch.records) if (r.offset >= offset) out.push({ offset: r.offset, key: str(r.key), value: str(r.value) });
    }
    offset = offsetsOf(records).at(-1)![1] + 1;
  }
  return out;
}

function activeBase(dir: string): number {
  return Math.max(...listDir(dir).filter((n) => n.endsWith('.log')).map((n) => Number(n.slice(0, 20))));
}

/** What compaction must leave: the active segment as it was, elsewhere each key's latest record. */
function expected(all: Rec[], active: number, dropTombstones = false): Rec[] {
  const latest = new Map<string, number>();
  for (const r of all) if (r.key !== null) latest.set(r.key, r.offset);
  return all.filter((r) => r.offset >= active || r.key === null
    || (latest.get(r.key) === r.offset && !(dropTombstones && r.value === null)));
}

function checkEveryFetchOffset(log: PartitionLog, want: Rec[]): void {
  for (let o = log.logStartOffset; o <= log.logEndOffset; o++) {
    assert.deepEqual(recordsFrom(log, o), want.filter((r) => r.offset >= o), `fetch from ${o}`);
  }
}

/** Updates of four keys, each beside a record of a key of its own; timestamps a second apart. */
function fillMixed(log: PartitionLog, batches = 80): Rec[] {
  const all: Rec[] = [];
  for (let i = 0; i < batches; i++) all.push(...put(log, [[`k${i % 4}`, `v${i}`.padEnd(20, '.')], [`u${i}`, 'unique']], T0 + 1000 * i));
  return all;
}

/** Many updates of a few keys in batches of 1 to 3 records. */
function fillUpdates(log: PartitionLog, batches = 60): Rec[] {
  const all: Rec[] = [];
  for (let i = 0; i < batches; i++) {
    const pairs: Array<[string, string]> = [];
    for (let j = 0; j <= i % 3; j++) pairs.push([`k${(i * 3 + j) % 5}`, `v${i}.${j}`.padEnd(10 + (i % 7), '.')]);
    all.push(...put(log, pairs, T0 + i));
  }
  return all;
}

test('compaction keeps each key\'s latest record at its original offset, from any fetch offset', () => withDir((dir) => {
  const log = PartitionLog.open(dir, cfg());
  const all = fillUpdates(log);
  const segments = log.segmentCount;
  assert.ok(segments > 4, `${segments} segments`);
  const bytes = log.sizeInBytes;
  const report = compactAll(log, T0 + HOUR);
  const want = expected(all, activeBase(dir));
  assert.deepEqual(recordsFrom(log, 0), want);
  checkEveryFetchOffset(log, want);
  assert.ok(report.completed !== null);
  assert.ok(report.completed.recordsRemoved > 100, `removed ${report.completed.recordsRemoved}`);
  assert.equal(report.completed.recordsRemoved, all.length - want.length);
  assert.ok(log.sizeInBytes < bytes / 3, `${log.sizeInBytes} of ${bytes} bytes`);
  assert.equal(log.logStartOffset, 0);
  assert.equal(log.logEndOffset, all.length);
  // emptied segments are gone, except the first
  assert.ok(log.segmentCount < segments);
  assert.ok(listDir(dir).includes('00000000000000000000.log'));
  assert.deepEqual(listDir(dir).filter((n) => !/^\d{20}\.(log|index|timeindex|snapshot)$/.test(n)), ['leader-epoch-checkpoint', 'recovery-point-checkpoint']);
  // appends go on at the same offsets
  assert.equal(put(log, [['k1', 'again']])[0]!.offset, all.length);
  log.close();
}));

test('batches keep their base offset and last offset delta; empty ones are dropped', () => withDir((dir) => {
  const log = PartitionLog.open(dir, cfg({ segmentBytes: 100_000 }));
  put(log, [['a', '1'], ['b', '1'], ['c', '1']]); // 0-2: b and c are overwritten below
  put(log, [['b', '2'], ['c', '2']]); // 3-4: both overwritten below
  put(log, [['c', '3'], [null, 'no key'], ['d', '1']]); // 5-7
  put(log, [['b', '3']]); // 8
  log.close();
  const rolled = PartitionLog.open(dir, cfg({ segmentBytes: 100_000, segmentMs: 1 }), () => T0 + HOUR);
  put(rolled, [['e', '1']]); // rolls: offsets 0-8 are now a closed segment
  compactAll(rolled, T0 + HOUR);
  const batches = decodeBatches(readAll(rolled));
  assert.deepEqual(batches.map((b) => [b.baseOffset, b.lastOffset, b.records.map((r) => r.offset)]), [
    [0, 2, [0]], [5, 7, [5, 6, 7]], [8, 8, [8]], [9, 9, [9]],
  ]);
  // the rewritten batch: its timestamps and producer fields as they were, maxTimestamp of what is left
  assert.equal(batches[0]!.baseTimestamp, T0);
  assert.equal(batches[0]!.maxTimestamp, T0);
  assert.equal(rolled.read(3, 1000).code, ErrorCode.NONE);
  assert.deepEqual(offsetsOf(rolled.read(3, 1000).records)[0], [5, 7]);
  rolled.close();
}));

test('the active segment is never rewritten, and a clean log is not read again until a segment closes', () => withDir((dir) => {
  const log = PartitionLog.open(dir, cfg());
  fillUpdates(log, 40);
  const activeFile = path.join(dir, `${String(activeBase(dir)).padStart(20, '0')}.log`);
  const before = fs.readFileSync(activeFile);
  compactAll(log, T0 + HOUR);
  assert.deepEqual(fs.readFileSync(activeFile), before);
  assert.deepEqual(log.compact(T0 + HOUR), { bytesRead: 0, pending: false, completed: null });
  // updates that only reach the active segment do not start a pass either
  put(log, [['k1', 'x']]);
  assert.equal(log.compact(T0 + HOUR).bytesRead, 0);
  // a roll does
  const segments = log.segmentCount;
  for (let i = 0; log.segmentCount === segments; i++) put(log, [['k2', `y${i}`.padEnd(50, '.')]]);
  assert.ok(log.compact(T0 + HOUR).bytesRead > 0);
  log.close();
}));

test('tombstones stay until delete.retention.ms after their segment\'s largest timestamp, then go', () => withDir((dir) => {
  const log = PartitionLog.open(dir, cfg({ deleteRetentionMs: 10_000 }));
  const all: Rec[] = [];
  all.push(...put(log, [['gone', 'v1'], ['kept', 'v1']], T0));
  all.push(...put(log, [['gone', null]], T0 + 1)); // tombstone
  for (let i = 0; i < 30; i++) all.push(...put(log, [[`filler${i}`, 'x'.repeat(40)]], T0 + 2));
  const active = activeBase(dir);
  compactAll(log, T0 + 5_000);
  assert.deepEqual(recordsFrom(log, 0), expected(all, active));
  assert.ok(recordsFrom(log, 0).some((r) => r.key === 'gone' && r.value === null), 'tombstone kept');
  // before the horizon nothing starts; after it, a pass starts without any new segment
  assert.equal(log.compact(T0 + 10_002).bytesRead, 0);
  const report = compactAll(log, T0 + 10_003);
  assert.ok(report.completed !== null && report.completed.recordsRemoved >= 1);
  assert.deepEqual(recordsFrom(log, 0), expected(all, active, true));
  assert.ok(!recordsFrom(log, 0).some((r) => r.key === 'gone'));
  log.close();
}));

test('min.compaction.lag.ms: records younger than the lag are not removed', () => withDir((dir) => {
  const log = PartitionLog.open(dir, cfg({ minCompactionLagMs: 60_000 }));
  const all: Rec[] = [];
  all.push(...put(log, [['old', 'v1'], ['young', 'v1']], T0));
  all.push(...put(log, [['old', 'v2']], T0));
  all.push(...put(log, [['young', 'v2']], T0 + 50_000));
  all.push(...put(log, [['young', 'v3']], T0 + 50_000));
  for (let i = 0; i < 30; i++) all.push(...put(log, [[`filler${i}`, 'x'.repeat(40)]], T0 + 50_000));
  const active = activeBase(dir);
  compactAll(log, T0 + 70_000); // 'old' v1 and 'young' v1 are 70 s old, 'young' v2 20 s
  const values = (log: PartitionLog) => recordsFrom(log, 0).filter((r) => r.key === 'old' || r.key === 'young').map((r) => `${r.key}=${r.value}`);
  assert.deepEqual(values(log), ['old=v2', 'young=v2', 'young=v3']);
  compactAll(log, T0 + 110_001);
  assert.deepEqual(recordsFrom(log, 0), expected(all, active));
  log.close();
}));

/** A batch whose records section is gzipped (attributes codec 1). */
function gzipBatch(opts: BuildBatchOptions): Buffer {
  const plain = buildBatch(opts);
  const out = Buffer.concat([plain.subarray(0, 61), gzipSync(plain.subarray(61))]);
  out.writeInt32BE(out.length - 12, 8);
  out.writeInt16BE(out.readInt16BE(21) | 1, 21);
  out.writeUInt32BE(crc32c(out.subarray(21)), 17);
  return out;
}

function appendRaw(log: PartitionLog, batch: Buffer): number {
  const scan = scanBatches(batch);
  assert.equal(scan.code, ErrorCode.NONE);
  return log.append(batch, scan.batches).baseOffset;
}

test('gzip batches are rewritten (still gzip); snappy, transactional and control batches stay whole', () => withDir((dir) => {
  const log = PartitionLog.open(dir, cfg({ segmentBytes: 100_000 }));
  const records = (tag: string) => ['a', 'b', 'c'].map((key) => ({ key, value: `${tag}-${key}`, timestampDelta: 0 }));
  appendRaw(log, gzipBatch({ baseTimestamp: T0, records: records('gzip') })); // 0-2
  const snappy = buildBatch({ baseTimestamp: T0, records: records('snappy'), attributes: 2 });
  appendRaw(log, Buffer.from(snappy)); // 3-5, bytes not really snappy: never looked into
  const txn = buildBatch({ baseTimestamp: T0, records: records('txn'), attributes: 0x10, producerId: 7, producerEpoch: 0, baseSequence: 0 });
  appendRaw(log, Buffer.from(txn)); // 6-8
  appendRaw(log, gzipBatch({ baseTimestamp: T0, records: [{ key: 'a', value: 'last-a', timestampDelta: 0 }, { key: 'b', value: 'last-b', timestampDelta: 0 }] })); // 9-10
  log.close();
  const rolled = PartitionLog.open(dir, cfg({ segmentBytes: 100_000, segmentMs: 1 }), () => T0 + HOUR);
  put(rolled, [['z', 'active']]); // rolls
  compactAll(rolled, T0 + HOUR);
  const data = readAll(rolled);
  assert.deepEqual(offsetsOf(data), [[0, 2], [3, 5], [6, 8], [9, 10], [11, 11]]);
  let pos = 0;
  const batchAt = () => { const size = 12 + data.readInt32BE(pos + 8); const b = data.subarray(pos, pos + size); pos += size; return b; };
  const first = batchAt();
  assert.equal(first.readInt16BE(21) & 7, 1, 'still gzip');
  assert.deepEqual(decodeBatches(first)[0]!.records.map((r) => [r.offset, str(r.key), str(r.value)]), [[2, 'c', 'gzip-c']]);
  const keep = Buffer.from(snappy);
  keep.writeBigInt64BE(3n, 0);
  assert.deepEqual(batchAt(), keep);
  const keepTxn = Buffer.from(txn);
  keepTxn.writeBigInt64BE(6n, 0);
  assert.deepEqual(batchAt(), keepTxn);
  assert.deepEqual(decodeBatches(batchAt())[0]!.records.map((r) => r.offset), [9, 10]);
  rolled.close();
}));

test('bounded steps: appends and reads between the steps of a pass lose nothing', () => withDir((dir) => {
  const log = PartitionLog.open(dir, cfg());
  const all = fillUpdates(log, 50);
  let steps = 0;
  for (;;) {
    const report = log.compact(T0 + HOUR, 200);
    steps++;
    assert.ok(report.bytesRead < 200 + 1400, `a step read ${report.bytesRead} bytes`);
    // every key updated again mid-pass: the newest value must survive
    if (steps % 3 === 0) all.push(...put(log, [[`k${steps % 5}`, `mid${steps}`]], T0 + 100));
    assert.deepEqual(recordsFrom(log, log.logStartOffset).at(-1), all.at(-1));
    if (!report.pending) break;
  }
  assert.ok(steps > 5, `${steps} steps`);
  const latest = new Map<string, Rec>();
  for (const r of all) latest.set(r.key!, r);
  const left = recordsFrom(log, 0);
  for (const r of latest.values()) assert.ok(left.some((l) => l.offset === r.offset && l.value === r.value), `latest ${r.key} kept`);
  compactAll(log, T0 + HOUR);
  log.close();
}));

test('retention does not delete segments of a compact-only log', () => withDir((dir) => {
  const log = PartitionLog.open(dir, cfg({ retentionMs: 1, retentionBytes: 1 }));
  fillUpdates(log, 30);
  const segments = log.segmentCount;
  assert.equal(log.enforceRetention(T0 + HOUR), 0);
  assert.equal(log.segmentCount, segments);
  log.close();
  const both = PartitionLog.open(dir, cfg({ retentionMs: 1, delete: true }));
  const end = both.logEndOffset;
  assert.equal(both.enforceRetention(T0 + HOUR), segments, 'with delete too, every expired segment goes, the active one rolled first');
  assert.deepEqual([both.segmentCount, both.logStartOffset, both.logEndOffset], [1, end, end]);
  both.close();
}));

test('a log without compact in its cleanup.policy is never compacted', () => withDir((dir) => {
  const log = PartitionLog.open(dir, cfg({ compact: false }));
  const all = fillUpdates(log, 30);
  assert.deepEqual(log.compact(T0 + HOUR), { bytesRead: 0, pending: false, completed: null });
  assert.deepEqual(recordsFrom(log, 0), all);
  log.close();
}));

function copyDir(from: string, to: string): void {
  for (const name of fs.readdirSync(from)) fs.copyFileSync(path.join(from, name), path.join(to, name));
}

test('crash leftovers: .cleaned files are dropped, a committed .log.swap is completed', () => withDir((dir) => {
  const log = PartitionLog.open(dir, cfg());
  const all = fillMixed(log);
  log.close();
  const cleanedDir = tempDir();
  try {
    copyDir(dir, cleanedDir);
    const cleaned = PartitionLog.open(cleanedDir, cfg());
    compactAll(cleaned, T0 + HOUR);
    const want = recordsFrom(cleaned, 0);
    cleaned.close();
    const base = (n: number) => String(n).padStart(20, '0');
    const bases = listDir(dir).filter((n) => n.endsWith('.log')).map((n) => Number(n.slice(0, 20)));
    const rewritten = bases.filter((b) => fs.existsSync(path.join(cleanedDir, `${base(b)}.log`))
      && !fs.readFileSync(path.join(cleanedDir, `${base(b)}.log`)).equals(fs.readFileSync(path.join(dir, `${base(b)}.log`))));
    assert.ok(rewritten.length >= 2, `rewritten segments ${rewritten.join(',')}`);
    const [s1, s2] = rewritten as [number, number];

    // a crash while writing: .cleaned files only (torn); the log opens as it was
    fs.writeFileSync(path.join(dir, `${base(s1)}.log.cleaned`), 'torn');
    fs.writeFileSync(path.join(dir, `${base(s1)}.index.cleaned`), 'x');
    let reopened = PartitionLog.open(dir, cfg());
    assert.deepEqual(recordsFrom(reopened, 0), all);
    assert.deepEqual(listDir(dir).filter((n) => n.includes('.cleaned')), []);
    reopened.close();

    // crashes after the commit: s1's swap with its old .log and indexes still there; s2's swap with
    // its indexes removed and a torn .cleaned of the next segment beside it
    fs.copyFileSync(path.join(cleanedDir, `${base(s1)}.log`), path.join(dir, `${base(s1)}.log.swap`));
    fs.copyFileSync(path.join(cleanedDir, `${base(s2)}.log`), path.join(dir, `${base(s2)}.log.swap`));
    fs.rmSync(path.join(dir, `${base(s2)}.index`));
    fs.rmSync(path.join(dir, `${base(s2)}.timeindex`));
    fs.writeFileSync(path.join(dir, `${base(s2 + 1)}.log.cleaned`), 'torn');
    reopened = PartitionLog.open(dir, cfg());
    assert.equal(reopened.recovery.truncatedBytes, 0);
    assert.deepEqual(listDir(dir).filter((n) => /swap|cleaned/.test(n)), []);
    for (const b of [s1, s2]) {
      assert.deepEqual(fs.readFileSync(path.join(dir, `${base(b)}.log`)), fs.readFileSync(path.join(cleanedDir, `${base(b)}.log`)));
    }
    assert.equal(reopened.logEndOffset, all.length);
    // what the swaps left is a log the cleaner goes on with, to the same result
    compactAll(reopened, T0 + HOUR);
    assert.deepEqual(recordsFrom(reopened, 0), want);
    checkEveryFetchOffset(reopened, want);
    reopened.close();
  } finally {
    removeDir(cleanedDir);
  }
}));

test('after a restart a compacted log keeps its offsets, indexes and timestamp lookups', () => withDir((dir) => {
  const log = PartitionLog.open(dir, cfg());
  const all = fillMixed(log);
  compactAll(log, T0 + HOUR);
  const want = recordsFrom(log, 0);
  assert.deepEqual(want, expected(all, activeBase(dir)));
  const leo = log.logEndOffset;
  log.close();

  const reopened = PartitionLog.open(dir, cfg());
  assert.equal(reopened.recovery.truncatedBytes, 0);
  assert.equal(reopened.recovery.rebuiltIndexes, 0, 'the rebuilt indexes are adopted as they are');
  assert.equal(reopened.logEndOffset, leo);
  assert.equal(reopened.logStartOffset, 0);
  checkEveryFetchOffset(reopened, want);
  // k0..k3 were overwritten: at i = 10 the record of k2 (offset 20) is gone, u10 (offset 21) is not
  assert.ok(!want.some((r) => r.offset === 20));
  assert.deepEqual(reopened.offsetForTimestamp(T0 + 10_000), { offset: 21, timestamp: T0 + 10_000 });
  assert.deepEqual(reopened.offsetForTimestamp(T0 + 10_001), { offset: 23, timestamp: T0 + 11_000 });
  assert.deepEqual(reopened.maxTimestamp(), { offset: 158, timestamp: T0 + 79_000 });
  const middle = want[Math.floor(want.length / 2)]!.offset;
  assert.deepEqual(offsetsOf(reopened.read(middle, 1).records)[0]![0] <= middle, true);
  assert.deepEqual(put(reopened, [['k0', 'after restart']])[0]!.offset, leo);
  // nothing closed since the restart's full pass: the second pass reads nothing
  compactAll(reopened, T0 + HOUR);
  assert.equal(reopened.compact(T0 + HOUR).bytesRead, 0);
  reopened.close();
}));

/** Appends one batch of keyed records in the given codec (records/compression.ts). */
function putIn(log: PartitionLog, codec: number, pairs: Array<[string | null, string | null]>, timestamp: number): Rec[] {
  const plain = buildBatch({ baseTimestamp: timestamp, records: pairs.map(([key, value]) => ({ key, value, timestampDelta: 0 })) });
  const baseOffset = appendRaw(log, codec === 0 ? plain : rebuildBatch(plain, 0, batchRecords(plain, 0), codec));
  return pairs.map(([key, value], i) => ({ offset: baseOffset + i, key, value }));
}

test('batches in every codec (gzip, snappy, lz4, zstd) are compacted and keep their codec; tombstones go in each', async () => {
  await loadCodecs();
  await withDirAsync(async (dir) => {
    const log = PartitionLog.open(dir, cfg({ segmentBytes: 600, deleteRetentionMs: HOUR }));
    const all: Rec[] = [];
    for (let i = 0; i < 60; i++) {
      const codec = i % 5;
      const pairs: Array<[string, string | null]> = [[`k${i % 6}`, `v${i}`.padEnd(30, '.')], [`c${codec}-${i % 2}`, i % 7 === 3 ? null : `w${i}`]];
      all.push(...putIn(log, codec, pairs, T0 + i));
    }
    const active = activeBase(dir);
    const before = decodeBatches(readAll(log)).map((b) => [b.baseOffset, b.compression]);
    const closedRecords = (codec: number): number => decodeBatches(readAll(log)).filter((b) => b.baseOffset < active && b.compression === codec).reduce((n, b) => n + b.records.length, 0);
    const recordsBefore = [0, 1, 2, 3, 4].map(closedRecords);
    compactAll(log, T0 + 10 * HOUR);
    const want = expected(all, active, true);
    assert.deepEqual(recordsFrom(log, 0), want);
    checkEveryFetchOffset(log, want);
    const after = decodeBatches(readAll(log));
    const codecs = new Map(before.map(([base, codec]) => [base, codec]));
    for (const b of after) assert.equal(b.compression, codecs.get(b.baseOffset), `batch ${b.baseOffset} keeps its codec`);
    // every codec was looked into: each lost records of keys written again later
    [0, 1, 2, 3, 4].forEach((codec) => assert.ok(closedRecords(codec) < recordsBefore[codec]!, `codec ${codec}: ${closedRecords(codec)} of ${recordsBefore[codec]} records left`));
    log.close();
  });
});

test('a crash between any two steps of a pass leaves a log that recovers with every key\'s latest value', async () => {
  await loadCodecs();
  await withDirAsync(async (dir) => {
    const log = PartitionLog.open(dir, cfg());
    const all: Rec[] = [];
    for (let i = 0; i < 50; i++) all.push(...putIn(log, i % 5, [[`k${i % 5}`, `v${i}`.padEnd(12, '.')], [`u${i % 9}`, `x${i}`]], T0 + i));
    const latest = new Map<string, Rec>();
    for (const r of all) latest.set(r.key!, r);
    const copy = tempDir();
    try {
      let steps = 0;
      for (let pending = true; pending; steps++) {
        pending = log.compact(T0 + HOUR, 150).pending;
        // the directory as a crash would leave it now: the open file of a rewrite under way included
        fs.rmSync(copy, { recursive: true, force: true });
        fs.mkdirSync(copy);
        copyDir(dir, copy);
        const recovered = PartitionLog.open(copy, cfg());
        assert.equal(recovered.recovery.truncatedBytes, 0, `step ${steps}`);
        assert.equal(recovered.logEndOffset, all.length);
        const left = recordsFrom(recovered, 0);
        for (const r of latest.values()) assert.ok(left.some((l) => l.offset === r.offset && l.value === r.value), `step ${steps}: latest ${r.key} kept`);
        const offsets = left.map((r) => r.offset);
        assert.deepEqual(offsets, [...offsets].sort((a, b) => a - b), `step ${steps}: offsets in order`);
        assert.ok(left.every((r) => all.some((a) => a.offset === r.offset && a.value === r.value)), `step ${steps}: nothing made up`);
        assert.deepEqual(listDir(copy).filter((n) => /cleaned|swap/.test(n)), []);
        compactAll(recovered, T0 + HOUR);
        assert.deepEqual(recordsFrom(recovered, 0), expected(all, activeBase(copy)));
        recovered.close();
      }
      assert.ok(steps > 4, `${steps} steps`);
    } finally {
      removeDir(copy);
    }
    log.close();
  });
});

test('transactional batches: committed ones are compacted like any other, aborted ones go whole, open ones stay whole', () => withDir((dir) => {
  const log = PartitionLog.open(dir, cfg({ segmentBytes: 100_000 }));
  const txn = (producerId: number, pairs: Array<[string, string]>) => appendRaw(log, buildBatch({
    baseTimestamp: T0, attributes: 0x10, producerId, producerEpoch: 0, baseSequence: 0,
    records: pairs.map(([key, value]) => ({ key, value, timestampDelta: 0 })),
  }));
  put(log, [['a', 'plain-a'], ['b', 'plain-b'], ['c', 'plain-c']]); // 0-2
  assert.equal(txn(1, [['a', 'txn1-a'], ['x', 'txn1-x']]), 3); // 3-4, committed at 5
  assert.equal(log.writeTxnMarker(1, 0, true, 0, T0).offset, 5);
  assert.equal(txn(2, [['b', 'txn2-b']]), 6); // aborted at 7
  assert.equal(log.writeTxnMarker(2, 0, false, 0, T0).offset, 7);
  assert.equal(txn(3, [['c', 'txn3-c']]), 8); // still open
  log.close();
  const rolled = PartitionLog.open(dir, cfg({ segmentBytes: 100_000, segmentMs: 1 }), () => T0 + HOUR);
  assert.equal(rolled.lastStableOffset, 8);
  put(rolled, [['z', 'active']], T0 + HOUR); // 9, rolls
  const report = compactAll(rolled, T0 + HOUR);
  const batches = decodeBatches(readAll(rolled));
  assert.equal(report.completed?.recordsRemoved, 2); // plain-a, and the aborted txn2-b
  assert.deepEqual(batches.map((b) => [b.baseOffset, b.lastOffset, (b.attributes & 0x20) !== 0]),
    [[0, 2, false], [3, 4, false], [5, 5, true], [7, 7, true], [8, 8, false], [9, 9, false]]);
  assert.deepEqual(batches.filter((b) => (b.attributes & 0x20) === 0).flatMap((b) => b.records.map((r) => [r.offset, str(r.key), str(r.value)])),
    [[1, 'b', 'plain-b'], [2, 'c', 'plain-c'], [3, 'a', 'txn1-a'], [4, 'x', 'txn1-x'], [8, 'c', 'txn3-c'], [9, 'z', 'active']]);
  assert.ok((batches[1]!.attributes & 0x10) !== 0, 'the committed batch is still transactional');
  // read_committed still sees the aborted transaction's range as aborted, with nothing left in it
  assert.deepEqual(rolled.readCommitted(0, 1 << 20).abortedTransactions.map((t) => [t.producerId, t.firstOffset]), [[2, 6]]);
  rolled.close();
}));
