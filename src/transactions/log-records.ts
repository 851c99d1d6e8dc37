// The record formats of __transaction_state, as Kafka writes them: the key is an int16 version (0)
// then the transactional id, the value an int16 version then TransactionLogValue (a null value is a
// tombstone, left to the caller). Values are written at version 0, as Kafka 3.x writes them, unless
// a field only version 1 carries is set; decoding reads every version and fills their defaults.
import { decodeMessage, encodeMessage } from '../protocol/codec.js';
import { Reader } from '../protocol/primitives/reader.js';
import { Writer } from '../protocol/primitives/writer.js';
import { TransactionLogKey, TransactionLogValue } from '../protocol/messages/index.js';

const KEY_VERSION = 0;

export interface TransactionPartitionsRecord {
  topic: string;
  partitionIds: number[];
}

/** TransactionLogValue, field for field. */
export interface TransactionLogRecord {
  producerId: number;
  /** version 1 only (tagged); -1 when absent */
  previousProducerId: number;
  /** version 1 only (tagged); -1 when absent */
  nextProducerId: number;
  producerEpoch: number;
  transactionTimeoutMs: number;
  /** Kafka's TransactionState id: 0 Empty, 1 Ongoing, 2 PrepareCommit, 3 PrepareAbort, 4 CompleteCommit, 5 CompleteAbort, 6 Dead, 7 PrepareEpochFence */
  transactionStatus: number;
  transactionPartitions: TransactionPartitionsRecord[] | null;
  transactionLastUpdateTimestampMs: number;
  transactionStartTimestampMs: number;
  /** version 1 only (tagged); 0 when absent */
  clientTransactionVersion: number;
}

/** What encodeTransactionLogValue takes: the version-1 fields may be left out (they take their defaults). */
export type TransactionLogRecordInput =
  Omit<TransactionLogRecord, 'previousProducerId' | 'nextProducerId' | 'clientTransactionVersion'>
  & Partial<Pick<TransactionLogRecord, 'previousProducerId' | 'nextProducerId' | 'clientTransactionVersion'>>;

export type TransactionLogKeyRecord =
  | { type: 'transaction'; transactionalId: string }
  | { type: 'other'; version: number };

export function encodeTransactionLogKey(transactionalId: string): Buffer {
  const w = new Writer(32);
  w.int16(KEY_VERSION);
  encodeMessage(TransactionLogKey, KEY_VERSION, { transactionalId }, w);
  return w.toBuffer();
}

/** Version 0, or version 1 when previousProducerId, nextProducerId or clientTransactionVersion is not its default. */
export function encodeTransactionLogValue(v: TransactionLogRecordInput): Buffer {
  const needsV1 = (v.previousProducerId ?? -1) !== -1 || (v.nextProducerId ?? -1) !== -1 || (v.clientTransactionVersion ?? 0) !== 0;
  const version = needsV1 ? 1 : 0;
  const w = new Writer(128);
  w.int16(version);
  encodeMessage(TransactionLogValue, version, v, w);
  return w.toBuffer();
}

/** The transactional id of a __transaction_state key; 'other' for a key version this broker does not know. */
export function decodeTransactionLogKey(buf: Buffer): TransactionLogKeyRecord {
  const r = new Reader(buf);
  const version = r.int16();
  if (version !== KEY_VERSION) return { type: 'other', version };
  return { type: 'transaction', transactionalId: decodeMessage(TransactionLogKey, version, r).transactionalId };
}

/** A TransactionLogValue of any version (0-1). Throws ProtocolError on malformed bytes or an unknown version. */
export function decodeTransactionLogValue(buf: Buffer): TransactionLogRecord {
  const r = new Reader(buf);
  const v = decodeMessage(TransactionLogValue, r.int16(), r);
  return {
    producerId: v.producerId,
    previousProducerId: v.previousProducerId,
    nextProducerId: v.nextProducerId,
    producerEpoch: v.producerEpoch,
    transactionTimeoutMs: v.transactionTimeoutMs,
    transactionStatus: v.transactionStatus,
    transactionPartitions: v.transactionPartitions,
    transactionLastUpdateTimestampMs: v.transactionLastUpdateTimestampMs,
    transactionStartTimestampMs: v.transactionStartTimestampMs,
    clientTransactionVersion: v.clientTransactionVersion,
  };
}
