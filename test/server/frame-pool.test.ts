// Request frames' memory (src/server/frame-pool.ts): Produce frames come out of one shared ring at
// the asked alignment, and wait (null, then a wake-up at the next release) when it has no room; a
// frame over a quarter of the ring gets a pooled SharedArrayBuffer by size class, reused once
// released; other frames are ordinary Buffers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FramePool, type FrameMemory } from '../../src/server/frame-pool.js';

const take = (pool: FramePool, size: number, skew = 0): FrameMemory => {
  const f = pool.acquire(size, true, skew);
  assert.ok(f !== null, `room for ${size} bytes`);
  return f;
};

test('shared frames share one ring at the asked skew; a full ring answers null and wakes its waiters at a release', () => {
  const pool = new FramePool(4096);
  const a = take(pool, 1000, 3);
  const b = take(pool, 1000, 5);
  assert.equal(a.sab, b.sab, 'one SharedArrayBuffer for both');
  assert.deepEqual([a.buf.byteOffset % 8, a.buf.length, b.buf.byteOffset % 8, b.buf.length], [3, 1000, 5, 1000]);
  assert.ok(a.buf.byteOffset + a.buf.length <= b.buf.byteOffset, 'no overlap');
  const c = take(pool, 1000);
  const d = take(pool, 1000);
  assert.equal(pool.acquire(1000, true), null, 'the ring is full');

  let woken = 0;
  const wake = () => { woken++; };
  pool.waitForRoom(wake);
  pool.waitForRoom(wake);
  pool.release(b);
  assert.equal(woken, 1, 'woken once');
  assert.equal(pool.acquire(1000, true), null, 'the oldest frame still holds the ring');
  pool.waitForRoom(wake);
  pool.forget(wake);
  pool.release(a);
  assert.equal(woken, 1, 'a forgotten waiter is not woken');
  assert.equal(take(pool, 1000).buf.byteOffset, 0, 'a and b reclaimed: the ring wraps to its start');
  for (const f of [c, d]) pool.release(f);
});

test('a frame over a quarter of the ring gets pooled shared memory of its own', () => {
  const pool = new FramePool(4096);
  const big = take(pool, 2000, 1);
  assert.equal(big.slot, -1);
  assert.deepEqual([big.buf.byteOffset, big.buf.length, big.sab!.byteLength], [1, 2000, 64 * 1024], 'the smallest size class');
  pool.release(big);
  assert.equal(take(pool, 3000).sab, big.sab, 'a released buffer of the class is used again');
});

test('frames that stay on the main thread are ordinary Buffers', () => {
  const pool = new FramePool(4096);
  const f = pool.acquire(100, false)!;
  assert.deepEqual([f.sab, f.slot, f.buf.length], [null, -1, 100]);
  assert.ok(!(f.buf.buffer instanceof SharedArrayBuffer));
  pool.release(f);
});

test('size classes above 64 KiB: four steps per doubling', () => {
  const pool = new FramePool(4096);
  const classOf = (size: number) => take(pool, size).sab!.byteLength;
  const MiB = 1024 * 1024;
  assert.equal(classOf(MiB + 100), MiB + MiB / 4, 'a 1 MiB batch and its request header: 1.25 MiB, not 2');
  assert.equal(classOf(3 * MiB), 3 * MiB);
  assert.equal(classOf(100 * 1024), 112 * 1024);
});
