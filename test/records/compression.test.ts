// The record batch codecs (src/protocol/records/compression.ts): each one round-trips, snappy is
// written in the Java client's xerial framing and read in both framings, zstd frames without a
// content size are read whatever their size, a rebuilt batch is a valid batch in the codec asked for,
// and recompression leaves batches already in the topic's codec as they are.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import snappy from 'snappy';
import { checkBatchAt } from '../../src/protocol/records/batch.js';
import { Codec, batchRecords, codecOf, compress, decompress, loadCodecs, rebuildBatch, recompressBatches } from '../../src/protocol/records/compression.js';
import { decodeBatches } from '../helpers/record-batch.js';
import { buildBatch } from './build-batch.js';

before(() => loadCodecs());

const CODECS = [Codec.NONE, Codec.GZIP, Codec.SNAPPY, Codec.LZ4, Codec.ZSTD];
const samples = [Buffer.alloc(0), Buffer.from('x'), Buffer.from('abc'.repeat(50_000)), randomBytes(100_000)];

test('every codec round-trips empty, small, compressible and random data', () => {
  for (const codec of CODECS) {
    for (const data of samples) {
      const packed = compress(codec, data);
      assert.deepEqual(decompress(codec, packed), data, `codec ${codec}, ${data.length} bytes`);
    }
    if (codec !== Codec.NONE) assert.ok(compress(codec, samples[2]!).length < 20_000, `codec ${codec} compresses`);
  }
});

test('snappy: xerial framing with 32 KiB blocks is written; raw snappy is read too', () => {
  const data = samples[2]!;
  const framed = compress(Codec.SNAPPY, data);
  assert.deepEqual(framed.subarray(0, 16), Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0, 0, 0, 0, 1, 0, 0, 0, 1]));
  let blocks = 0;
  for (let at = 16; at < framed.length; at += 4 + framed.readInt32BE(at)) blocks++;
  assert.equal(blocks, Math.ceil(data.length / 32768));
  assert.deepEqual(decompress(Codec.SNAPPY, snappy.compressSync(data)), data);
  assert.throws(() => decompress(Codec.SNAPPY, Buffer.concat([framed.subarray(0, 16), Buffer.from([0, 0, 1, 0, 1, 2])])));
});

/** A zstd frame with no content size in its header: RLE blocks of 128 KiB of one byte each. */
function zstdFrameWithoutSize(blocks: number, byte: number): Buffer {
  const parts = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 7 << 3])]; // magic, no FCS, window 128 KiB
  for (let i = 0; i < blocks; i++) {
    const header = (i === blocks - 1 ? 1 : 0) | (1 << 1) | (131072 << 3); // last?, RLE, size
    parts.push(Buffer.from([header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff, byte]));
  }
  return Buffer.concat(parts);
}

test('zstd: a frame without its content size is read however large it is', () => {
  for (const blocks of [1, 20]) {
    const out = decompress(Codec.ZSTD, zstdFrameWithoutSize(blocks, 0x61));
    assert.equal(out.length, blocks * 131072);
    assert.ok(out.every((b) => b === 0x61));
  }
  assert.throws(() => decompress(Codec.ZSTD, Buffer.from('not zstd')));
});

test('a rebuilt batch is valid in its new codec; recompression leaves batches already in it', () => {
  const plain = buildBatch({ baseOffset: 7, records: [{ key: 'k', value: 'v' }, { key: null, value: 'w', headers: [['h', 'x']] }] });
  const batches = [plain];
  for (const codec of CODECS) {
    const rebuilt = rebuildBatch(plain, 0, batchRecords(plain, 0), codec);
    assert.equal(checkBatchAt(rebuilt, 0, rebuilt.length), rebuilt.length);
    assert.equal(codecOf(rebuilt, 0), codec);
    assert.deepEqual(decodeBatches(rebuilt)[0]!.records, decodeBatches(plain)[0]!.records);
    batches.push(rebuilt);
  }
  const all = Buffer.concat(batches);
  const positions = batches.map((b, i) => ({ position: batches.slice(0, i).reduce((a, x) => a + x.length, 0), size: b.length }));
  const lz4 = recompressBatches(all, positions, Codec.LZ4)!;
  const decoded = decodeBatches(lz4);
  assert.deepEqual(decoded.map((b) => b.compression), batches.map(() => Codec.LZ4));
  assert.ok(decoded.every((b) => b.records.length === 2 && b.baseOffset === 7));
  assert.equal(recompressBatches(batches[4]!, [{ position: 0, size: batches[4]!.length }], Codec.LZ4), null);
});
