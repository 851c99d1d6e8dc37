// Tests for the flush of rolled segments off the log's thread (segment-flusher.ts, Kafka's
// UnifiedLog.roll scheduling the flush): a roll returns before the rolled segment is synced; a
// crash while its flush is pending scans it (a torn or corrupt tail is cut as in an active segment);
// once the flush completed it is trusted again; close() syncs pending flushes itself; retention,
// DeleteRecords and a log closed under a pending flush stay safe; a failed flush keeps the recovery
// point; several rolls in a row keep the point monotonic and never past an unflushed segment; the
// roll's producer state snapshot, synced by the same flush, torn by a crash is replaced by the one before.
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import * as path from 'node:path';
import { readRecoveryPoint, writeRecoveryPoint, type RecoveryPoint } from '../../src/storage/checkpoint.js';
import { PartitionLog, type LogConfig } from '../../src/storage/log.js';
import { NO_PROBE } from '../../src/storage/probe.js';
import { eventually } from '../helpers/clients.js';
import { HeldFlusher, append, config, listDir, produce, readAll, tempDir, removeDir, withDir } from './helpers.js';

const cfg: LogConfig = config({ segmentBytes: 1200, indexIntervalBytes: 150 });

function open(dir: string, flusher: HeldFlusher | undefined, overrides: Partial<LogConfig> = {}, cleanShutdown = false): PartitionLog {
  return PartitionLog.open(dir, { ...cfg, ...overrides }, Date.now, cleanShutdown, NO_PROBE, flusher);
}

function logFiles(dir: string): string[] {
  return listDir(dir).filter((n) => n.endsWith('.log'));
}

/** Appends batches of 2 offsets until the log has `segments` segments and a batch in the last one. */
function fillTo(log: PartitionLog, segments: number): void {
  while (log.segmentCount < segments) append(log, { records: 2, padding: 12 });
  append(log, { records: 2, padding: 12 });
}

/** Size of the last batch of a .log file, found by walking its headers. */
function lastBatchSize(file: string): number {
  const buf = fs.readFileSync(file);
  let last = 0;
  for (let p = 0; p < buf.length; p += last) last = 12 + buf.readInt32BE(p + 8);
  return last;
}

/** Calls of fs.fdatasyncSync and fs.fsyncSync while `fn` runs, each as the path of the fd it synced. */
function syncedPaths(fn: () => void): string[] {
  const paths: string[] = [];
  for (const name of ['fdatasyncSync', 'fsyncSync'] as const) {
    const original = fs[name];
    mock.method(fs, name, (fd: number) => {
      paths.push(fs.readlinkSync(`/proc/self/fd/${fd}`));
      original(fd);
    });
  }
  syncBuiltinESMExports();
  try {
    fn();
  } finally {
    mock.restoreAll();
    syncBuiltinESMExports();
  }
  return paths;
}

test('a roll returns before the rolled segment is synced: its flush (with the roll\'s producer state snapshot and the directory) is handed to the flusher, the recovery point goes to its start', () => withDir((dir) => {
  const flusher = new HeldFlusher();
  const log = open(dir, flusher);
  const synced = syncedPaths(() => fillTo(log, 2));
  const [first, second] = logFiles(dir);
  assert.deepEqual(synced.filter((p) => /\.(log|index|timeindex|snapshot)$/.test(p)), [], 'no segment file nor snapshot synced on this thread');
  assert.equal(flusher.pending.length, 1);
  const heldPaths = flusher.pending[0]!.fds.map((fd) => path.basename(fs.readlinkSync(`/proc/self/fd/${fd}`))).sort();
  assert.deepEqual(heldPaths, [first!.replace('.log', '.index'), first!, first!.replace('.log', '.timeindex'), second!.replace('.log', '.snapshot'), path.basename(dir)].sort());
  assert.deepEqual([readRecoveryPoint(dir)?.segmentBaseOffset, readRecoveryPoint(dir)?.position], [0, 0]);
  flusher.completeAll();
  log.close();
}));

for (const [name, damage] of [
  ['a flipped byte in its last batch', (file: string) => {
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.from([0x5a]), 0, 1, fs.fstatSync(fd).size - 3);
    fs.closeSync(fd);
  }],
  ['its last batch cut short (torn)', (file: string) => fs.truncateSync(file, fs.statSync(file).size - 10)],
] as const) {
  test(`a crash while the rolled segment's flush is pending scans it: ${name} is cut and later segments go; after the flush completed it is trusted`, () => withDir((dir) => withDir((crashed) => withDir((today) => {
    const flusher = new HeldFlusher();
    const log = open(dir, flusher);
    fillTo(log, 3);
    const data = readAll(log);
    const logs = logFiles(dir);
    assert.equal(logs.length, 3);
    const rolled = path.join(crashed, logs[0]!);
    const rolledSize = fs.statSync(path.join(dir, logs[0]!)).size;
    const lastSize = lastBatchSize(path.join(dir, logs[0]!));
    const secondBase = Number(logs[1]!.slice(0, 20));

    // the crash, with both rolled segments' flushes pending (power loss tore the first one)
    fs.cpSync(dir, crashed, { recursive: true });
    damage(rolled);
    fs.cpSync(crashed, today, { recursive: true });
    fs.rmSync(path.join(today, 'recovery-point-checkpoint'));
    const recovered = open(crashed, undefined);
    assert.equal(recovered.recovery.recoveryPointOffset, 0);
    assert.ok(recovered.recovery.scannedBytes >= rolledSize - 10, `scanned ${recovered.recovery.scannedBytes} of ${rolledSize}`);
    assert.equal(recovered.recovery.truncatedFromOffset, secondBase - 2);
    assert.equal(recovered.logEndOffset, secondBase - 2);
    assert.equal(recovered.segmentCount, 1);
    assert.deepEqual(logFiles(crashed), [logs[0]]);
    assert.deepEqual(readAll(recovered), data.subarray(0, rolledSize - lastSize));
    assert.equal(append(recovered, { records: 1 }).baseOffset, secondBase - 2);
    recovered.close();
    // without the point (as before rolled segments were flushed off the thread) the damage would be trusted
    const trusting = open(today, undefined);
    assert.deepEqual([trusting.recovery.truncatedBytes, trusting.segmentCount], [0, 3]);
    trusting.close();

    // the flushes complete: the point goes to the active segment, a crash now trusts the closed ones
    flusher.completeAll();
    const active = logs.at(-1)!;
    assert.deepEqual([readRecoveryPoint(dir)?.segmentBaseOffset, readRecoveryPoint(dir)?.position], [Number(active.slice(0, 20)), 0]);
    const reopened = open(dir, undefined);
    assert.equal(reopened.recovery.scannedBytes, fs.statSync(path.join(dir, active)).size);
    assert.deepEqual([reopened.recovery.rebuiltIndexes, reopened.recovery.truncatedBytes], [0, 0]);
    assert.deepEqual(readAll(reopened), data);
    reopened.close();
    log.close(false, false);
  }))));
}

test('close() with flushes pending syncs the rolled segments itself and is clean; their completion afterwards changes nothing', () => withDir((dir) => {
  const flusher = new HeldFlusher();
  const log = open(dir, flusher);
  fillTo(log, 4);
  const leo = log.logEndOffset;
  const data = readAll(log);
  const logs = logFiles(dir);
  assert.equal(flusher.pending.length, 3);
  const snapshots = listDir(dir).filter((n) => n.endsWith('.snapshot'));
  assert.equal(snapshots.length, 2);
  let clean = false;
  const synced = syncedPaths(() => { clean = log.close(); });
  assert.equal(clean, true);
  for (const name of logs) {
    for (const file of [name, name.replace('.log', '.index'), name.replace('.log', '.timeindex')]) {
      assert.ok(synced.some((p) => path.basename(p) === file), `${file} synced at close: ${synced.map((p) => path.basename(p)).join(', ')}`);
    }
  }
  for (const file of snapshots) assert.ok(synced.some((p) => path.basename(p) === file), `${file} (the rolls' snapshots) synced at close`);
  const point = readRecoveryPoint(dir);
  assert.deepEqual([point?.segmentBaseOffset, point?.position], [Number(logs.at(-1)!.slice(0, 20)), 0]);
  flusher.completeAll();
  assert.deepEqual(readRecoveryPoint(dir), point);

  const trusted = open(dir, undefined, {}, true);
  assert.deepEqual([trusted.recovery.skippedScan, trusted.recovery.scannedBytes, trusted.recovery.rebuiltIndexes, trusted.logEndOffset], [true, 0, 0, leo]);
  assert.deepEqual(readAll(trusted), data);
  trusted.close();
  const crashed = open(dir, undefined);
  assert.deepEqual([crashed.recovery.scannedBytes, crashed.recovery.rebuiltIndexes], [fs.statSync(path.join(dir, logs.at(-1)!)).size, 0]);
  crashed.close();
}));

test('retention and DeleteRecords delete segments whose flush is pending; the flushes completing later throw nothing and write no point for them', () => withDir((dir) => {
  const flusher = new HeldFlusher();
  const log = open(dir, flusher);
  fillTo(log, 5);
  assert.equal(flusher.pending.length, 4);
  const logs = logFiles(dir);
  // DeleteRecords past the first segment: it goes, the flushes of the others are still pending
  const second = Number(logs[1]!.slice(0, 20));
  assert.equal(log.deleteRecordsBefore(second).logStartOffset, second);
  assert.equal(log.segmentCount, 4);
  assert.equal(readRecoveryPoint(dir)?.segmentBaseOffset, 0, 'the point stays before the unflushed segments');
  flusher.complete(0); // the deleted segment's: its fds are closed
  assert.equal(readRecoveryPoint(dir)?.segmentBaseOffset, 0);
  // retention by size deletes every closed segment: none is left unflushed, the point goes to the active one
  log.reconfigure({ ...cfg, retentionBytes: 1 });
  assert.equal(log.enforceRetention(Date.now()), 3);
  const active = Number(logFiles(dir).at(-1)!.slice(0, 20));
  const point = readRecoveryPoint(dir);
  assert.deepEqual([point?.segmentBaseOffset, point?.position], [active, 0]);
  flusher.completeAll();
  assert.deepEqual(readRecoveryPoint(dir), point);
  const leo = log.logEndOffset;
  const data = readAll(log);
  log.close(false, false);
  const reopened = open(dir, undefined);
  assert.deepEqual([reopened.logStartOffset, reopened.logEndOffset, reopened.recovery.truncatedBytes], [active, leo, 0]);
  assert.deepEqual(readAll(reopened), data);
  reopened.close();
}));

test('a flush completing after its log was closed (or deleted) writes nothing', () => withDir((dir) => {
  const flusher = new HeldFlusher();
  const log = open(path.join(dir, 'closed-0'), flusher);
  fillTo(log, 3);
  log.close(false, false);
  const point = readRecoveryPoint(path.join(dir, 'closed-0'));
  flusher.completeAll();
  assert.deepEqual(readRecoveryPoint(path.join(dir, 'closed-0')), point);
  assert.equal(point?.segmentBaseOffset, 0);

  const doomed = open(path.join(dir, 'doomed-0'), flusher);
  fillTo(doomed, 3);
  doomed.deleteAll();
  flusher.completeAll();
  assert.equal(fs.existsSync(path.join(dir, 'doomed-0')), false);
}));

test('a failed flush is logged and keeps the recovery point before its segment, later flushes notwithstanding; close is then not clean', () => withDir((dir) => {
  const flusher = new HeldFlusher();
  const log = open(dir, flusher);
  fillTo(log, 2);
  const errors = mock.method(console, 'error', () => {});
  try {
    flusher.fail(0);
    assert.equal(errors.mock.callCount(), 1);
    assert.match(String(errors.mock.calls[0]!.arguments[0]), /flush of segment 0 failed.*EIO/);
  } finally {
    mock.restoreAll();
  }
  fillTo(log, 4);
  flusher.completeAll();
  assert.deepEqual([readRecoveryPoint(dir)?.segmentBaseOffset, readRecoveryPoint(dir)?.position], [0, 0]);
  assert.equal(log.close(), false);
  assert.deepEqual([readRecoveryPoint(dir)?.segmentBaseOffset, readRecoveryPoint(dir)?.position], [0, 0]);
  const reopened = open(dir, undefined);
  assert.equal(reopened.recovery.recoveryPointOffset, 0);
  assert.equal(reopened.recovery.rebuiltIndexes, 3);
  reopened.close();
}));

test('many rolls with flushes outstanding, completed out of order: the point only moves forward and never past an unflushed segment', () => withDir((dir) => {
  const flusher = new HeldFlusher();
  const log = open(dir, flusher, { segmentBytes: 400 });
  let last: RecoveryPoint | null = null;
  let seed = 7;
  const check = (): void => {
    const point = readRecoveryPoint(dir)!;
    const unflushedBases = flusher.pending.map((f) => Number(path.basename(fs.readlinkSync(`/proc/self/fd/${f.fds[0]!}`)).slice(0, 20)));
    for (const base of unflushedBases) assert.ok(point.segmentBaseOffset <= base, `point in ${point.segmentBaseOffset} past unflushed ${base}`);
    if (last !== null) {
      assert.ok(point.segmentBaseOffset > last.segmentBaseOffset || (point.segmentBaseOffset === last.segmentBaseOffset && point.position >= last.position), 'monotonic');
    }
    last = point;
  };
  for (let i = 0; i < 300; i++) {
    append(log, { records: 2, padding: 12 });
    if (log.segmentCount > 1) check();
    seed = (seed * 1103515245 + 12345) % 2147483648;
    if (seed % 5 === 0 && flusher.pending.length > 0) {
      flusher.complete(seed % flusher.pending.length);
      check();
    }
  }
  assert.ok(log.segmentCount > 20, `${log.segmentCount} segments`);
  const leo = log.logEndOffset;
  const data = readAll(log);
  // a crash now: whatever is pending is scanned, nothing is lost
  const recovered = open(dir, undefined);
  assert.deepEqual([recovered.logEndOffset, recovered.recovery.truncatedBytes], [leo, 0]);
  assert.deepEqual(readAll(recovered), data);
  recovered.close();
  log.close(false, false);
}));

test('with the default flusher the thread pool syncs the rolled segment and writes the point, which reaches the active segment', async () => {
  const dir = tempDir();
  try {
    const log = PartitionLog.open(dir, cfg);
    fillTo(log, 3);
    const active = Number(logFiles(dir).at(-1)!.slice(0, 20));
    assert.equal(readRecoveryPoint(dir)?.segmentBaseOffset, 0);
    await eventually('the point to reach the active segment', async () => (readRecoveryPoint(dir)?.segmentBaseOffset === active ? true : undefined), 5_000, 5);
    assert.equal(readRecoveryPoint(dir)?.position, 0);
    await eventually('the point write to finish', async () => (listDir(dir).some((n) => n.endsWith('.tmp')) ? undefined : true), 5_000, 5);
    log.close();
  } finally {
    removeDir(dir);
  }
});

test('a crash before the roll\'s flush synced its producer state snapshot: a torn snapshot is dropped, the one before it and the log give the same producer state', () => withDir((dir) => {
  const flusher = new HeldFlusher();
  const log = open(dir, flusher);
  let sequence = 0;
  while (log.segmentCount < 4) {
    const p = produce({ records: 2, padding: 12, producerId: 7, producerEpoch: 0, baseSequence: sequence });
    assert.equal(log.appendFromProducer(p.records, p.batches).code, 0);
    sequence += 2;
  }
  const snapshots = listDir(dir).filter((n) => n.endsWith('.snapshot'));
  assert.equal(snapshots.length, 2);
  const latest = path.join(dir, snapshots.at(-1)!);
  fs.truncateSync(latest, Math.floor(fs.statSync(latest).size / 2));
  const recovered = open(dir, undefined);
  assert.equal(recovered.recovery.producerSnapshotOffset, Number(snapshots[0]!.slice(0, 20)));
  const repeat = produce({ records: 2, padding: 12, producerId: 7, producerEpoch: 0, baseSequence: sequence - 2 });
  assert.equal(recovered.appendFromProducer(repeat.records, repeat.batches).duplicate, true);
  const next = produce({ records: 1, producerId: 7, producerEpoch: 0, baseSequence: sequence });
  assert.deepEqual(recovered.appendFromProducer(next.records, next.batches), { code: 0, baseOffset: log.logEndOffset, duplicate: false });
  recovered.close();
  log.close(false, false);
}));

/** A HeldFlusher that writes recovery points off the log's thread too, held until released. */
class HeldPointFlusher extends HeldFlusher {
  readonly points: Array<{ dir: string; point: RecoveryPoint; done: (err: NodeJS.ErrnoException | null) => void }> = [];

  writePoint(dir: string, point: RecoveryPoint, done: (err: NodeJS.ErrnoException | null) => void): void {
    this.points.push({ dir, point, done });
  }

  /** Writes the oldest held point (as the default flusher would, on its thread pool) and calls its done. */
  land(): void {
    const held = this.points.shift();
    if (held === undefined) throw new Error('no held point write');
    writeRecoveryPoint(held.dir, held.point);
    held.done(null);
  }
}

test('the point a completed flush moves is written off the thread: one write at a time, the latest point next; close() writes it on the thread', () => withDir((dir) => {
  const flusher = new HeldPointFlusher();
  const log = open(dir, flusher as unknown as HeldFlusher);
  fillTo(log, 2);
  const second = Number(logFiles(dir)[1]!.slice(0, 20));
  // (the held flusher syncs the rolled segment's files itself, standing in for the thread pool)
  const fsyncs = syncedPaths(() => flusher.complete(0));
  assert.deepEqual(fsyncs.filter((p) => p.includes('recovery-point-checkpoint')), [], 'no checkpoint written on the log\'s thread when the flush completes');
  assert.equal(readRecoveryPoint(dir)?.segmentBaseOffset, 0, 'the point on disk stays until its write lands');
  assert.deepEqual(flusher.points.map((p) => p.point.segmentBaseOffset), [second]);
  // two more rolls completed while that write is out: the latest point goes next, once
  fillTo(log, 3);
  flusher.complete(0);
  fillTo(log, 4);
  flusher.complete(0);
  const fourth = Number(logFiles(dir)[3]!.slice(0, 20));
  assert.equal(flusher.points.length, 1, 'one point write out at a time');
  flusher.land();
  assert.equal(readRecoveryPoint(dir)?.segmentBaseOffset, second);
  assert.deepEqual(flusher.points.map((p) => p.point.segmentBaseOffset), [fourth], 'then the latest point asked for');
  // close with that write still out: the point is written on the thread, at the active segment
  assert.equal(log.close(), true);
  assert.equal(readRecoveryPoint(dir)?.segmentBaseOffset, fourth);
  flusher.land();
  assert.equal(readRecoveryPoint(dir)?.segmentBaseOffset, fourth);
  assert.equal(flusher.points.length, 0, 'nothing more after the close');
}));
