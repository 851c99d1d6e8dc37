// Record batch (magic v2) header view: field positions, validation (header sanity + CRC-32C) and the
// few in-place edits a broker makes (base offset, partition leader epoch). Record bodies stay opaque
// bytes; the only look inside is the optional timestamp walk of an uncompressed batch.
//
// Header layout, 61 bytes, big-endian:
//   @0  baseOffset int64            @8  batchLength int32 (bytes after this field)
//   @12 partitionLeaderEpoch int32  @16 magic int8 (2)
//   @17 crc uint32 (CRC-32C of bytes @21 .. end of batch; baseOffset, batchLength, leader epoch and
//       magic are outside it, so the broker may rewrite baseOffset/leader epoch without recomputing)
//   @21 attributes int16: bits 0-2 compression, bit 3 timestampType (1 = LogAppendTime),
//       bit 4 isTransactional, bit 5 isControl
//   @23 lastOffsetDelta int32       @27 baseTimestamp int64   @35 maxTimestamp int64
//   @43 producerId int64            @51 producerEpoch int16   @53 baseSequence int32
//   @57 recordsCount int32          @61 records...
import { gunzipSync } from 'node:zlib';
import { crc32c } from '@node-rs/crc32';
import { ErrorCode } from '../errors.js';

export const BATCH_HEADER_SIZE = 61;
/** baseOffset + batchLength: the bytes in front of what batchLength counts. */
export const LOG_OVERHEAD = 12;
export const CURRENT_MAGIC = 2;

export const BASE_OFFSET_OFFSET = 0;
export const BATCH_LENGTH_OFFSET = 8;
export const PARTITION_LEADER_EPOCH_OFFSET = 12;
export const MAGIC_OFFSET = 16;
export const CRC_OFFSET = 17;
export const ATTRIBUTES_OFFSET = 21;
export const LAST_OFFSET_DELTA_OFFSET = 23;
export const BASE_TIMESTAMP_OFFSET = 27;
export const MAX_TIMESTAMP_OFFSET = 35;
export const PRODUCER_ID_OFFSET = 43;
export const PRODUCER_EPOCH_OFFSET = 51;
export const BASE_SEQUENCE_OFFSET = 53;
export const RECORDS_COUNT_OFFSET = 57;

export const COMPRESSION_CODEC_MASK = 0x07;
const GZIP = 1;
export const TIMESTAMP_TYPE_MASK = 0x08;
export const TRANSACTIONAL_FLAG_MASK = 0x10;
export const CONTROL_FLAG_MASK = 0x20;

const TWO_POW_32 = 4294967296;

export interface BatchInfo {
  position: number;
  /** Whole batch, including the 12-byte baseOffset + batchLength prefix. */
  size: number;
  lastOffsetDelta: number;
  recordsCount: number;
  baseTimestamp: number;
  maxTimestamp: number;
  attributes: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
}

/** int64 as a JS number (exact up to 2^53), without BigInt allocation. */
export function readInt64(buf: Buffer, pos: number): number {
  return buf.readInt32BE(pos) * TWO_POW_32 + buf.readUInt32BE(pos + 4);
}

export function writeInt64(buf: Buffer, pos: number, value: number): void {
  const hi = Math.floor(value / TWO_POW_32);
  buf.writeInt32BE(hi, pos);
  buf.writeUInt32BE(value - hi * TWO_POW_32, pos + 4);
}

export function readBaseOffset(buf: Buffer, position: number): number {
  return readInt64(buf, position + BASE_OFFSET_OFFSET);
}

/** In place; the CRC does not cover it. */
export function writeBaseOffset(buf: Buffer, position: number, baseOffset: number): void {
  writeInt64(buf, position + BASE_OFFSET_OFFSET, baseOffset);
}

/** In place; the CRC does not cover it. */
export function writePartitionLeaderEpoch(buf: Buffer, position: number, leaderEpoch: number): void {
  buf.writeInt32BE(leaderEpoch, position + PARTITION_LEADER_EPOCH_OFFSET);
}

/** Size of the whole batch at `position` (12 + batchLength); needs only the first 12 bytes. */
export function batchSizeAt(buf: Buffer, position: number): number {
  return LOG_OVERHEAD + buf.readInt32BE(position + BATCH_LENGTH_OFFSET);
}

export function lastOffsetDeltaAt(buf: Buffer, position: number): number {
  return buf.readInt32BE(position + LAST_OFFSET_DELTA_OFFSET);
}

/**
 * The length of the whole stored batches at the start of `buf` that fit in `maxBytes`; with
 * `minOneMessage` the first batch counts whatever its size (Kafka's fetch limits, KIP-74).
 */
export function wholeBatchesWithin(buf: Buffer, maxBytes: number, minOneMessage: boolean): number {
  let end = 0;
  while (end + LOG_OVERHEAD <= buf.length) {
    const next = end + batchSizeAt(buf, end);
    if (next > buf.length || (next > maxBytes && !(minOneMessage && end === 0))) break;
    end = next;
  }
  return end;
}

/** The offset after the last of the whole stored batches in `buf`; `from` when there are none. */
export function nextOffsetAfter(buf: Buffer, from: number): number {
  let next = from;
  for (let at = 0; at + BATCH_HEADER_SIZE <= buf.length; at += batchSizeAt(buf, at)) {
    next = Math.max(next, readBaseOffset(buf, at) + lastOffsetDeltaAt(buf, at) + 1);
  }
  return next;
}

export function maxTimestampAt(buf: Buffer, position: number): number {
  return readInt64(buf, position + MAX_TIMESTAMP_OFFSET);
}

export function compressionOf(attributes: number): number {
  return attributes & COMPRESSION_CODEC_MASK;
}

/**
 * Header sanity of the batch starting at `position`, given that `available` bytes of it are in
 * `buf` (at least BATCH_HEADER_SIZE). Returns the batch size, or -1 when the header is not a sane v2
 * header. Does not look at the CRC.
 */
export function checkHeaderAt(buf: Buffer, position: number, available: number): number {
  const batchLength = buf.readInt32BE(position + BATCH_LENGTH_OFFSET);
  if (batchLength < BATCH_HEADER_SIZE - LOG_OVERHEAD) return -1;
  if (buf[position + MAGIC_OFFSET] !== CURRENT_MAGIC) return -1;
  if (buf.readInt32BE(position + LAST_OFFSET_DELTA_OFFSET) < 0) return -1;
  if (buf.readInt32BE(position + RECORDS_COUNT_OFFSET) < 0) return -1;
  const size = LOG_OVERHEAD + batchLength;
  return size <= available ? size : -1;
}

/** CRC-32C check of a whole batch held in buf[position, position + size). */
export function crcMatches(buf: Buffer, position: number, size: number): boolean {
  const stored = buf.readUInt32BE(position + CRC_OFFSET);
  return crc32c(buf.subarray(position + ATTRIBUTES_OFFSET, position + size)) === stored;
}

/** The codecs Kafka defines: none, gzip, snappy, lz4, zstd. */
const MAX_COMPRESSION_CODEC = 4;

/**
 * The rules a batch from a producer must also follow, all read from its header: its offsets are
 * consecutive (recordsCount = lastOffsetDelta + 1), it is not a control batch (only the broker writes
 * those), and its codec is one Kafka defines. ErrorCode.NONE when it does.
 */
export function checkProducedBatch(batch: BatchInfo): number {
  if (batch.recordsCount !== batch.lastOffsetDelta + 1 || batch.recordsCount === 0) return ErrorCode.INVALID_RECORD;
  if ((batch.attributes & CONTROL_FLAG_MASK) !== 0) return ErrorCode.INVALID_RECORD;
  if ((batch.attributes & COMPRESSION_CODEC_MASK) > MAX_COMPRESSION_CODEC) return ErrorCode.UNSUPPORTED_COMPRESSION_TYPE;
  return ErrorCode.NONE;
}

/**
 * Gives a batch the broker's append time (message.timestamp.type=LogAppendTime): sets the timestamp
 * type bit and the max timestamp, then recomputes the CRC, which covers both. Records stay as they are.
 */
export function stampLogAppendTime(buf: Buffer, batch: BatchInfo, now: number): void {
  const p = batch.position;
  batch.attributes |= TIMESTAMP_TYPE_MASK;
  batch.maxTimestamp = now;
  buf.writeInt16BE(batch.attributes, p + ATTRIBUTES_OFFSET);
  writeInt64(buf, p + MAX_TIMESTAMP_OFFSET, now);
  buf.writeUInt32BE(crc32c(buf.subarray(p + ATTRIBUTES_OFFSET, p + batch.size)), p + CRC_OFFSET);
}

/**
 * Validates a batch: header sanity and CRC. Returns its size, or -1 when it is corrupt or does not fit
 * in buf[position, end).
 */
export function checkBatchAt(buf: Buffer, position: number, end: number): number {
  if (end - position < BATCH_HEADER_SIZE) return -1;
  const size = checkHeaderAt(buf, position, end - position);
  if (size < 0 || !crcMatches(buf, position, size)) return -1;
  return size;
}

/** Fills `into` with the header of the batch at `position` (size taken from batchLength). */
export function readBatchInfo(buf: Buffer, position: number, into: BatchInfo): BatchInfo {
  into.position = position;
  into.size = batchSizeAt(buf, position);
  into.lastOffsetDelta = buf.readInt32BE(position + LAST_OFFSET_DELTA_OFFSET);
  into.recordsCount = buf.readInt32BE(position + RECORDS_COUNT_OFFSET);
  into.baseTimestamp = readInt64(buf, position + BASE_TIMESTAMP_OFFSET);
  into.maxTimestamp = readInt64(buf, position + MAX_TIMESTAMP_OFFSET);
  into.attributes = buf.readInt16BE(position + ATTRIBUTES_OFFSET);
  into.producerId = readInt64(buf, position + PRODUCER_ID_OFFSET);
  into.producerEpoch = buf.readInt16BE(position + PRODUCER_EPOCH_OFFSET);
  into.baseSequence = buf.readInt32BE(position + BASE_SEQUENCE_OFFSET);
  return into;
}

export function emptyBatchInfo(): BatchInfo {
  return {
    position: 0, size: 0, lastOffsetDelta: 0, recordsCount: 0, baseTimestamp: -1, maxTimestamp: -1,
    attributes: 0, producerId: -1, producerEpoch: -1, baseSequence: -1,
  };
}

/**
 * Validates every batch in `buf` (a produce request's records): each must have a sane v2 header and a
 * matching CRC-32C, and together they must tile `buf` exactly (no partial batch, no trailing bytes).
 * Empty input is CORRUPT_MESSAGE too: a produce with no batch has nothing to append.
 */
export function scanBatches(buf: Buffer): { code: number; batches: BatchInfo[]; records: number } {
  const batches: BatchInfo[] = [];
  let records = 0;
  let position = 0;
  const end = buf.length;
  if (end === 0) return { code: ErrorCode.CORRUPT_MESSAGE, batches, records };
  while (position < end) {
    const size = checkBatchAt(buf, position, end);
    if (size < 0) return { code: ErrorCode.CORRUPT_MESSAGE, batches: [], records: 0 };
    const info = readBatchInfo(buf, position, emptyBatchInfo());
    batches.push(info);
    records += info.recordsCount;
    position += size;
  }
  return { code: ErrorCode.NONE, batches, records };
}

// --- records inside an uncompressed batch (only for timestamp lookups) ---

let varintPos = 0;

/** Zigzag varint (up to 64 bits, as a number); advances varintPos. -Infinity on malformed input. */
function readVarlong(buf: Buffer, pos: number, end: number): number {
  let raw = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) return -Infinity;
    const b = buf[pos++]!;
    raw += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) {
      varintPos = pos;
      // zigzag: even -> raw/2, odd -> -(raw+1)/2
      return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
    }
    mul *= 128;
  }
  return -Infinity;
}

/**
 * In the batch at buf[position, position + size): the first record whose timestamp is >= `timestamp`.
 * Returns its offsetDelta and timestamp via `out`, or false when none is, when the batch uses
 * LogAppendTime (record timestamps then all equal maxTimestamp), when it is compressed with a codec
 * Node cannot read (snappy, lz4, zstd: the caller answers the batch as a whole), or when the records
 * are malformed. Gzip batches are decompressed, as Kafka does for this lookup.
 */
export function findRecordByTimestamp(
  buf: Buffer, position: number, timestamp: number, out: { offsetDelta: number; timestamp: number },
): boolean {
  const attributes = buf.readInt16BE(position + ATTRIBUTES_OFFSET);
  if ((attributes & TIMESTAMP_TYPE_MASK) !== 0) return false;
  let records = buf.subarray(position + BATCH_HEADER_SIZE, position + batchSizeAt(buf, position));
  const codec = attributes & COMPRESSION_CODEC_MASK;
  if (codec === GZIP) {
    try { records = gunzipSync(records); } catch { return false; }
  } else if (codec !== 0) return false;
  const end = records.length;
  const baseTimestamp = readInt64(buf, position + BASE_TIMESTAMP_OFFSET);
  const count = buf.readInt32BE(position + RECORDS_COUNT_OFFSET);
  let pos = 0;
  for (let i = 0; i < count; i++) {
    const length = readVarlong(records, pos, end);
    if (length < 0) return false;
    const next = varintPos + length;
    if (next > end) return false;
    const timestampDelta = readVarlong(records, varintPos + 1, next); // skip the attributes byte
    if (timestampDelta === -Infinity) return false;
    const offsetDelta = readVarlong(records, varintPos, next);
    if (offsetDelta === -Infinity) return false;
    if (baseTimestamp + timestampDelta >= timestamp) {
      out.offsetDelta = offsetDelta;
      out.timestamp = baseTimestamp + timestampDelta;
      return true;
    }
    pos = next;
  }
  return false;
}
