// Producer state of a partition log (src/storage/producer-state.ts, producer-snapshot.ts, the
// producer side of log.ts): idempotent appends (duplicates, sequence gaps, stale epochs, several
// batches in one request), transactions (last stable offset, markers, the .txnindex, read_committed
// reads), snapshots and the replay after them on open, truncation, expiry and retention.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PartitionLog } from '../../src/storage/log.js';
import { ProducerStateManager, lastSequenceOf } from '../../src/storage/producer-state.js';
import { decodeSnapshot, encodeSnapshot } from '../../src/storage/producer-snapshot.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { TRANSACTIONAL_FLAG_MASK } from '../../src/protocol/records/batch.js';
import type { BuildBatchOptions } from '../records/build-batch.js';
import { config, listDir, offsetsOf, produce, readAll, withDir } from './helpers.js';

const PID = 4000;
const TXN = TRANSACTIONAL_FLAG_MASK;
const T0 = 1_700_000_000_000;

/** One idempotent batch of `records` records from producer `pid` at `seq`. */
function batch(seq: number, records = 2, opts: BuildBatchOptions = {}): BuildBatchOptions {
  return { producerId: PID, producerEpoch: 0, baseSequence: seq, records, ...opts };
}

function send(log: PartitionLog, ...batches: BuildBatchOptions[]): { code: number; baseOffset: number; duplicate: boolean } {
  const p = produce(...batches);
  return log.appendFromProducer(p.records, p.batches);
}

const ok = (baseOffset: number, duplicate = false) => ({ code: ErrorCode.NONE, baseOffset, duplicate });
const rejected = (code: number) => ({ code, baseOffset: -1, duplicate: false });
const snapshots = (dir: string): string[] => listDir(dir).filter((n) => n.endsWith('.snapshot'));

test('a retried batch is answered with its original offset and not appended again', () => withDir((dir) => {
  const log = PartitionLog.open(dir, config());
  assert.deepEqual(send(log, batch(0, 3)), ok(0));
  assert.deepEqual(send(log, batch(3, 2)), ok(3));
  assert.deepEqual(send(log, { records: 1 }), ok(5)); // a producer without an id is not checked
  const size = log.sizeInBytes;
  assert.deepEqual(send(log, batch(3, 2)), ok(3, true));
  assert.deepEqual(send(log, batch(0, 3)), ok(0, true));
  assert.equal(log.logEndOffset, 6);
  assert.equal(log.sizeInBytes, size);
  // the last 5 batches are remembered; an older repeat is out of order
  for (let seq = 5; seq < 15; seq += 2) send(log, batch(seq, 2));
  assert.deepEqual(send(log, batch(5, 2)), ok(6, true));
  assert.deepEqual(send(log, batch(3, 2)), rejected(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER));
  // same sequences under another epoch are no duplicate: a new epoch must start at 0
  assert.deepEqual(send(log, batch(13, 2, { producerEpoch: 1 })), rejected(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER));
  log.close();
}));

test('sequence gaps, unknown producers and new epochs', () => withDir((dir) => {
  const log = PartitionLog.open(dir, config());
  assert.deepEqual(send(log, batch(5)), rejected(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER), 'an unknown producer starts at 0');
  assert.deepEqual(send(log, batch(0)), ok(0));
  assert.deepEqual(send(log, batch(3)), rejected(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER), 'a gap');
  assert.deepEqual(send(log, batch(1)), rejected(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER), 'an overlap');
  assert.deepEqual(send(log, batch(2)), ok(2));
  assert.deepEqual(send(log, batch(4, 2, { producerEpoch: 1 })), rejected(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER));
  assert.deepEqual(send(log, batch(0, 2, { producerEpoch: 1 })), ok(4));
  assert.deepEqual(send(log, batch(2, 2, { producerEpoch: 0 })), rejected(ErrorCode.INVALID_PRODUCER_EPOCH), 'a stale epoch');
  assert.deepEqual(send(log, batch(2, 2, { producerEpoch: 1 })), ok(6));
  assert.equal(log.logEndOffset, 8);
  log.close();
}));

test('sequences wrap from 2^31 - 1 to 0', () => {
  const INT32_MAX = 0x7fffffff;
  assert.equal(lastSequenceOf(INT32_MAX - 1, 3), 1);
  assert.equal(lastSequenceOf(INT32_MAX, 0), INT32_MAX);
  const state = new ProducerStateManager();
  state.load([{ producerId: 1, producerEpoch: 3, coordinatorEpoch: -1, lastTimestamp: 0, currentTxnFirstOffset: -1, batches: [{ firstSeq: INT32_MAX - 10, lastSeq: INT32_MAX - 2, firstOffset: 0, lastOffset: 8, timestamp: 0 }] }]);
  const b = (baseSequence: number, lastOffsetDelta: number) => ({ producerId: 1, producerEpoch: 3, baseSequence, lastOffsetDelta, maxTimestamp: 0, attributes: 0 });
  assert.equal(state.check([b(INT32_MAX - 1, 2)]).code, ErrorCode.NONE);
  state.applyBatch(b(INT32_MAX - 1, 2), 9, 11);
  assert.equal(state.get(1)!.batches.at(-1)!.lastSeq, 0);
  assert.equal(state.check([b(0, 0)]).code, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  assert.equal(state.check([b(1, 0)]).code, ErrorCode.NONE);
  assert.equal(state.check([b(INT32_MAX - 1, 2)]).duplicate?.firstOffset, 9);
});

test('the batches of one request are all checked before any is appended', () => withDir((dir) => {
  const log = PartitionLog.open(dir, config());
  assert.deepEqual(send(log, batch(0), batch(2), { producerId: PID + 1, producerEpoch: 0, baseSequence: 0, records: 1 }, batch(4)), ok(0));
  assert.deepEqual(offsetsOf(readAll(log)), [[0, 1], [2, 3], [4, 4], [5, 6]]);
  const size = log.sizeInBytes;
  assert.deepEqual(send(log, batch(6), batch(9)), rejected(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER));
  assert.deepEqual(send(log, batch(6), batch(8, 2, { producerEpoch: 1 })), rejected(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER));
  assert.deepEqual(send(log, batch(6), batch(0, 2, { producerEpoch: 1 }), batch(8)), rejected(ErrorCode.INVALID_PRODUCER_EPOCH));
  assert.deepEqual(send(log, batch(6), { producerId: PID + 1, producerEpoch: 0, baseSequence: 0, records: 1 }), rejected(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER));
  assert.equal(log.sizeInBytes, size, 'nothing of a rejected request was appended');
  assert.equal(log.logEndOffset, 7);
  // a repeated request of several batches: the first one's offset; a repeat mixed with new batches is rejected
  assert.deepEqual(send(log, batch(2), batch(4)), ok(2, true));
  assert.deepEqual(send(log, batch(4), batch(6)), rejected(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER));
  assert.deepEqual(send(log, batch(6), batch(8)), ok(7));
  log.close();
}));

test('transactions: the last stable offset, markers, the .txnindex and read_committed reads', () => withDir((dir) => {
  const log = PartitionLog.open(dir, config());
  const A = 10;
  const B = 11;
  const txn = (pid: number, seq: number, records = 2) => ({ producerId: pid, producerEpoch: 0, baseSequence: seq, records, attributes: TXN });
  assert.deepEqual(send(log, { records: 2 }), ok(0));
  assert.deepEqual(send(log, txn(A, 0)), ok(2)); // A: 2-3
  assert.equal(log.lastStableOffset, 2);
  assert.deepEqual(send(log, txn(B, 0)), ok(4)); // B: 4-5
  assert.deepEqual(send(log, { records: 1 }), ok(6));
  assert.deepEqual(send(log, batch(2, 1, { producerId: A })), rejected(ErrorCode.INVALID_TXN_STATE), 'no plain write in a transaction');
  assert.equal(log.lastStableOffset, 2);
  // read_committed stops at the LSO; read_uncommitted goes on to the end
  assert.deepEqual(offsetsOf(log.readCommitted(0, 1 << 20).records), [[0, 1]]);
  assert.deepEqual(offsetsOf(log.readCommitted(2, 1 << 20).records), []);
  assert.deepEqual(offsetsOf(log.read(0, 1 << 20).records), [[0, 1], [2, 3], [4, 5], [6, 6]]);

  const abortA = log.writeTxnMarker(A, 0, false, 5, T0);
  assert.equal(abortA.code, ErrorCode.NONE);
  assert.equal(abortA.offset, 7);
  assert.ok(abortA.bytes > 61);
  assert.equal(log.lastStableOffset, 4, 'B is still open');
  const afterAbort = log.readCommitted(0, 1 << 20);
  assert.deepEqual(offsetsOf(afterAbort.records), [[0, 1], [2, 3]]);
  const abortedA = { producerId: A, firstOffset: 2, lastOffset: 7, lastStableOffset: 4 };
  assert.deepEqual(afterAbort.abortedTransactions, [abortedA]);
  assert.deepEqual(log.writeTxnMarker(B, 0, true, 5, T0).offset, 8);
  assert.equal(log.lastStableOffset, 9);
  assert.equal(log.lastStableOffset, log.logEndOffset);
  const all = log.readCommitted(0, 1 << 20);
  assert.deepEqual(offsetsOf(all.records), [[0, 1], [2, 3], [4, 5], [6, 6], [7, 7], [8, 8]]);
  assert.deepEqual(all.abortedTransactions, [abortedA]);
  assert.deepEqual(log.readCommitted(8, 1 << 20).abortedTransactions, [], 'A ended before offset 8');
  assert.equal(fs.statSync(path.join(dir, '00000000000000000000.txnindex')).size, 34);
  // markers: a higher epoch bumps the producer (nothing to end), an older one or an older coordinator is refused
  assert.equal(log.writeTxnMarker(A, 1, false, 5, T0).code, ErrorCode.NONE);
  assert.equal(log.writeTxnMarker(A, 0, true, 5, T0).code, ErrorCode.INVALID_PRODUCER_EPOCH);
  assert.equal(log.writeTxnMarker(A, 1, true, 4, T0).code, ErrorCode.TRANSACTION_COORDINATOR_FENCED);
  assert.deepEqual(send(log, { ...txn(A, 2), producerEpoch: 1 }), rejected(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER));
  assert.deepEqual(send(log, { ...txn(A, 0), producerEpoch: 1 }), ok(10));
  assert.equal(log.lastStableOffset, 10);
  assert.deepEqual(log.collectAbortedTransactions(0, 100), [abortedA]);
  log.close();

  // reopened from the snapshot taken on close
  const again = PartitionLog.open(dir, config());
  assert.equal(again.lastStableOffset, 10);
  assert.deepEqual(again.readCommitted(0, 1 << 20).abortedTransactions, [abortedA]);
  assert.equal(again.producers.get(A)!.producerEpoch, 1);
  // without snapshots or .txnindex (as after a crash): rebuilt from the batch headers
  for (const name of listDir(dir)) if (/\.(snapshot|txnindex)$/.test(name)) fs.rmSync(path.join(dir, name));
  const rebuilt = PartitionLog.open(dir, config());
  assert.equal(rebuilt.lastStableOffset, 10);
  assert.deepEqual(rebuilt.readCommitted(0, 1 << 20).abortedTransactions, [abortedA]);
  assert.equal(fs.statSync(path.join(dir, '00000000000000000000.txnindex')).size, 34);
  assert.deepEqual(rebuilt.producers.get(B), { ...again.producers.get(B)! });
  assert.deepEqual(send(rebuilt, { ...txn(A, 0), producerEpoch: 1 }), ok(10, true));
  rebuilt.close();
  again.close(false);
}));

/** Appends 6 idempotent batches of about 300 bytes: sequences and offsets 0-11. */
function fill(log: PartitionLog): void {
  for (let seq = 0; seq < 12; seq += 2) assert.equal(send(log, batch(seq, 2, { padding: 100 })).code, ErrorCode.NONE);
}

test('producer state survives a reopen with and without a snapshot', () => withDir((dir) => {
  const log = PartitionLog.open(dir, config());
  fill(log);
  log.close();
  assert.deepEqual(snapshots(dir), ['00000000000000000012.snapshot']);
  const reopened = PartitionLog.open(dir, config());
  assert.deepEqual(send(reopened, batch(10)), ok(10, true));
  assert.deepEqual(send(reopened, batch(6)), ok(6, true));
  assert.deepEqual(send(reopened, batch(14)), rejected(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER));
  // a crash: no snapshot for what follows, the open replays the log from the snapshot
  assert.deepEqual(send(reopened, batch(12)), ok(12));
  const crashed = PartitionLog.open(dir, config());
  assert.deepEqual(send(crashed, batch(12)), ok(12, true));
  assert.deepEqual(send(crashed, batch(14)), ok(14));
  crashed.close();
  reopened.close(false);
  // no snapshot at all: replayed from the log start
  for (const name of snapshots(dir)) fs.rmSync(path.join(dir, name));
  const bare = PartitionLog.open(dir, config());
  assert.deepEqual(send(bare, batch(14)), ok(14, true));
  assert.deepEqual(send(bare, batch(6)), ok(6, true));
  assert.deepEqual(send(bare, batch(16)), ok(16));
  bare.close();
}));

test('snapshots are taken when a segment rolls; the latest two are kept', () => withDir((dir) => {
  const log = PartitionLog.open(dir, config({ segmentBytes: 400 }));
  fill(log);
  assert.ok(log.segmentCount >= 4, `${log.segmentCount} segments`);
  const bases = listDir(dir).filter((n) => n.endsWith('.log')).map((n) => Number(n.slice(0, 20)));
  assert.deepEqual(snapshots(dir).map((n) => Number(n.slice(0, 20))), bases.slice(-2));
  // a crash after the rolls: the replay starts at the last snapshot and still knows every batch
  const crashed = PartitionLog.open(dir, config({ segmentBytes: 400 }));
  for (let seq = 2; seq < 12; seq += 2) assert.deepEqual(send(crashed, batch(seq)), ok(seq, true));
  crashed.close();
  log.close(false);
}));

test('a snapshot taken before the log was truncated is not used', () => withDir((dir) => {
  const log = PartitionLog.open(dir, config({ segmentBytes: 1000 }));
  fill(log); // rolls at 6 (a snapshot there); close snapshots at 12
  const activeBase = Number(listDir(dir).filter((n) => n.endsWith('.log')).at(-1)!.slice(0, 20));
  log.close();
  assert.ok(activeBase > 0 && activeBase < 10, `active segment from ${activeBase}`);
  assert.ok(snapshots(dir).includes('00000000000000000012.snapshot'));
  // a torn tail: the last batch (10-11) is cut short, recovery truncates it
  const active = path.join(dir, listDir(dir).filter((n) => n.endsWith('.log')).at(-1)!);
  fs.truncateSync(active, fs.statSync(active).size - 5);
  const reopened = PartitionLog.open(dir, config({ segmentBytes: 1000 }));
  assert.equal(reopened.logEndOffset, 10);
  assert.ok(!snapshots(dir).includes('00000000000000000012.snapshot'), 'the snapshot past the log end is gone');
  // the producer's last batch is the one at 8-9: the lost batch is appended again, not taken for a duplicate
  assert.deepEqual(send(reopened, batch(8)), ok(8, true));
  assert.deepEqual(send(reopened, batch(10)), ok(10));
  assert.deepEqual(send(reopened, batch(10)), ok(10, true));
  reopened.close();
}));

test('idle producers expire; a producer with an ongoing transaction stays', () => withDir((dir) => {
  const log = PartitionLog.open(dir, config());
  send(log, batch(0, 2, { baseTimestamp: T0 }));
  send(log, { producerId: 77, producerEpoch: 0, baseSequence: 0, records: 1, attributes: TXN, baseTimestamp: T0 });
  send(log, { producerId: 78, producerEpoch: 0, baseSequence: 0, records: 1, baseTimestamp: T0 + 10_000 });
  assert.equal(log.expireProducers(T0 + 5_000, 10_000), 0);
  assert.equal(log.expireProducers(T0 + 15_000, 10_000), 1);
  assert.equal(log.producers.get(PID), undefined);
  assert.ok(log.producers.get(77) !== undefined);
  assert.ok(log.producers.get(78) !== undefined);
  // an expired producer is unknown: it must start over at sequence 0
  assert.deepEqual(send(log, batch(2)), rejected(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER));
  log.close();
}));

test('retention takes a segment\'s .txnindex with it; an orphaned .txnindex goes on open', () => withDir((dir) => {
  const cfg = config({ segmentBytes: 300, retentionMs: 60_000 });
  const log = PartitionLog.open(dir, cfg);
  send(log, { producerId: 5, producerEpoch: 0, baseSequence: 0, records: 2, attributes: TXN, padding: 50 });
  assert.equal(log.writeTxnMarker(5, 0, false, 0, T0).code, ErrorCode.NONE);
  for (let i = 0; i < 4; i++) send(log, { records: 1, padding: 150 });
  const txnIndexes = () => listDir(dir).filter((n) => n.endsWith('.txnindex'));
  assert.equal(txnIndexes().length, 1);
  assert.ok(log.segmentCount > 2);
  assert.ok(log.enforceRetention(Date.now()) > 0);
  assert.deepEqual(txnIndexes(), []);
  log.close();
  fs.writeFileSync(path.join(dir, '00000000000000099999.txnindex'), Buffer.alloc(34));
  const reopened = PartitionLog.open(dir, cfg);
  assert.deepEqual(txnIndexes(), []);
  reopened.close();
}));

test('a snapshot round-trips and a damaged one is refused', () => {
  const entries = [
    { producerId: 1, producerEpoch: 2, coordinatorEpoch: 3, lastTimestamp: T0, currentTxnFirstOffset: 40, batches: [{ firstSeq: 0, lastSeq: 4, firstOffset: 40, lastOffset: 44, timestamp: T0 }] },
    { producerId: 2 ** 40, producerEpoch: 0, coordinatorEpoch: -1, lastTimestamp: -1, currentTxnFirstOffset: -1, batches: [] },
  ];
  const buf = encodeSnapshot(entries);
  assert.deepEqual(decodeSnapshot(buf), entries);
  const bad = Buffer.from(buf);
  bad[20] ^= 1;
  assert.equal(decodeSnapshot(bad), null);
  assert.equal(decodeSnapshot(buf.subarray(0, buf.length - 1)), null);
});

test('a damaged snapshot is passed over for an older one; a leftover .snapshot.tmp goes', () => withDir((dir) => {
  const log = PartitionLog.open(dir, config());
  fill(log);
  log.close(); // snapshot at 12
  // a later producer batch, then a snapshot at 14 that is torn (as if its write were cut short)
  const again = PartitionLog.open(dir, config());
  assert.deepEqual(send(again, batch(12)), ok(12));
  again.close(false);
  fs.writeFileSync(path.join(dir, '00000000000000000014.snapshot'), Buffer.from([0, 1, 2, 3]));
  fs.writeFileSync(path.join(dir, '00000000000000000014.snapshot.tmp'), 'x');
  const reopened = PartitionLog.open(dir, config());
  assert.deepEqual(snapshots(dir), ['00000000000000000012.snapshot']);
  assert.ok(!listDir(dir).some((n) => n.endsWith('.tmp')));
  assert.deepEqual(send(reopened, batch(12)), ok(12, true), 'the batch after the good snapshot was replayed');
  reopened.close();
}));
