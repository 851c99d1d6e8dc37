// The record batch codecs Kafka defines (attributes bits 0-2): none, gzip, snappy, lz4 and zstd, and
// the one place that compresses or decompresses a batch's records section. The broker looks inside
// batches only to recompress them for a topic's compression.type and to compact them.
//   gzip   node:zlib
//   snappy the `snappy` package (napi-rs, prebuilt per platform on npm), in the xerial framing the
//          Java client writes (magic 82 'SNAPPY' 00, version 1, compatible 1, then int32-length-
//          prefixed raw blocks of at most 32 KiB input); raw snappy (librdkafka) is read too
//   lz4    the `lz4-napi` package (lz4_flex): the LZ4 frame format, as Kafka writes it since v1
//   zstd   the `@bokuweb/zstd-wasm` package (zstd's own C code built to WebAssembly, shipped in the
//          package): Node 20's zlib has no zstd. Its WebAssembly must be loaded once per thread,
//          asynchronously, by loadCodecs(); until then zstd throws.
// Everything here is synchronous and throws on malformed input; callers turn that into an error code.
import { gunzipSync, gzipSync } from 'node:zlib';
import snappy from 'snappy';
import lz4 from 'lz4-napi';
import { compress as zstdCompress, decompress as zstdDecompress, init as zstdInit } from '@bokuweb/zstd-wasm';
import { crc32c } from '@node-rs/crc32';
import {
  ATTRIBUTES_OFFSET, BATCH_HEADER_SIZE, BATCH_LENGTH_OFFSET, COMPRESSION_CODEC_MASK, CRC_OFFSET, LOG_OVERHEAD,
  MAX_TIMESTAMP_OFFSET, RECORDS_COUNT_OFFSET, batchSizeAt, writeInt64,
} from './batch.js';

export const Codec = { NONE: 0, GZIP: 1, SNAPPY: 2, LZ4: 3, ZSTD: 4 } as const;

/** compression.type values and the codec each one means; `producer` (-1) keeps what the producer sent. */
export const COMPRESSION_TYPES: Readonly<Record<string, number>> = {
  producer: -1, uncompressed: Codec.NONE, gzip: Codec.GZIP, snappy: Codec.SNAPPY, lz4: Codec.LZ4, zstd: Codec.ZSTD,
};

let zstdReady = false;
let zstdLoading: Promise<void> | null = null;

/** Loads zstd's WebAssembly in this thread (once); the other codecs need nothing. */
export function loadCodecs(): Promise<void> {
  zstdLoading ??= zstdInit().then(() => { zstdReady = true; });
  return zstdLoading;
}

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_SIZE = 16;
const XERIAL_BLOCK = 32 * 1024;
const ZSTD_FIRST_GUESS = 1 << 20;
const ZSTD_MAX_OUTPUT = 1 << 30;

export function compress(codec: number, data: Buffer): Buffer {
  switch (codec) {
    case Codec.NONE: return data;
    case Codec.GZIP: return gzipSync(data);
    case Codec.SNAPPY: return snappyXerial(data);
    case Codec.LZ4: return lz4.compressFrameSync(data);
    case Codec.ZSTD: {
      if (!zstdReady) throw new Error('zstd is not loaded in this thread (loadCodecs)');
      const out = zstdCompress(data, 3);
      return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
    }
    default: throw new Error(`unknown compression codec ${codec}`);
  }
}

export function decompress(codec: number, data: Buffer): Buffer {
  switch (codec) {
    case Codec.NONE: return data;
    case Codec.GZIP: return gunzipSync(data);
    case Codec.SNAPPY: return unsnappy(data);
    case Codec.LZ4: return lz4.decompressFrameSync(data);
    case Codec.ZSTD: return unzstd(data);
    default: throw new Error(`unknown compression codec ${codec}`);
  }
}

function snappyXerial(data: Buffer): Buffer {
  const parts: Buffer[] = [XERIAL_MAGIC, Buffer.from([0, 0, 0, 1, 0, 0, 0, 1])];
  for (let at = 0; at < data.length; at += XERIAL_BLOCK) {
    const block = snappy.compressSync(data.subarray(at, at + XERIAL_BLOCK));
    const length = Buffer.allocUnsafe(4);
    length.writeInt32BE(block.length);
    parts.push(length, block);
  }
  return Buffer.concat(parts);
}

function unsnappy(data: Buffer): Buffer {
  const raw = (b: Buffer): Buffer => snappy.uncompressSync(b, { asBuffer: true }) as Buffer;
  if (data.length < XERIAL_HEADER_SIZE || !data.subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC)) return raw(data);
  const parts: Buffer[] = [];
  for (let at = XERIAL_HEADER_SIZE; at < data.length;) {
    if (at + 4 > data.length) throw new Error('truncated xerial snappy block length');
    const length = data.readInt32BE(at);
    if (length < 0 || at + 4 + length > data.length) throw new Error(`xerial snappy block of ${length} bytes overruns the data`);
    parts.push(raw(data.subarray(at + 4, at + 4 + length)));
    at += 4 + length;
  }
  return Buffer.concat(parts);
}

/** A frame without its content size gets a guessed output size, grown until it fits. */
function unzstd(data: Buffer): Buffer {
  if (!zstdReady) throw new Error('zstd is not loaded in this thread (loadCodecs)');
  for (let size = Math.max(ZSTD_FIRST_GUESS, data.length * 16); ; size *= 8) {
    try {
      const out = zstdDecompress(data, { defaultHeapSize: size });
      return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
    } catch (err) {
      if (size * 8 > ZSTD_MAX_OUTPUT) throw err;
    }
  }
}

// --- whole batches ---

export function codecOf(buf: Buffer, at: number): number {
  return buf.readInt16BE(at + ATTRIBUTES_OFFSET) & COMPRESSION_CODEC_MASK;
}

/** The records section of the batch at buf[at, at + size), decompressed. Throws when it does not decompress. */
export function batchRecords(buf: Buffer, at: number, size = batchSizeAt(buf, at)): Buffer {
  return decompress(codecOf(buf, at), buf.subarray(at + BATCH_HEADER_SIZE, at + size));
}

/**
 * A copy of the batch at buf[at...] holding `records` (a records section, uncompressed) compressed
 * with `codec`: the header's other fields stay, unless `recordsCount` or `maxTimestamp` are given;
 * batch length, codec bits and CRC are set anew.
 */
export function rebuildBatch(buf: Buffer, at: number, records: Buffer, codec: number, recordsCount?: number, maxTimestamp?: number): Buffer {
  const body = compress(codec, records);
  const out = Buffer.allocUnsafe(BATCH_HEADER_SIZE + body.length);
  buf.copy(out, 0, at, at + BATCH_HEADER_SIZE);
  body.copy(out, BATCH_HEADER_SIZE);
  out.writeInt32BE(out.length - LOG_OVERHEAD, BATCH_LENGTH_OFFSET);
  out.writeInt16BE((out.readInt16BE(ATTRIBUTES_OFFSET) & ~COMPRESSION_CODEC_MASK) | codec, ATTRIBUTES_OFFSET);
  if (recordsCount !== undefined) out.writeInt32BE(recordsCount, RECORDS_COUNT_OFFSET);
  if (maxTimestamp !== undefined) writeInt64(out, MAX_TIMESTAMP_OFFSET, maxTimestamp);
  out.writeUInt32BE(crc32c(out.subarray(ATTRIBUTES_OFFSET)), CRC_OFFSET);
  return out;
}

/**
 * The produce path's recompression (a topic's compression.type other than `producer`): every batch
 * not already in `codec` is rebuilt in it. Null when every batch already is. Throws when a batch's
 * records do not decompress.
 */
export function recompressBatches(records: Buffer, batches: readonly { position: number; size: number }[], codec: number): Buffer | null {
  if (batches.every((b) => codecOf(records, b.position) === codec)) return null;
  return Buffer.concat(batches.map(({ position, size }) => (codecOf(records, position) === codec
    ? records.subarray(position, position + size)
    : rebuildBatch(records, position, batchRecords(records, position, size), codec))));
}
