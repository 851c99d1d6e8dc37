// __transaction_state record formats: round trips through encode/decode, and golden bytes written
// by hand from Kafka's record layouts (not produced by this codec) for both value versions.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeTransactionLogKey, decodeTransactionLogValue, encodeTransactionLogKey, encodeTransactionLogValue,
  type TransactionLogRecord,
} from '../../src/transactions/log-records.js';
import { ProtocolError } from '../../src/protocol/primitives/protocol-error.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/[\s|]/g, ''), 'hex');
const ascii = (s: string): string => Buffer.from(s).toString('hex');
const str = (s: string): string => Buffer.byteLength(s).toString(16).padStart(4, '0') + ascii(s);
const cstr = (s: string): string => (Buffer.byteLength(s) + 1).toString(16).padStart(2, '0') + ascii(s);

const ongoing: TransactionLogRecord = {
  producerId: 1000,
  previousProducerId: -1,
  nextProducerId: -1,
  producerEpoch: 3,
  transactionTimeoutMs: 60_000,
  transactionStatus: 1,
  transactionPartitions: [{ topic: 'orders', partitionIds: [0, 2] }, { topic: 'audit', partitionIds: [5] }],
  transactionLastUpdateTimestampMs: 1_700_000_000_123,
  transactionStartTimestampMs: 1_700_000_000_000,
  clientTransactionVersion: 0,
};

test('TransactionLogKey: golden bytes (version 0) and round trip', () => {
  const golden = hex(`0000 | ${str('tx')}`);
  assert.deepEqual(encodeTransactionLogKey('tx'), golden);
  assert.deepEqual(decodeTransactionLogKey(golden), { type: 'transaction', transactionalId: 'tx' });
  assert.deepEqual(decodeTransactionLogKey(encodeTransactionLogKey('tränsaction-1')), { type: 'transaction', transactionalId: 'tränsaction-1' });
});

test('TransactionLogKey: another key version is other; truncation throws ProtocolError', () => {
  assert.deepEqual(decodeTransactionLogKey(hex(`0001 | ${str('tx')}`)), { type: 'other', version: 1 });
  const key = encodeTransactionLogKey('tx');
  for (let n = 0; n < key.length; n++) assert.throws(() => decodeTransactionLogKey(key.subarray(0, n)), ProtocolError, `length ${n}`);
});

test('TransactionLogValue: golden bytes of value version 0 and round trip', () => {
  const golden = hex(`0000 | 00000000000003e8 | 0003 | 0000ea60 | 01 | 00000002 |
    ${str('orders')} 00000002 00000000 00000002 | ${str('audit')} 00000001 00000005 |
    0000018bcfe5687b | 0000018bcfe56800`);
  assert.deepEqual(encodeTransactionLogValue(ongoing), golden);
  assert.deepEqual(decodeTransactionLogValue(golden), ongoing);
});

test('TransactionLogValue: the version-1 fields may be left out on encode', () => {
  const { previousProducerId: _p, nextProducerId: _n, clientTransactionVersion: _c, ...rest } = ongoing;
  assert.deepEqual(encodeTransactionLogValue(rest), encodeTransactionLogValue(ongoing));
});

test('TransactionLogValue: null and empty partition lists (Empty / CompleteCommit states)', () => {
  const empty: TransactionLogRecord = { ...ongoing, transactionStatus: 0, transactionPartitions: null, transactionStartTimestampMs: -1 };
  const bytes = encodeTransactionLogValue(empty);
  assert.deepEqual(bytes, hex(`0000 | 00000000000003e8 | 0003 | 0000ea60 | 00 | ffffffff | 0000018bcfe5687b | ffffffffffffffff`));
  assert.deepEqual(decodeTransactionLogValue(bytes), empty);
  const complete: TransactionLogRecord = { ...ongoing, transactionStatus: 4, transactionPartitions: [] };
  assert.deepEqual(decodeTransactionLogValue(encodeTransactionLogValue(complete)), complete);
});

test('TransactionLogValue: version 1 built by hand (compact, tagged fields) decodes', () => {
  const bytes = hex(`0001 | 00000000000003e8 | 0003 | 0000ea60 | 04 | 02 | ${cstr('orders')} 02 00000007 00 |
    0000018bcfe5687b | 0000018bcfe56800 |
    03 | 00 08 00000000000003e7 | 01 08 00000000000003e9 | 02 02 0002`);
  assert.deepEqual(decodeTransactionLogValue(bytes), {
    ...ongoing, transactionStatus: 4, transactionPartitions: [{ topic: 'orders', partitionIds: [7] }],
    previousProducerId: 999, nextProducerId: 1001, clientTransactionVersion: 2,
  });
  // tags absent: their defaults
  const bare = hex(`0001 | 00000000000003e8 | 0003 | 0000ea60 | 01 | 00 | 0000018bcfe5687b | 0000018bcfe56800 | 00`);
  assert.deepEqual(decodeTransactionLogValue(bare), { ...ongoing, transactionPartitions: null });
});

test('TransactionLogValue: a version-1 field that is set is kept (written at version 1)', () => {
  const v2: TransactionLogRecord = { ...ongoing, previousProducerId: 999, nextProducerId: 1001, clientTransactionVersion: 2 };
  const bytes = encodeTransactionLogValue(v2);
  assert.equal(bytes.readInt16BE(0), 1);
  assert.deepEqual(decodeTransactionLogValue(bytes), v2);
});

test('TransactionLogValue: an unknown version or truncated bytes throw ProtocolError', () => {
  assert.throws(() => decodeTransactionLogValue(hex('0002 | 00000000000003e8')), ProtocolError);
  const bytes = encodeTransactionLogValue(ongoing);
  for (let n = 0; n < bytes.length; n++) assert.throws(() => decodeTransactionLogValue(bytes.subarray(0, n)), ProtocolError, `length ${n}`);
});
