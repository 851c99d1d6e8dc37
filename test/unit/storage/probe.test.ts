// What a partition log reports to the probe its owner passes in (storage/probe.ts): a producer's
// appends once each (not duplicates, refusals or transaction markers), and the time of every
// segment flush. A recording stand-in probe over a log in a temp directory; no broker.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { PartitionLog } from '../../../src/storage/log.js';
import type { StorageProbe } from '../../../src/storage/probe.js';
import { buildBatch } from '../../records/build-batch.js';
import { config, withDir } from '../../storage/helpers.js';

class RecordingProbe implements StorageProbe {
  readonly appends: Array<[bytes: number, records: number]> = [];
  readonly fsyncs: number[] = [];
  fsync(seconds: number): void {
    this.fsyncs.push(seconds);
  }
  appended(bytes: number, records: number): void {
    this.appends.push([bytes, records]);
  }
}

const PRODUCE = { maxMessageBytes: 1 << 20, logAppendTime: false };

describe('storage probe', () => {
  it('hears of each producer append once, with its bytes and records', () => withDir((dir) => {
    const probe = new RecordingProbe();
    const log = PartitionLog.open(path.join(dir, 'orders-0'), config(), Date.now, false, probe);
    const batch = buildBatch({ records: 3, producerId: 5, producerEpoch: 0, baseSequence: 0 });
    const first = log.appendAsLeader(Buffer.from(batch), PRODUCE);
    assert.equal(first.errorCode, ErrorCode.NONE);
    assert.deepEqual([first.baseOffset, first.records, first.bytes, first.logEndOffset], [0, 3, batch.length, 3]);
    // a retried batch: its original offset, nothing appended, nothing reported
    const retry = log.appendAsLeader(Buffer.from(batch), PRODUCE);
    assert.deepEqual([retry.errorCode, retry.baseOffset, retry.records, retry.bytes], [ErrorCode.NONE, 0, 0, 0]);
    // a refused batch and a transaction marker are not producer appends
    assert.equal(log.appendAsLeader(buildBatch({ records: 2, padding: 50 }), { ...PRODUCE, maxMessageBytes: 50 }).errorCode, ErrorCode.MESSAGE_TOO_LARGE);
    assert.equal(log.writeTxnMarker(5, 0, true, 0, Date.now()).code, ErrorCode.NONE);
    assert.deepEqual(probe.appends, [[batch.length, 3]]);
    log.close();
  }));

  it('times every segment flush, each one reported', () => withDir((dir) => {
    const probe = new RecordingProbe();
    const log = PartitionLog.open(path.join(dir, 'orders-1'), config({ flushIntervalMessages: 1 }), Date.now, false, probe);
    for (let i = 0; i < 3; i++) assert.equal(log.appendAsLeader(buildBatch({ records: 1 }), PRODUCE).errorCode, ErrorCode.NONE);
    assert.equal(probe.fsyncs.length, 3);
    assert.ok(probe.fsyncs.every((s) => s >= 0 && Number.isFinite(s)));
    log.close();
    assert.ok(probe.fsyncs.length > 3, 'the close flushes too');
  }));

  it('names the partition by its directory in refusals', () => withDir((dir) => {
    const log = PartitionLog.open(path.join(dir, 'keyed-7'), config());
    const out = log.appendAsLeader(buildBatch({ records: [{ key: null, value: 'v' }] }), { ...PRODUCE, compacted: true });
    assert.equal(out.errorCode, ErrorCode.INVALID_RECORD);
    assert.match(out.recordErrors?.[0]?.batchIndexErrorMessage ?? '', /in topic partition keyed-7\.$/);
    assert.deepEqual([out.baseOffset, out.logEndOffset, out.records, out.bytes], [-1, 0, 0, 0]);
    log.close();
  }));
});
