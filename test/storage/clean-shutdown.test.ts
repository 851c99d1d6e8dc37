// Tests for opening a log after a clean shutdown (PartitionLog.open with cleanShutdown): the active
// segment is not scanned, its indexes are trusted and give the same log as a scan would; a log
// whose active segment does not agree with its indexes (garbage after the last batch, a cut batch,
// a damaged index) is scanned and truncated as after a crash; close() says whether it was clean;
// the marker files themselves (clean-shutdown.ts); and after a crash with flush.messages set, recovery
// from the recovery point (only what follows it scanned, the same indexes as a full scan).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readRecoveryPoint, writeRecoveryPoint } from '../../src/storage/checkpoint.js';
import { CLEAN_SHUTDOWN_FILE, takeCleanShutdownMarkers, writeCleanShutdownMarkers } from '../../src/storage/clean-shutdown.js';
import { PartitionLog, type LogConfig } from '../../src/storage/log.js';
import { NO_PROBE } from '../../src/storage/probe.js';
import { HeldFlusher, append, config, listDir, produce, readAll, withDir } from './helpers.js';

const cfg: LogConfig = config({ segmentBytes: 1200, indexIntervalBytes: 150 });

/** A cleanly closed log of several segments (an idempotent producer writes half of the batches). */
function fill(dir: string): { leo: number; data: Buffer; active: string; maxTimestamp: { offset: number; timestamp: number } | null } {
  const log = PartitionLog.open(dir, cfg);
  for (let i = 0; i < 25; i++) {
    append(log, i % 2 === 0
      ? { records: 2, padding: 12, baseTimestamp: 1_700_000_000_000 + i }
      : { records: 2, padding: 12, baseTimestamp: 1_700_000_000_000 + i, producerId: 7, producerEpoch: 0, baseSequence: i - 1 });
  }
  const result = { leo: log.logEndOffset, data: readAll(log), active: listDir(dir).filter((n) => n.endsWith('.log')).at(-1)!, maxTimestamp: log.maxTimestamp() };
  assert.equal(log.close(), true);
  return result;
}

test('after a clean shutdown the active segment is not scanned, and the log is the one a scan gives', () => withDir((dir) => {
  const { leo, data, maxTimestamp } = fill(dir);
  const trusted = PartitionLog.open(dir, cfg, Date.now, true);
  assert.deepEqual(
    { skipped: trusted.recovery.skippedScan, scanned: trusted.recovery.scannedBytes, truncated: trusted.recovery.truncatedBytes, replayed: trusted.recovery.replayedBatches },
    { skipped: true, scanned: 0, truncated: 0, replayed: 0 },
  );
  assert.equal(trusted.recovery.producerSnapshotOffset, leo);
  assert.equal(trusted.logEndOffset, leo);
  assert.deepEqual(readAll(trusted), data);
  assert.deepEqual(trusted.maxTimestamp(), maxTimestamp);
  // the producer state came back from the snapshot: the next sequence is accepted, a repeat is a duplicate
  const repeat = produce({ records: 2, padding: 12, baseTimestamp: 1_700_000_000_023, producerId: 7, producerEpoch: 0, baseSequence: 22 });
  assert.equal(trusted.appendFromProducer(repeat.records, repeat.batches).duplicate, true);
  const next = produce({ records: 1, producerId: 7, producerEpoch: 0, baseSequence: 24, baseTimestamp: 1_700_000_000_100 });
  assert.deepEqual(trusted.appendFromProducer(next.records, next.batches), { code: 0, baseOffset: leo, duplicate: false });
  assert.equal(trusted.close(), true);

  const scanned = PartitionLog.open(dir, cfg);
  assert.equal(scanned.recovery.skippedScan, false);
  assert.ok(scanned.recovery.scannedBytes > 0);
  assert.equal(scanned.logEndOffset, leo + 1);
  const again = PartitionLog.open(dir, cfg, Date.now, true);
  assert.equal(again.logEndOffset, leo + 1);
  assert.deepEqual(readAll(again), readAll(scanned));
  scanned.close();
  again.close();
}));

for (const [name, damage] of [
  ['garbage after the last batch', (dir: string, active: string) => fs.appendFileSync(path.join(dir, active), Buffer.alloc(40, 0xff))],
  ['a batch cut short', (dir: string, active: string) => fs.truncateSync(path.join(dir, active), fs.statSync(path.join(dir, active)).size - 10)],
  ['an offset index cut mid-entry', (dir: string, active: string) => fs.truncateSync(path.join(dir, active.replace('.log', '.index')), 3)],
] as const) {
  test(`marker present but ${name}: the active segment is scanned and truncated as after a crash`, () => withDir((dir) => {
    const { leo, active } = fill(dir);
    damage(dir, active);
    const log = PartitionLog.open(dir, cfg, Date.now, true);
    assert.equal(log.recovery.skippedScan, false);
    assert.ok(log.recovery.scannedBytes > 0);
    const cut = log.recovery.truncatedBytes;
    if (name === 'garbage after the last batch') assert.deepEqual([cut, log.recovery.truncatedFromOffset, log.logEndOffset], [40, leo, leo]);
    if (name === 'a batch cut short') assert.equal(log.logEndOffset, leo - 2);
    if (name === 'an offset index cut mid-entry') assert.deepEqual([cut, log.logEndOffset], [0, leo]);
    assert.equal(append(log, { records: 1 }).baseOffset, log.logEndOffset - 1);
    log.close();
  }));
}

test('an empty log opens after a clean shutdown too', () => withDir((dir) => {
  assert.equal(PartitionLog.open(dir, cfg).close(), true);
  const log = PartitionLog.open(dir, cfg, Date.now, true);
  assert.deepEqual([log.recovery.skippedScan, log.logEndOffset], [true, 0]);
  assert.equal(append(log, { records: 3 }).baseOffset, 0);
  log.close();
}));

test('a log that failed an append it could not undo is not closed cleanly; a closed one is not closed again', () => withDir((dir) => {
  const log = PartitionLog.open(dir, cfg);
  append(log, { records: 1 });
  (log as unknown as { failure: Error }).failure = new Error('ENOSPC');
  assert.equal(log.close(), false);
  assert.equal(log.close(), false);
}));

test('the marker: written to each log dir not named unclean, taken (removed) at start-up', () => withDir((a) => withDir((b) => {
  assert.deepEqual(writeCleanShutdownMarkers([a, b], new Set([path.resolve(b)])), [a]);
  assert.ok(fs.existsSync(path.join(a, CLEAN_SHUTDOWN_FILE)));
  assert.ok(!fs.existsSync(path.join(b, CLEAN_SHUTDOWN_FILE)));
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(a, CLEAN_SHUTDOWN_FILE), 'utf8')), { version: 0, brokerEpoch: -1 });
  assert.deepEqual([...takeCleanShutdownMarkers([a, b])], [a]);
  assert.ok(!fs.existsSync(path.join(a, CLEAN_SHUTDOWN_FILE)));
  assert.deepEqual([...takeCleanShutdownMarkers([a, b])], []);
  assert.ok(!listDir(a).some((n) => n.endsWith('.tmp')));
})));

// --- the recovery point (flush.messages): after a crash only what follows it is scanned ---

const flushing: LogConfig = config({ segmentBytes: 1 << 20, indexIntervalBytes: 150, flushIntervalMessages: 1 });

/** 10 batches, a minute, 1 batch (the recovery point is after it), 9 more; then a crash (nothing closed cleanly). */
function fillFlushing(dir: string): { point: number; leo: number; data: Buffer; fileSize: number } {
  let t = 1_800_000_000_000;
  const log = PartitionLog.open(dir, flushing, () => t);
  let point = -1;
  for (let i = 0; i < 20; i++) {
    if (i === 10) t += 60_000;
    append(log, { records: 3, padding: 20, baseTimestamp: 1_700_000_000_000 + (i * 7919) % 1000 });
    if (i === 10) point = log.logEndOffset;
  }
  const result = { point, leo: log.logEndOffset, data: readAll(log), fileSize: log.sizeInBytes };
  log.close(false, false);
  return result;
}

test('after a crash with flush.messages, recovery scans only what follows the recovery point, and builds the same indexes as a full scan', () => withDir((dir) => withDir((copy) => {
  const { point, leo, data, fileSize } = fillFlushing(dir);
  fs.appendFileSync(path.join(dir, '00000000000000000000.log'), Buffer.alloc(30, 0xff));
  fs.cpSync(dir, copy, { recursive: true });
  fs.rmSync(path.join(copy, 'recovery-point-checkpoint'));

  const fromPoint = PartitionLog.open(dir, flushing);
  const full = PartitionLog.open(copy, flushing);
  assert.equal(fromPoint.recovery.recoveryPointOffset, point);
  assert.equal(full.recovery.recoveryPointOffset, -1);
  assert.ok(fromPoint.recovery.scannedBytes < full.recovery.scannedBytes / 2, `${fromPoint.recovery.scannedBytes} of ${full.recovery.scannedBytes}`);
  assert.equal(full.recovery.scannedBytes, fileSize + 30);
  for (const log of [fromPoint, full]) {
    assert.deepEqual([log.recovery.truncatedBytes, log.recovery.truncatedFromOffset, log.logEndOffset], [30, leo, leo]);
    assert.deepEqual(readAll(log), data);
  }
  assert.deepEqual(fromPoint.maxTimestamp(), full.maxTimestamp());
  assert.deepEqual(fromPoint.offsetForTimestamp(1_700_000_000_500), full.offsetForTimestamp(1_700_000_000_500));
  for (const log of [fromPoint, full]) append(log, { records: 2, padding: 20, baseTimestamp: 1_700_000_001_000 });
  fromPoint.close();
  full.close();
  for (const suffix of ['.index', '.timeindex']) {
    assert.deepEqual(fs.readFileSync(path.join(dir, `00000000000000000000${suffix}`)), fs.readFileSync(path.join(copy, `00000000000000000000${suffix}`)), suffix);
  }
})));

test('a recovery point that does not fit the files (the .log cut below it) is ignored: the segment is scanned from its start', () => withDir((dir) => {
  const { point } = fillFlushing(dir);
  const file = path.join(dir, '00000000000000000000.log');
  const firstBatch = 12 + fs.readFileSync(file).readInt32BE(8);
  fs.truncateSync(file, firstBatch + 10);
  const log = PartitionLog.open(dir, flushing);
  assert.ok(point > 3);
  assert.equal(log.recovery.recoveryPointOffset, -1);
  assert.deepEqual([log.recovery.scannedBytes, log.recovery.truncatedBytes, log.logEndOffset], [firstBatch + 10, 10, 3]);
  log.close();
}));

test('a stale recovery point (the batch after it does not start at its offset) is ignored rather than cutting good batches', () => withDir((dir) => {
  const { leo, data } = fillFlushing(dir);
  const point = readRecoveryPoint(dir)!;
  writeRecoveryPoint(dir, { ...point, offset: point.offset + 1 });
  const log = PartitionLog.open(dir, flushing);
  assert.deepEqual([log.recovery.recoveryPointOffset, log.recovery.truncatedBytes, log.logEndOffset], [-1, 0, leo]);
  assert.deepEqual(readAll(log), data);
  log.close();
}));

test('a roll keeps the recovery point in the rolled segment until its flush completes; the point then goes to the new segment, and its next flush writes one inside it', () => withDir((dir) => {
  const flusher = new HeldFlusher();
  const log = PartitionLog.open(dir, config({ segmentBytes: 1200, indexIntervalBytes: 150, flushIntervalMessages: 1 }), () => 1_800_000_000_000, false, NO_PROBE, flusher);
  append(log, { records: 3, padding: 20 });
  const first = readRecoveryPoint(dir);
  assert.equal(first?.segmentBaseOffset, 0);
  assert.ok(first!.position > 0);
  while (log.segmentCount < 3) append(log, { records: 3, padding: 20 });
  // two rolled segments not yet flushed: the point stays where the first flush put it
  assert.equal(flusher.pending.length, 2);
  assert.deepEqual(readRecoveryPoint(dir), first);
  flusher.complete(0);
  assert.deepEqual(readRecoveryPoint(dir), first, 'the second rolled segment is not durable yet');
  flusher.complete(0);
  const active = listDir(dir).filter((n) => n.endsWith('.log')).at(-1)!;
  const base = Number(active.slice(0, 20));
  assert.deepEqual([readRecoveryPoint(dir)?.segmentBaseOffset, readRecoveryPoint(dir)?.position], [base, 0]);
  append(log, { records: 3, padding: 20 });
  const point = readRecoveryPoint(dir);
  assert.equal(log.segmentCount, 3);
  assert.deepEqual([point?.segmentBaseOffset, point?.position], [base, fs.statSync(path.join(dir, active)).size]);
  log.close();
}));
