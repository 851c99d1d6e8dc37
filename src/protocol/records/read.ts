// Reads the records inside magic-v2 batches: for the broker's own topics (__consumer_offsets,
// __transaction_state) loaded at start-up, and anywhere else the broker must look inside a batch;
// and keylessRecords, which walks a produced batch's records (in any codec) only as far as their
// keys, for the check of compacted topics.
// Every complete batch in the buffer is read; a truncated last batch is skipped (a fetch result
// may end mid-batch). Uncompressed and gzip batches are read; other codecs throw. The CRC is not
// checked here (storage checks it on recovery; checkBatchAt in batch.ts does it on demand).
// Keys, values and header values are views into the buffer (or into the gunzipped records).
import { gunzipSync } from 'node:zlib';
import { Reader } from '../primitives/reader.js';
import { ProtocolError } from '../primitives/protocol-error.js';
import { decompress } from './compression.js';
import {
  ATTRIBUTES_OFFSET, BASE_TIMESTAMP_OFFSET, BATCH_HEADER_SIZE, COMPRESSION_CODEC_MASK, CONTROL_FLAG_MASK,
  LOG_OVERHEAD, MAX_TIMESTAMP_OFFSET, PRODUCER_EPOCH_OFFSET, PRODUCER_ID_OFFSET, RECORDS_COUNT_OFFSET,
  TIMESTAMP_TYPE_MASK, TRANSACTIONAL_FLAG_MASK, batchSizeAt, checkHeaderAt, readBaseOffset, readInt64,
} from './batch.js';

/** The batch a record came from; one object per batch, shared by its records. */
export interface ReadBatch {
  baseOffset: number;
  attributes: number;
  producerId: number;
  producerEpoch: number;
  isControl: boolean;
  isTransactional: boolean;
}

export interface ReadRecord {
  offset: number;
  /** the record's timestamp, or the batch's max timestamp when the batch uses LogAppendTime */
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: [string, Buffer | null][];
  batch: ReadBatch;
}

const CODEC_NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
const GZIP = 1;

/**
 * Every record of every complete batch in `buf`, in order. Throws on a batch that is not a sane v2
 * header (Error), on compressed data it cannot read (Error naming the codec) and on malformed
 * records (ProtocolError).
 */
export function* readRecords(buf: Buffer): Generator<ReadRecord> {
  let position = 0;
  while (buf.length - position >= LOG_OVERHEAD) {
    const size = batchSizeAt(buf, position);
    if (size > buf.length - position) return; // truncated tail
    if (size < BATCH_HEADER_SIZE || checkHeaderAt(buf, position, size) < 0) {
      throw new Error(`readRecords: no valid v2 record batch at position ${position}`);
    }
    yield* batchRecords(buf, position, size);
    position += size;
  }
}

function* batchRecords(buf: Buffer, position: number, size: number): Generator<ReadRecord> {
  const attributes = buf.readInt16BE(position + ATTRIBUTES_OFFSET);
  const batch: ReadBatch = {
    baseOffset: readBaseOffset(buf, position),
    attributes,
    producerId: readInt64(buf, position + PRODUCER_ID_OFFSET),
    producerEpoch: buf.readInt16BE(position + PRODUCER_EPOCH_OFFSET),
    isControl: (attributes & CONTROL_FLAG_MASK) !== 0,
    isTransactional: (attributes & TRANSACTIONAL_FLAG_MASK) !== 0,
  };
  const logAppendTime = (attributes & TIMESTAMP_TYPE_MASK) !== 0;
  const baseTimestamp = readInt64(buf, position + BASE_TIMESTAMP_OFFSET);
  const maxTimestamp = readInt64(buf, position + MAX_TIMESTAMP_OFFSET);
  const count = buf.readInt32BE(position + RECORDS_COUNT_OFFSET);
  let records = buf.subarray(position + BATCH_HEADER_SIZE, position + size);
  const codec = attributes & COMPRESSION_CODEC_MASK;
  if (codec === GZIP) records = gunzipSync(records);
  else if (codec !== 0) {
    throw new Error(`readRecords: batch at offset ${batch.baseOffset} is compressed with ${CODEC_NAMES[codec] ?? `unknown codec ${codec}`}, which is not supported`);
  }
  const r = new Reader(records);
  for (let i = 0; i < count; i++) {
    const length = r.varint();
    if (length < 0) throw new ProtocolError(`negative record length ${length}`);
    r.need(length);
    const end = r.offset + length;
    r.int8(); // record attributes: unused
    const timestampDelta = r.varlong();
    const offsetDelta = r.varint();
    const key = varBytes(r);
    const value = varBytes(r);
    const headerCount = r.varint();
    if (headerCount < 0 || headerCount > end - r.offset) throw new ProtocolError(`invalid header count ${headerCount}`);
    const headers: [string, Buffer | null][] = [];
    for (let h = 0; h < headerCount; h++) {
      const kl = r.varint();
      if (kl < 0) throw new ProtocolError('null header key');
      const k = r.slice(kl).toString('utf8');
      headers.push([k, varBytes(r)]);
    }
    if (r.offset !== end) throw new ProtocolError(`record ${i} of the batch at offset ${batch.baseOffset} does not fill its length`);
    yield {
      offset: batch.baseOffset + offsetDelta,
      timestamp: logAppendTime ? maxTimestamp : baseTimestamp + timestampDelta,
      key, value, headers, batch,
    };
  }
}

/**
 * The indexes, within the batch at buf[position, position + size), of its records without a key
 * (Kafka's record.hasKey(): a negative key length, -1), in order. Compressed records are decompressed
 * first. Each record is walked only to its key length (negative when the first byte of its zigzag
 * varint is odd) and skipped by its own length: for an uncompressed batch nothing is allocated
 * unless a record has no key.
 * Throws ProtocolError on malformed records, Error on compressed data that does not decompress.
 */
export function keylessRecords(buf: Buffer, position: number, size: number): number[] {
  const codec = buf.readInt16BE(position + ATTRIBUTES_OFFSET) & COMPRESSION_CODEC_MASK;
  const count = buf.readInt32BE(position + RECORDS_COUNT_OFFSET);
  const data = codec === 0 ? buf : decompress(codec, buf.subarray(position + BATCH_HEADER_SIZE, position + size));
  let o = codec === 0 ? position + BATCH_HEADER_SIZE : 0;
  const limit = codec === 0 ? position + size : data.length;
  let keyless: number[] | null = null;
  for (let i = 0; i < count; i++) {
    let length = 0;
    for (let shift = 0; ; shift += 7) {
      if (o >= limit || shift > 28) throw new ProtocolError(`record ${i}: malformed length`);
      const b = data[o++]!;
      length += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) break;
    }
    if (length % 2 !== 0) throw new ProtocolError(`record ${i}: negative length`);
    const end = o + length / 2;
    if (end > limit) throw new ProtocolError(`record ${i} overruns its batch`);
    o = skipVarint(data, skipVarint(data, o + 1, end), end); // attributes, timestampDelta, offsetDelta
    if (o >= end) throw new ProtocolError(`record ${i} ends before its key`);
    if ((data[o]! & 1) === 1) (keyless ??= []).push(i); // a negative zigzag varint: no key
    o = end;
  }
  return keyless ?? NO_INDEXES;
}

function skipVarint(data: Buffer, o: number, end: number): number {
  while (o < end && data[o]! >= 0x80) o++;
  if (o >= end) throw new ProtocolError('record ends inside a varint');
  return o + 1;
}
const NO_INDEXES: number[] = [];

function varBytes(r: Reader): Buffer | null {
  const n = r.varint();
  if (n < 0) {
    if (n !== -1) throw new ProtocolError(`invalid length ${n}`);
    return null;
  }
  return r.slice(n);
}

/**
 * The transaction marker held by the control batch at buf[0, size): COMMIT or ABORT and the
 * coordinator epoch (see buildControlBatch). Null for another control record type or a malformed one.
 */
export function readTxnMarker(batch: Buffer): { commit: boolean; coordinatorEpoch: number } | null {
  try {
    for (const r of readRecords(batch)) {
      if (r.key === null || r.key.length < 4) return null;
      const type = r.key.readInt16BE(2);
      if (type !== 0 && type !== 1) return null;
      const coordinatorEpoch = r.value !== null && r.value.length >= 6 ? r.value.readInt32BE(2) : -1;
      return { commit: type === 1, coordinatorEpoch };
    }
  } catch {
    // malformed records: no marker
  }
  return null;
}
