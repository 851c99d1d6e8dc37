// Tests for PartitionLog.open's recovery: torn or corrupt tails of the active segment, missing or
// inconsistent indexes of closed segments, leftover files, corruption inside a closed segment, and
// the directories of deleted partitions (renamed, removed in the background, or at start-up).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TopicRegistry } from '../../src/cluster/topics.js';
import { readRecoveryPoint } from '../../src/storage/checkpoint.js';
import { PartitionLog, type LogConfig } from '../../src/storage/log.js';
import { eventually } from '../helpers/clients.js';
import { append, config, listDir, offsetsOf, readAll, withDir } from './helpers.js';

const cfg: LogConfig = config({ segmentBytes: 1200, indexIntervalBytes: 150 });

/** A closed log of several segments, 2 offsets per batch; returns what a consumer would read. */
function fill(dir: string, batches = 30): { leo: number; data: Buffer; logs: string[] } {
  const log = PartitionLog.open(dir, cfg);
  for (let i = 0; i < batches; i++) append(log, { records: 2, padding: 12 });
  const result = { leo: log.logEndOffset, data: readAll(log), logs: listDir(dir).filter((n) => n.endsWith('.log')) };
  log.close();
  return result;
}

function activeLog(dir: string, logs: string[]): string {
  return path.join(dir, logs.at(-1)!);
}

/** Size of the last batch of a .log file, found by walking its headers. */
function lastBatchSize(file: string): number {
  const buf = fs.readFileSync(file);
  let last = 0;
  for (let p = 0; p < buf.length; p += last) last = 12 + buf.readInt32BE(p + 8);
  return last;
}

test('garbage after the last batch is truncated and offsets continue', () => withDir((dir) => {
  const { leo, data, logs } = fill(dir);
  assert.ok(logs.length > 2);
  fs.appendFileSync(activeLog(dir, logs), Buffer.from('not a batch at all, just some torn bytes'));
  const log = PartitionLog.open(dir, cfg);
  assert.equal(log.recovery.truncatedBytes, 40);
  assert.ok(log.recovery.scannedBytes > 0);
  assert.equal(log.logEndOffset, leo);
  assert.deepEqual(readAll(log), data);
  assert.equal(append(log, { records: 1 }).baseOffset, leo);
  log.close();
}));

test('a .log cut mid-batch loses that batch only', () => withDir((dir) => {
  const { leo, data, logs } = fill(dir);
  const file = activeLog(dir, logs);
  const lastSize = lastBatchSize(file);
  fs.truncateSync(file, fs.statSync(file).size - 10);
  const log = PartitionLog.open(dir, cfg);
  assert.equal(log.recovery.truncatedBytes, lastSize - 10);
  assert.equal(log.logEndOffset, leo - 2);
  assert.deepEqual(readAll(log), data.subarray(0, data.length - lastSize));
  assert.deepEqual(append(log, { records: 3 }), { baseOffset: leo - 2, lastOffset: leo, logAppendTime: -1 });
  log.close();
  const again = PartitionLog.open(dir, cfg);
  assert.equal(again.recovery.truncatedBytes, 0);
  assert.equal(again.logEndOffset, leo + 1);
  again.close();
}));

test('a flipped byte in the last batch fails its CRC and the batch is dropped', () => withDir((dir) => {
  const { leo, logs } = fill(dir);
  const file = activeLog(dir, logs);
  const lastSize = lastBatchSize(file);
  const fd = fs.openSync(file, 'r+');
  const size = fs.fstatSync(fd).size;
  fs.writeSync(fd, Buffer.from([0x5a]), 0, 1, size - 3);
  fs.closeSync(fd);
  const log = PartitionLog.open(dir, cfg);
  assert.equal(log.recovery.truncatedBytes, lastSize);
  assert.equal(log.logEndOffset, leo - 2);
  assert.equal(fs.statSync(file).size, size - lastSize);
  log.close();
}));

test('a corrupt batch in the middle of the active segment cuts everything after it', () => withDir((dir) => {
  const { leo, logs } = fill(dir);
  const file = activeLog(dir, logs);
  const base = Number(logs.at(-1)!.slice(0, 20));
  const buf = fs.readFileSync(file);
  const firstSize = 12 + buf.readInt32BE(8);
  assert.ok(buf.length > firstSize * 2, 'active segment has at least two batches');
  buf[firstSize + 16] = 7; // magic of the second batch
  fs.writeFileSync(file, buf);
  const log = PartitionLog.open(dir, cfg);
  assert.equal(log.recovery.truncatedBytes, buf.length - firstSize);
  assert.equal(log.logEndOffset, base + 2);
  assert.ok(log.logEndOffset < leo);
  log.close();
}));

test('missing or inconsistent indexes of closed segments are rebuilt identically', () => withDir((dir) => {
  const { leo, data, logs } = fill(dir);
  const first = logs[0]!.slice(0, 20);
  const second = logs[1]!.slice(0, 20);
  const index = fs.readFileSync(path.join(dir, `${first}.index`));
  const timeIndex = fs.readFileSync(path.join(dir, `${first}.timeindex`));
  assert.ok(index.length >= 16 && timeIndex.length >= 12);
  fs.rmSync(path.join(dir, `${first}.index`));
  fs.rmSync(path.join(dir, `${first}.timeindex`));
  fs.appendFileSync(path.join(dir, `${second}.index`), Buffer.from([1, 2, 3]));
  const log = PartitionLog.open(dir, cfg);
  assert.equal(log.recovery.rebuiltIndexes, 2);
  assert.equal(log.recovery.truncatedBytes, 0);
  assert.equal(log.logEndOffset, leo);
  assert.deepEqual(readAll(log), data);
  assert.deepEqual(fs.readFileSync(path.join(dir, `${first}.index`)), index);
  assert.deepEqual(fs.readFileSync(path.join(dir, `${first}.timeindex`)), timeIndex);
  assert.equal(fs.statSync(path.join(dir, `${second}.index`)).size % 8, 0);
  log.close();
}));

test('an index pointing past its segment is rebuilt, not trusted', () => withDir((dir) => {
  const { leo, data, logs } = fill(dir);
  const file = path.join(dir, logs[0]!.replace('.log', '.index'));
  const entry = Buffer.alloc(8);
  entry.writeInt32BE(100000, 0);
  entry.writeInt32BE(100000, 4);
  fs.appendFileSync(file, entry);
  const log = PartitionLog.open(dir, cfg);
  assert.equal(log.recovery.rebuiltIndexes, 1);
  assert.equal(log.logEndOffset, leo);
  assert.deepEqual(readAll(log), data);
  log.close();
}));

test('leftover temp files and orphaned indexes are removed', () => withDir((dir) => {
  const { leo, logs } = fill(dir, 5);
  fs.writeFileSync(path.join(dir, '00000000000000000000.log.deleted'), 'x');
  fs.writeFileSync(path.join(dir, '00000000000000000000.index.swap'), 'x');
  fs.writeFileSync(path.join(dir, 'foo.tmp'), 'x');
  fs.writeFileSync(path.join(dir, '00000000000000099999.index'), 'x');
  fs.writeFileSync(path.join(dir, '00000000000000099999.timeindex'), 'x');
  const log = PartitionLog.open(dir, cfg);
  assert.equal(log.logEndOffset, leo);
  const expected = [...logs.flatMap((l) => [l.replace('.log', '.index'), l, l.replace('.log', '.timeindex')]), 'leader-epoch-checkpoint'].sort();
  // producer state snapshots stay (see producer-snapshot.ts)
  assert.deepEqual(listDir(dir).filter((n) => !n.endsWith('.snapshot')), expected);
  log.close();
}));

test('corruption inside a closed segment ends the log there and drops later segments', () => withDir((dir) => {
  const { logs } = fill(dir);
  const first = path.join(dir, logs[0]!);
  const buf = fs.readFileSync(first);
  const firstSize = 12 + buf.readInt32BE(8);
  buf[firstSize + 40] ^= 0xff; // inside the second batch's CRC-covered bytes
  fs.writeFileSync(first, buf);
  fs.rmSync(first.replace('.log', '.index')); // a missing index makes open rescan the segment
  const log = PartitionLog.open(dir, cfg);
  assert.equal(log.segmentCount, 1);
  assert.equal(log.logEndOffset, 2);
  assert.deepEqual(listDir(dir), ['00000000000000000000.index', '00000000000000000000.log', '00000000000000000000.timeindex', 'leader-epoch-checkpoint', 'recovery-point-checkpoint']);
  assert.equal(readRecoveryPoint(dir)?.segmentBaseOffset, 0, 'the recovery point is not left in a dropped segment');
  assert.deepEqual(offsetsOf(log.read(0, 1 << 20).records), [[0, 1]]);
  assert.equal(append(log, { records: 1 }).baseOffset, 2);
  log.close();
}));

test('an empty directory, and a missing one, open as an empty log', () => withDir((dir) => {
  const nested = path.join(dir, 'topic-0');
  const log = PartitionLog.open(nested, cfg);
  assert.deepEqual([log.logStartOffset, log.logEndOffset, log.sizeInBytes, log.segmentCount], [0, 0, 0, 1]);
  assert.equal(log.read(0, 100).records.length, 0);
  log.deleteAll();
  assert.equal(fs.existsSync(nested), false);
}));

test('a deleted partition\'s directory is renamed at once and removed in the background', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsa-delete-'));
  try {
    const nested = path.join(dir, 'topic-0');
    const log = PartitionLog.open(nested, cfg);
    append(log, { records: 3 });
    log.deleteAll();
    assert.equal(fs.existsSync(nested), false, 'the name is free at once');
    const again = PartitionLog.open(nested, cfg);
    assert.equal(again.logEndOffset, 0, 'a partition of the same name starts empty');
    again.close();
    await eventually('the renamed directory to go', async () => (fs.readdirSync(dir).every((n) => !n.endsWith('-delete')) ? true : undefined), 5_000, 20);
    assert.deepEqual(fs.readdirSync(dir), ['topic-0']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('directories of partitions deleted before a crash are removed at start-up', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsa-delete-'));
  try {
    const leftover = path.join(dir, 'gone-3.0123456789abcdef-delete');
    fs.mkdirSync(leftover);
    fs.writeFileSync(path.join(leftover, '00000000000000000000.log'), 'x');
    fs.mkdirSync(path.join(dir, 'kept-0'));
    TopicRegistry.load([dir]);
    await eventually('the leftover to go', async () => (fs.existsSync(leftover) ? undefined : true), 5_000, 20);
    assert.deepEqual(fs.readdirSync(dir), ['kept-0']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('index entries not yet in the active segment\'s files after a crash are rebuilt as a clean close writes them', () => withDir((dir) => {
  const big = config({ segmentBytes: 1 << 20, indexIntervalBytes: 1 });
  // a clean run: every batch gets an index entry (interval 1 byte), fewer than a write's worth
  const cleanDir = path.join(dir, 'clean');
  const crashDir = path.join(dir, 'crash');
  for (const d of [cleanDir, crashDir]) {
    const log = PartitionLog.open(d, big);
    for (let i = 0; i < 10; i++) append(log, { records: 2, padding: 12 });
    if (d === cleanDir) log.close();
    // the crashed log is left open, as a killed process leaves it: its index files lag its memory
  }
  const lagging = fs.readFileSync(path.join(crashDir, '00000000000000000000.index'));
  const whole = fs.readFileSync(path.join(cleanDir, '00000000000000000000.index'));
  assert.equal(whole.length, 9 * 8, 'a clean close writes every entry (the batch at position 0 needs none)');
  assert.ok(lagging.length < whole.length, `the open log's file lags (${lagging.length} bytes)`);
  const reopened = PartitionLog.open(crashDir, big);
  assert.equal(reopened.logEndOffset, 20);
  assert.ok(reopened.recovery.scannedBytes > 0, 'the active segment is scanned after a crash');
  reopened.close();
  for (const suffix of ['.index', '.timeindex']) {
    assert.deepEqual(fs.readFileSync(path.join(crashDir, `00000000000000000000${suffix}`)), fs.readFileSync(path.join(cleanDir, `00000000000000000000${suffix}`)), suffix);
  }
}));
