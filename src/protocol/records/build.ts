// Builds the record batches the broker writes itself (magic v2, uncompressed): the records of
// __consumer_offsets and __transaction_state, and transaction control markers. Field positions
// are those of batch.ts; each record is
//   length varint | attributes int8 (0) | timestampDelta varlong | offsetDelta varint |
//   key (varint length, -1 = null) | value (likewise) | header count varint |
//   per header: key (varint length + UTF-8) | value (varint length, -1 = null)
// with zigzag varints. Sizes are computed first, so each batch is one exact allocation.
import { crc32c } from '@node-rs/crc32';
import {
  ATTRIBUTES_OFFSET, BASE_SEQUENCE_OFFSET, BASE_TIMESTAMP_OFFSET, BATCH_HEADER_SIZE, BATCH_LENGTH_OFFSET,
  COMPRESSION_CODEC_MASK, CONTROL_FLAG_MASK, CRC_OFFSET, CURRENT_MAGIC, LAST_OFFSET_DELTA_OFFSET,
  LOG_OVERHEAD, MAGIC_OFFSET, MAX_TIMESTAMP_OFFSET, PARTITION_LEADER_EPOCH_OFFSET, PRODUCER_EPOCH_OFFSET,
  PRODUCER_ID_OFFSET, RECORDS_COUNT_OFFSET, TRANSACTIONAL_FLAG_MASK, writeInt64,
} from './batch.js';

export interface BuildRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers?: [string, Buffer | null][];
  /** added to the batch timestamp; 0 when left out */
  timestampDelta?: number;
}

export interface BuildBatchOptions {
  /** 0 when left out; the log assigns the real one on append */
  baseOffset?: number;
  /** 0 when left out; the log stamps the leader epoch on append */
  partitionLeaderEpoch?: number;
  /** timestamp type, transactional and control bits; the compression bits must be 0 */
  attributes?: number;
  /** the base timestamp */
  timestamp: number;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  records: BuildRecord[];
}

export interface ControlBatchOptions {
  producerId: number;
  producerEpoch: number;
  timestamp: number;
  /** true for a COMMIT marker, false for ABORT */
  commit: boolean;
  coordinatorEpoch: number;
  baseOffset?: number;
  partitionLeaderEpoch?: number;
}

/** Control record types (the int16 after the version in a control record's key). */
export const ControlRecordType = { ABORT: 0, COMMIT: 1 } as const;

const zigzag = (v: number): number => (v >= 0 ? v * 2 : -v * 2 - 1);

function varintSize(v: number): number {
  let u = zigzag(v);
  let n = 1;
  while (u >= 0x80) {
    u = Math.floor(u / 0x80);
    n++;
  }
  return n;
}

function writeVarint(buf: Buffer, pos: number, v: number): number {
  let u = zigzag(v);
  while (u >= 0x80) {
    buf[pos++] = (u % 0x80) | 0x80;
    u = Math.floor(u / 0x80);
  }
  buf[pos++] = u;
  return pos;
}

const bytesSize = (b: Buffer | null): number => (b === null ? 1 : varintSize(b.length) + b.length);

function writeBytes(buf: Buffer, pos: number, b: Buffer | null): number {
  if (b === null) return writeVarint(buf, pos, -1);
  pos = writeVarint(buf, pos, b.length);
  b.copy(buf, pos);
  return pos + b.length;
}

/** Size of a record's body (everything after its length varint). */
function bodySize(r: BuildRecord, offsetDelta: number): number {
  let n = 1 + varintSize(r.timestampDelta ?? 0) + varintSize(offsetDelta) + bytesSize(r.key) + bytesSize(r.value);
  const headers = r.headers ?? [];
  n += varintSize(headers.length);
  for (const [k, v] of headers) {
    const kl = Buffer.byteLength(k, 'utf8');
    n += varintSize(kl) + kl + bytesSize(v);
  }
  return n;
}

/** One uncompressed magic-v2 batch holding `records`, with its CRC-32C. */
export function buildRecordBatch(opts: BuildBatchOptions): Buffer {
  const { records } = opts;
  if (records.length === 0) throw new RangeError('buildRecordBatch: a batch needs at least one record');
  const attributes = opts.attributes ?? 0;
  if ((attributes & COMPRESSION_CODEC_MASK) !== 0) throw new RangeError('buildRecordBatch: only uncompressed batches are built');
  const sizes = new Array<number>(records.length);
  let total = BATCH_HEADER_SIZE;
  let maxDelta = -Infinity;
  for (let i = 0; i < records.length; i++) {
    const s = bodySize(records[i]!, i);
    sizes[i] = s;
    total += varintSize(s) + s;
    maxDelta = Math.max(maxDelta, records[i]!.timestampDelta ?? 0);
  }
  const buf = Buffer.allocUnsafe(total);
  writeInt64(buf, 0, opts.baseOffset ?? 0);
  buf.writeInt32BE(total - LOG_OVERHEAD, BATCH_LENGTH_OFFSET);
  buf.writeInt32BE(opts.partitionLeaderEpoch ?? 0, PARTITION_LEADER_EPOCH_OFFSET);
  buf.writeInt8(CURRENT_MAGIC, MAGIC_OFFSET);
  buf.writeInt16BE(attributes, ATTRIBUTES_OFFSET);
  buf.writeInt32BE(records.length - 1, LAST_OFFSET_DELTA_OFFSET);
  writeInt64(buf, BASE_TIMESTAMP_OFFSET, opts.timestamp);
  writeInt64(buf, MAX_TIMESTAMP_OFFSET, opts.timestamp + maxDelta);
  writeInt64(buf, PRODUCER_ID_OFFSET, opts.producerId ?? -1);
  buf.writeInt16BE(opts.producerEpoch ?? -1, PRODUCER_EPOCH_OFFSET);
  buf.writeInt32BE(opts.baseSequence ?? -1, BASE_SEQUENCE_OFFSET);
  buf.writeInt32BE(records.length, RECORDS_COUNT_OFFSET);
  let pos = BATCH_HEADER_SIZE;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    pos = writeVarint(buf, pos, sizes[i]!);
    buf[pos++] = 0; // record attributes: unused
    pos = writeVarint(buf, pos, r.timestampDelta ?? 0);
    pos = writeVarint(buf, pos, i);
    pos = writeBytes(buf, pos, r.key);
    pos = writeBytes(buf, pos, r.value);
    const headers = r.headers ?? [];
    pos = writeVarint(buf, pos, headers.length);
    for (const [k, v] of headers) {
      pos = writeVarint(buf, pos, Buffer.byteLength(k, 'utf8'));
      pos += buf.write(k, pos, 'utf8');
      pos = writeBytes(buf, pos, v);
    }
  }
  buf.writeUInt32BE(crc32c(buf.subarray(ATTRIBUTES_OFFSET)), CRC_OFFSET);
  return buf;
}

/**
 * A transaction marker: a transactional control batch of one record whose key is
 * version int16 (0) + type int16 (0 ABORT, 1 COMMIT) and whose value is version int16 (0) +
 * coordinatorEpoch int32.
 */
export function buildControlBatch(opts: ControlBatchOptions): Buffer {
  const key = Buffer.alloc(4);
  key.writeInt16BE(opts.commit ? ControlRecordType.COMMIT : ControlRecordType.ABORT, 2);
  const value = Buffer.alloc(6);
  value.writeInt32BE(opts.coordinatorEpoch, 2);
  return buildRecordBatch({
    baseOffset: opts.baseOffset,
    partitionLeaderEpoch: opts.partitionLeaderEpoch,
    attributes: TRANSACTIONAL_FLAG_MASK | CONTROL_FLAG_MASK,
    timestamp: opts.timestamp,
    producerId: opts.producerId,
    producerEpoch: opts.producerEpoch,
    records: [{ key, value }],
  });
}
