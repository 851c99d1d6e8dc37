// Reader and Writer: each primitive type at its edges, compact and classic lengths, varint
// limits, hostile lengths and counts, and the Writer's chunking, by-reference appends and
// size-prefix patching.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Reader, ZERO_UUID } from '../../src/protocol/primitives/reader.js';
import { Writer } from '../../src/protocol/primitives/writer.js';
import { ProtocolError } from '../../src/protocol/primitives/protocol-error.js';

const hexOf = (f: (w: Writer) => void): string => {
  const w = new Writer(4);
  f(w);
  return w.toBuffer().toString('hex');
};
const reader = (hex: string): Reader => new Reader(Buffer.from(hex, 'hex'));

test('fixed-width integers, float64 and bool', () => {
  const w = new Writer(2);
  w.int8(-2).int16(-300).int32(-70000).uint16(65535).uint32(4294967295).float64(1.5).bool(true).bool(false);
  const r = new Reader(w.toBuffer());
  assert.equal(r.int8(), -2);
  assert.equal(r.int16(), -300);
  assert.equal(r.int32(), -70000);
  assert.equal(r.uint16(), 65535);
  assert.equal(r.uint32(), 4294967295);
  assert.equal(r.float64(), 1.5);
  assert.equal(r.bool(), true);
  assert.equal(r.bool(), false);
  assert.equal(r.remaining(), 0);
});

test('int64 as a JS number', () => {
  for (const v of [0, 1, -1, 2 ** 32, -(2 ** 32) - 5, 2 ** 53 - 1, -(2 ** 53) + 1, 1700000000000]) {
    assert.equal(new Reader(new Writer().int64(v).toBuffer()).int64(), v);
  }
  assert.equal(hexOf((w) => w.int64(-1)), 'ffffffffffffffff');
  assert.equal(hexOf((w) => w.int64(-2)), 'fffffffffffffffe');
  assert.equal(hexOf((w) => w.int64(2 ** 63)), '7fffffffffffffff', 'values past int64 max clamp');
  assert.equal(hexOf((w) => w.int64(-(2 ** 63))), '8000000000000000');
  assert.equal(reader('0000000100000000').int64(), 2 ** 32);
});

test('varints: unsigned, zigzag int32 and int64', () => {
  assert.equal(hexOf((w) => w.uvarint(0)), '00');
  assert.equal(hexOf((w) => w.uvarint(127)), '7f');
  assert.equal(hexOf((w) => w.uvarint(128)), '8001');
  assert.equal(hexOf((w) => w.uvarint(300)), 'ac02');
  assert.equal(hexOf((w) => w.uvarint(4294967295)), 'ffffffff0f');
  assert.equal(hexOf((w) => w.varint(0)), '00');
  assert.equal(hexOf((w) => w.varint(-1)), '01');
  assert.equal(hexOf((w) => w.varint(1)), '02');
  assert.equal(hexOf((w) => w.varint(-64)), '7f');
  assert.equal(hexOf((w) => w.varint(64)), '8001');
  assert.equal(hexOf((w) => w.varlong(-1)), '01');
  for (const v of [0, 1, -1, 63, -64, 2147483647, -2147483648]) {
    assert.equal(new Reader(new Writer().varint(v).toBuffer()).varint(), v);
    assert.equal(new Reader(new Writer().varlong(v).toBuffer()).varlong(), v);
  }
  for (const v of [2 ** 40, -(2 ** 40) - 3, 2 ** 52 - 1, -(2 ** 52) + 1]) {
    assert.equal(new Reader(new Writer().varlong(v).toBuffer()).varlong(), v);
  }
  for (const v of [0, 1, 127, 128, 16383, 16384, 2 ** 31, 4294967295]) {
    assert.equal(new Reader(new Writer().uvarint(v).toBuffer()).uvarint(), v);
  }
});

test('bad varints throw', () => {
  assert.throws(() => reader('ffffffffff01').uvarint(), ProtocolError, 'six bytes');
  assert.throws(() => reader('ffffffff7f').uvarint(), ProtocolError, 'beyond 32 bits');
  assert.throws(() => reader('80').uvarint(), ProtocolError, 'truncated');
  assert.throws(() => reader('ffffffffffffffffffff01').varlong(), ProtocolError, 'eleven bytes');
});

test('classic and compact strings, nullable or not', () => {
  assert.equal(hexOf((w) => w.string('ab')), '00026162');
  assert.equal(hexOf((w) => w.nullableString(null)), 'ffff');
  assert.equal(hexOf((w) => w.compactString('ab')), '036162');
  assert.equal(hexOf((w) => w.compactNullableString(null)), '00');
  assert.equal(hexOf((w) => w.compactString('')), '01');
  assert.equal(reader('0000').string(), '');
  assert.equal(reader('ffff').nullableString(), null);
  assert.equal(reader('00').compactNullableString(), null);
  assert.throws(() => reader('ffff').string(), ProtocolError);
  assert.throws(() => reader('00').compactString(), ProtocolError);
  assert.throws(() => reader('fffe').nullableString(), ProtocolError);
  const s = 'näme ✓';
  assert.equal(new Reader(new Writer().string(s).toBuffer()).string(), s);
  assert.equal(new Reader(new Writer().compactString(s).toBuffer()).compactString(), s);
  assert.throws(() => new Writer().string('x'.repeat(40000)), ProtocolError);
});

test('bytes are subarrays, not copies', () => {
  const buf = Buffer.from('00000003aabbcc03ddee00', 'hex');
  const r = new Reader(buf);
  const a = r.bytes()!;
  assert.equal(a.toString('hex'), 'aabbcc');
  assert.equal(a.buffer, buf.buffer);
  assert.equal(a.byteOffset, buf.byteOffset + 4);
  assert.equal(r.compactBytes()!.toString('hex'), 'ddee');
  assert.equal(r.compactBytes(), null);
  assert.equal(reader('ffffffff').bytes(), null);
  assert.equal(hexOf((w) => w.bytes(null)), 'ffffffff');
  assert.equal(hexOf((w) => w.compactBytes(Buffer.from([1]))), '0201');
});

test('uuid as 32 lowercase hex characters', () => {
  const id = '0123456789abcdef0123456789abcdef';
  assert.equal(new Reader(new Writer().uuid(id).toBuffer()).uuid(), id);
  assert.equal(new Reader(new Writer().uuid(ZERO_UUID).toBuffer()).uuid(), ZERO_UUID);
  assert.equal(ZERO_UUID.length, 32);
  assert.throws(() => new Writer().uuid('xyz'), ProtocolError);
  assert.throws(() => new Writer().uuid('zz' + id.slice(2)), ProtocolError);
});

test('hostile lengths and counts throw before allocating', () => {
  assert.throws(() => reader('7fff00').string(), ProtocolError);
  assert.throws(() => reader('7fffffff00').bytes(), ProtocolError);
  assert.throws(() => reader('80000000').bytes(), ProtocolError);
  assert.throws(() => reader('ffffffff0f').compactBytes(), ProtocolError);
  assert.throws(() => reader('7fffffff').arrayLength(false, 4), ProtocolError);
  assert.throws(() => reader('fffffffe').arrayLength(false, 1), ProtocolError);
  assert.throws(() => reader('ffffffff0f').arrayLength(true, 1), ProtocolError);
  assert.throws(() => reader('0000000300').arrayLength(false, 0), ProtocolError, 'zero-size elements still bounded');
  assert.equal(reader('ffffffff').arrayLength(false, 4), -1);
  assert.equal(reader('00').arrayLength(true, 4), -1);
  assert.throws(() => reader('05').skipTaggedFields(), ProtocolError);
  assert.throws(() => reader('010064aa').skipTaggedFields(), ProtocolError);
  assert.throws(() => reader('').int8(), ProtocolError);
  assert.throws(() => reader('000000').int32(), ProtocolError);
  assert.throws(() => reader('00000000000000').int64(), ProtocolError);
});

test('Writer grows in chunks, appends by reference and patches a size prefix', () => {
  const w = new Writer(4);
  w.int32(0);
  const big = Buffer.alloc(10000, 7);
  w.int16(1).rawRef(big).int8(9);
  for (let i = 0; i < 100; i++) w.int32(i);
  assert.equal(w.length, 4 + 2 + 10000 + 1 + 400);
  w.setInt32(0, w.length - 4);
  const chunks = w.toChunks();
  assert.ok(chunks.includes(big), 'rawRef keeps the caller\'s buffer');
  assert.equal(chunks.reduce((n, c) => n + c.length, 0), w.length);
  const all = w.toBuffer();
  assert.equal(all.length, w.length);
  const r = new Reader(all);
  assert.equal(r.int32(), all.length - 4);
  assert.equal(r.int16(), 1);
  assert.ok(r.slice(10000).equals(big));
  assert.equal(r.int8(), 9);
  for (let i = 0; i < 100; i++) assert.equal(r.int32(), i);
  assert.equal(r.remaining(), 0);
  assert.equal(new Writer().rawRef(Buffer.alloc(0)).length, 0);
  assert.throws(() => new Writer().setInt32(0, 1), RangeError);
});

test('raw copies, and a single chunk comes back without concatenation', () => {
  const src = Buffer.from([1, 2, 3]);
  const w = new Writer(16).raw(src);
  src[0] = 9;
  assert.deepEqual([...w.toBuffer()], [1, 2, 3]);
  const ref = Buffer.from([4, 5]);
  assert.equal(new Writer().rawRef(ref).toBuffer(), ref);
});
