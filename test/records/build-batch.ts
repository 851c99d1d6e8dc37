// Test helper: builds real record batches (magic v2, uncompressed) with keys, values, headers and a
// correct CRC-32C, for tests in any room. Not used by the broker itself.
import { crc32c } from '@node-rs/crc32';

export interface TestRecord {
  key?: Buffer | string | null;
  value?: Buffer | string | null;
  headers?: Array<[string, Buffer | string | null]>;
  /** Defaults to the record's index. */
  timestampDelta?: number;
}

export interface BuildBatchOptions {
  baseOffset?: number;
  baseTimestamp?: number;
  /** The records, or how many to make (value "value-i", key "key-i", timestampDelta i). */
  records?: TestRecord[] | number;
  attributes?: number;
  partitionLeaderEpoch?: number;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  /** Extra bytes of value per generated record (to make batches of a chosen size). */
  padding?: number;
}

function zigzag(n: number): number {
  return n >= 0 ? n * 2 : -n * 2 - 1;
}

function pushVarint(out: number[], n: number): void {
  let v = zigzag(n);
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

function pushBytes(out: number[], b: Buffer | string | null | undefined): void {
  if (b === null || b === undefined) {
    pushVarint(out, -1);
    return;
  }
  const buf = typeof b === 'string' ? Buffer.from(b) : b;
  pushVarint(out, buf.length);
  for (const x of buf) out.push(x);
}

function encodeRecord(r: TestRecord, offsetDelta: number): number[] {
  const body: number[] = [0]; // attributes
  pushVarint(body, r.timestampDelta ?? offsetDelta);
  pushVarint(body, offsetDelta);
  pushBytes(body, r.key);
  pushBytes(body, r.value);
  const headers = r.headers ?? [];
  pushVarint(body, headers.length);
  for (const [k, v] of headers) {
    pushBytes(body, k);
    pushBytes(body, v);
  }
  const out: number[] = [];
  pushVarint(out, body.length);
  return out.concat(body);
}

function writeInt64(buf: Buffer, pos: number, v: number): void {
  buf.writeBigInt64BE(BigInt(v), pos);
}

export function buildBatch(opts: BuildBatchOptions = {}): Buffer {
  const spec = opts.records ?? 1;
  const padding = opts.padding ?? 0;
  const records: TestRecord[] = typeof spec === 'number'
    ? Array.from({ length: spec }, (_, i) => ({ key: `key-${i}`, value: `value-${i}`.padEnd(8 + padding, '.') }))
    : spec;
  const baseTimestamp = opts.baseTimestamp ?? 1_700_000_000_000;
  let body: number[] = [];
  let maxDelta = 0;
  records.forEach((r, i) => {
    body = body.concat(encodeRecord(r, i));
    maxDelta = Math.max(maxDelta, r.timestampDelta ?? i);
  });
  const buf = Buffer.alloc(61 + body.length);
  writeInt64(buf, 0, opts.baseOffset ?? 0);
  buf.writeInt32BE(buf.length - 12, 8);
  buf.writeInt32BE(opts.partitionLeaderEpoch ?? -1, 12);
  buf.writeInt8(2, 16);
  buf.writeInt16BE(opts.attributes ?? 0, 21);
  buf.writeInt32BE(Math.max(records.length - 1, 0), 23);
  writeInt64(buf, 27, baseTimestamp);
  writeInt64(buf, 35, baseTimestamp + maxDelta);
  writeInt64(buf, 43, opts.producerId ?? -1);
  buf.writeInt16BE(opts.producerEpoch ?? -1, 51);
  buf.writeInt32BE(opts.baseSequence ?? -1, 53);
  buf.writeInt32BE(records.length, 57);
  Buffer.from(body).copy(buf, 61);
  buf.writeUInt32BE(crc32c(buf.subarray(21)), 17);
  return buf;
}

/** Recomputes the CRC after a test edits a batch's covered bytes. */
export function fixCrc(buf: Buffer, position = 0): void {
  const size = 12 + buf.readInt32BE(position + 8);
  buf.writeUInt32BE(crc32c(buf.subarray(position + 21, position + size)), position + 17);
}
