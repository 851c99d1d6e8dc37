// Request frames' memory (src/server/frame-pool.ts): Produce frames come out of one shared ring at
// the asked alignment; one the ring cannot take gets a pooled SharedArrayBuffer by size class,
// reused once released; other frames are ordinary Buffers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FramePool } from '../../src/server/frame-pool.js';

test('shared frames share one ring at the asked skew; the rest fall back to pooled shared memory', () => {
  const pool = new FramePool(4096);
  const a = pool.acquire(1000, true, 3);
  const b = pool.acquire(1000, true, 5);
  assert.equal(a.sab, b.sab, 'one SharedArrayBuffer for both');
  assert.deepEqual([a.buf.byteOffset % 8, a.buf.length, b.buf.byteOffset % 8, b.buf.length], [3, 1000, 5, 1000]);
  assert.ok(a.buf.byteOffset + a.buf.length <= b.buf.byteOffset, 'no overlap');

  const big = pool.acquire(2000, true, 1);
  assert.equal(big.slot, -1, 'over a quarter of the ring');
  assert.notEqual(big.sab, a.sab);
  assert.deepEqual([big.buf.byteOffset, big.buf.length, big.sab!.byteLength], [1, 2000, 64 * 1024], 'the smallest size class');
  pool.release(big);
  assert.equal(pool.acquire(3000, true).sab, big.sab, 'a released buffer of the class is used again');

  const c = pool.acquire(1000, true);
  const d = pool.acquire(1000, true);
  assert.notEqual(d.slot, -1);
  const e = pool.acquire(1000, true);
  assert.equal(e.slot, -1, 'the ring is full');
  for (const f of [a, b, c, d, e]) pool.release(f);
  assert.equal(pool.acquire(1000, true).buf.byteOffset, 0, 'all given back: the ring starts over');
});

test('frames that stay on the main thread are ordinary Buffers', () => {
  const pool = new FramePool(4096);
  const f = pool.acquire(100, false);
  assert.deepEqual([f.sab, f.slot, f.buf.length], [null, -1, 100]);
  assert.ok(!(f.buf.buffer instanceof SharedArrayBuffer));
  pool.release(f);
});

test('size classes above 64 KiB: four steps per doubling', () => {
  const pool = new FramePool(4096);
  const classOf = (size: number) => pool.acquire(size, true).sab!.byteLength;
  const MiB = 1024 * 1024;
  assert.equal(classOf(MiB + 100), MiB + MiB / 4, 'a 1 MiB batch and its request header: 1.25 MiB, not 2');
  assert.equal(classOf(3 * MiB), 3 * MiB);
  assert.equal(classOf(100 * 1024), 112 * 1024);
});
