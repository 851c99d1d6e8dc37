// Test helper: decodes the record batches (magic v2) a Fetch response carries into plain records
// (absolute offset, timestamp, key, value, headers), checking each batch's CRC-32C. Compressed
// batches are decompressed by the broker's own codecs (src/protocol/records/compression.ts). A partial batch at the end of the data
// (Fetch may cut the last one short at max_bytes) is ignored, as clients do.
import { decompress } from '../../src/protocol/records/compression.js';
import { crc32c } from '@node-rs/crc32';

export interface DecodedHeader {
  key: string;
  value: Buffer | null;
}

export interface DecodedRecord {
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: DecodedHeader[];
}

export interface DecodedBatch {
  baseOffset: number;
  lastOffset: number;
  partitionLeaderEpoch: number;
  attributes: number;
  compression: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  records: DecodedRecord[];
}

const TWO_32 = 4294967296;
const HEADER_SIZE = 61;

function int64(buf: Buffer, pos: number): number {
  return buf.readInt32BE(pos) * TWO_32 + buf.readUInt32BE(pos + 4);
}

class Cursor {
  constructor(readonly buf: Buffer, public pos: number, readonly end: number) {}

  varlong(): number {
    let u = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new Error('truncated varint in record');
      const b = this.buf[this.pos++]!;
      u += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
      mul *= 128;
    }
    throw new Error('varint too long in record');
  }

  bytes(): Buffer | null {
    const len = this.varlong();
    if (len < 0) return null;
    if (this.pos + len > this.end) throw new Error('truncated bytes in record');
    const b = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return b;
  }
}

function decodeRecords(data: Buffer, count: number, baseOffset: number, baseTimestamp: number): DecodedRecord[] {
  const c = new Cursor(data, 0, data.length);
  const out: DecodedRecord[] = [];
  for (let i = 0; i < count; i++) {
    const length = c.varlong();
    const end = c.pos + length;
    if (length < 0 || end > data.length) throw new Error(`record ${i}: bad length ${length}`);
    c.pos += 1; // attributes
    const timestampDelta = c.varlong();
    const offsetDelta = c.varlong();
    const key = c.bytes();
    const value = c.bytes();
    const headerCount = c.varlong();
    const headers: DecodedHeader[] = [];
    for (let h = 0; h < headerCount; h++) {
      const k = c.bytes();
      headers.push({ key: k === null ? '' : k.toString('utf8'), value: c.bytes() });
    }
    if (c.pos !== end) throw new Error(`record ${i}: length ${length} does not match its content`);
    out.push({ offset: baseOffset + offsetDelta, timestamp: baseTimestamp + timestampDelta, key, value, headers });
  }
  if (c.pos !== data.length) throw new Error(`${data.length - c.pos} bytes left after ${count} records`);
  return out;
}

/** Every whole batch in `data`; throws on a bad CRC, an unknown magic or malformed records. */
export function decodeBatches(data: Buffer | null): DecodedBatch[] {
  const out: DecodedBatch[] = [];
  if (data === null) return out;
  let pos = 0;
  while (pos + 12 <= data.length) {
    const size = 12 + data.readInt32BE(pos + 8);
    if (pos + size > data.length) break; // partial batch at the end
    const magic = data[pos + 16];
    if (magic !== 2) throw new Error(`batch at ${pos}: magic ${magic}, expected 2`);
    if (size < HEADER_SIZE) throw new Error(`batch at ${pos}: size ${size} shorter than its header`);
    const storedCrc = data.readUInt32BE(pos + 17);
    const crc = crc32c(data.subarray(pos + 21, pos + size));
    if (crc !== storedCrc) throw new Error(`batch at ${pos}: CRC ${crc} != stored ${storedCrc}`);
    const baseOffset = int64(data, pos);
    const attributes = data.readInt16BE(pos + 21);
    const compression = attributes & 0x07;
    const baseTimestamp = int64(data, pos + 27);
    const count = data.readInt32BE(pos + 57);
    let body = data.subarray(pos + HEADER_SIZE, pos + size);
    // every codec (zstd once loadCodecs() has run in this thread)
    body = decompress(compression, body);
    out.push({
      baseOffset,
      lastOffset: baseOffset + data.readInt32BE(pos + 23),
      partitionLeaderEpoch: data.readInt32BE(pos + 12),
      attributes,
      compression,
      baseTimestamp,
      maxTimestamp: int64(data, pos + 35),
      producerId: int64(data, pos + 43),
      producerEpoch: data.readInt16BE(pos + 51),
      baseSequence: data.readInt32BE(pos + 53),
      records: decodeRecords(body, count, baseOffset, baseTimestamp),
    });
    pos += size;
  }
  return out;
}
