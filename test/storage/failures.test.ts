// Tests for I/O failure during append (the log must not run ahead of its files) and for
// flushIntervalMessages. Failures are injected by mocking node:fs functions.
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { PartitionLog } from '../../src/storage/log.js';
import { append, config, readAll, withDir } from './helpers.js';

function enospc(): Error {
  return Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
}

/** Makes the next write to a .log file write half its bytes, then fail. */
function failNextLogWrite(): void {
  const original = fs.writeSync;
  let calls = 0;
  mock.method(fs, 'writeSync', (fd: number, buf: Buffer, off: number, len: number, pos: number) => {
    const isLog = fs.readlinkSync(`/proc/self/fd/${fd}`).endsWith('.log');
    if (!isLog) return original(fd, buf, off, len, pos);
    calls++;
    if (calls === 1) return original(fd, buf, off, Math.max(1, len >> 1), pos);
    throw enospc();
  });
  syncBuiltinESMExports();
}

function restoreFs(): void {
  mock.restoreAll();
  syncBuiltinESMExports();
}

test('a failed append leaves offsets, size and files as they were', () => withDir((dir) => {
  const log = PartitionLog.open(dir, config({ indexIntervalBytes: 50 }));
  append(log, { records: 3 }, { records: 2 });
  const [leo, size, data] = [log.logEndOffset, log.sizeInBytes, readAll(log)];
  failNextLogWrite();
  try {
    assert.throws(() => append(log, { records: 4 }), /ENOSPC/);
  } finally {
    restoreFs();
  }
  assert.equal(log.logEndOffset, leo);
  assert.equal(log.sizeInBytes, size);
  assert.equal(fs.statSync(`${dir}/00000000000000000000.log`).size, size);
  assert.deepEqual(readAll(log), data);
  assert.equal(append(log, { records: 1 }).baseOffset, leo);
  log.close();
  const reopened = PartitionLog.open(dir, config({ indexIntervalBytes: 50 }));
  assert.deepEqual([reopened.logEndOffset, reopened.recovery.truncatedBytes], [leo + 1, 0]);
  reopened.close();
}));

test('when the failed write cannot be undone the log refuses further appends', () => withDir((dir) => {
  const log = PartitionLog.open(dir, config());
  append(log, { records: 1 });
  failNextLogWrite();
  mock.method(fs, 'ftruncateSync', () => {
    throw enospc();
  });
  syncBuiltinESMExports();
  try {
    assert.throws(() => append(log, { records: 1 }), /ENOSPC/);
  } finally {
    restoreFs();
  }
  assert.equal(log.logEndOffset, 1);
  assert.throws(() => append(log, { records: 1 }), /ENOSPC/);
  assert.equal(log.read(0, 1000).records.length > 0, true);
  log.close();
  const reopened = PartitionLog.open(dir, config());
  assert.equal(reopened.logEndOffset, 1);
  assert.ok(reopened.recovery.truncatedBytes > 0);
  reopened.close();
}));

test('flushIntervalMessages: 1 syncs before append returns; the default leaves it to the OS', () => withDir((dir) => {
  const synced = mock.method(fs, 'fdatasyncSync');
  syncBuiltinESMExports();
  try {
    const eager = PartitionLog.open(`${dir}/eager`, config({ flushIntervalMessages: 1 }));
    append(eager, { records: 1 });
    assert.ok(synced.mock.callCount() >= 1);
    const before = synced.mock.callCount();
    const lazy = PartitionLog.open(`${dir}/lazy`, config());
    append(lazy, { records: 5 });
    assert.equal(synced.mock.callCount(), before);
    const batched = PartitionLog.open(`${dir}/batched`, config({ flushIntervalMessages: 10 }));
    append(batched, { records: 4 });
    append(batched, { records: 4 });
    assert.equal(synced.mock.callCount(), before);
    append(batched, { records: 4 });
    assert.ok(synced.mock.callCount() > before);
    for (const log of [eager, lazy, batched]) log.close();
  } finally {
    restoreFs();
  }
}));
