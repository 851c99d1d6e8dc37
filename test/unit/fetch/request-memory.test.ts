// A request's memory (src/server/request-memory.ts) on its own, with a real frame pool and budget
// and read arenas whose releases are counted: the frame and the budget go back when the handler
// is done, a parked request gives its budget back early and once, the read arena regions a reply
// points into go back only once it is written or dropped (or when the handler drops a read it
// will not answer), and a frame abandoned half read goes back to the ring.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FramePool } from '../../../src/server/frame-pool.js';
import { RequestBudget, RequestMemory, type MemorySources } from '../../../src/server/request-memory.js';
import { createRingMemory, SharedRing, RingView } from '../../../src/workers/shared-ring.js';

/** Two shards' read arenas, each written by a stand-in shard; `released` lists [shard, slot] releases. */
function sources(ringBytes = 4096): MemorySources & { shards: SharedRing[]; released: [number, number][] } {
  const released: [number, number][] = [];
  const memories = [createRingMemory(4096, 16), createRingMemory(4096, 16)];
  const shards = memories.map((m) => new SharedRing(m));
  const readArenas = memories.map((m, shard) => {
    const view = new RingView(m);
    return {
      bytes: (start: number, length: number) => view.bytes(start, length),
      release: (slot: number) => { released.push([shard, slot]); view.release(slot); },
    };
  });
  return { budget: new RequestBudget(10, 1 << 20), framePool: new FramePool(ringBytes), readArenas, shards, released };
}

/** A shard's read of `text` into its arena, as its FetchResult carries it. */
function readInto(shard: SharedRing, text: string): { records: null; inArena: { slot: number; start: number; length: number } } {
  const region = shard.alloc(text.length)!;
  region.buf.write(text);
  return { records: null, inArena: { slot: region.slot, start: region.buf.byteOffset, length: text.length } };
}

test('the budget is taken when the frame is queued and given back once, when parked or handled', () => {
  const s = sources();
  const request = RequestMemory.acquire(s, 100, false)!;
  assert.deepEqual([s.budget.active, s.budget.bytes], [0, 0], 'a frame being read holds no budget');
  request.queued();
  request.queued();
  assert.deepEqual([s.budget.active, s.budget.bytes], [1, 100]);
  request.park();
  request.park();
  assert.deepEqual([s.budget.active, s.budget.bytes], [0, 0], 'a parked request is not queued work');
  request.handled();
  request.written();
  assert.deepEqual([s.budget.active, s.budget.bytes], [0, 0], 'given back once');

  const other = RequestMemory.acquire(s, 50, false)!;
  other.queued();
  other.handled();
  assert.deepEqual([s.budget.active, s.budget.bytes], [0, 0], 'handled: given back');
});

test('a budget given back wakes the connections that waited for it', () => {
  const s = sources();
  s.budget = new RequestBudget(1, -1);
  const request = RequestMemory.acquire(s, 10, false)!;
  request.queued();
  assert.ok(s.budget.exhausted);
  let resumed = 0;
  s.budget.block({ maybeResume: () => { resumed++; } });
  request.park();
  assert.deepEqual([resumed, s.budget.exhausted], [1, false]);
});

test('a shared frame goes back to the ring when its handler is done, not before; a half-read one when abandoned', () => {
  const s = sources(4096);
  const frames = [1, 2, 3, 4].map(() => RequestMemory.acquire(s, 1000, true, 0)!);
  assert.ok(frames.every((f) => f.frame.sab !== null && f.frame.slot >= 0), 'in the shared ring');
  assert.equal(RequestMemory.acquire(s, 1000, true), null, 'the ring is full');
  frames[0]!.queued();
  assert.equal(RequestMemory.acquire(s, 1000, true), null, 'queued: still held');
  frames[0]!.handled();
  const again = RequestMemory.acquire(s, 1000, true);
  assert.ok(again !== null, 'handled: its room is free again');
  assert.equal(again.frame.buf.byteOffset, frames[0]!.frame.buf.byteOffset);
  frames[1]!.abandon();
  frames[1]!.abandon();
  frames[1]!.written();
  assert.equal(RequestMemory.acquire(s, 1000, true, 0)!.frame.buf.byteOffset, frames[1]!.frame.buf.byteOffset, 'abandoned: its room is free again');
});

test('read arena regions are held until the reply is written, then given back once', () => {
  const s = sources();
  const request = RequestMemory.acquire(s, 100, false)!;
  request.queued();
  const a = readInto(s.shards[0]!, 'batch-a');
  const b = readInto(s.shards[1]!, 'batch-b');
  assert.equal(request.records(0, a)!.toString(), 'batch-a', 'the bytes where the shard read them, no copy');
  assert.equal(request.records(1, b)!.toString(), 'batch-b');
  request.handled();
  assert.deepEqual(s.released, [], 'handled is not written: the reply still points into the arenas');
  request.written();
  assert.deepEqual(s.released, [[0, a.inArena.slot], [1, b.inArena.slot]]);
  request.written();
  assert.equal(s.released.length, 2, 'given back once');
});

test('a read the handler drops goes back at once; what it reads after is held for the reply', () => {
  const s = sources();
  const request = RequestMemory.acquire(s, 100, false)!;
  request.queued();
  const first = readInto(s.shards[0]!, 'first');
  request.records(0, first);
  request.dropReads();
  assert.deepEqual(s.released, [[0, first.inArena.slot]]);
  const second = readInto(s.shards[0]!, 'second');
  assert.equal(request.records(0, second)!.toString(), 'second');
  request.written();
  assert.deepEqual(s.released, [[0, first.inArena.slot], [0, second.inArena.slot]]);
});

test('records not in an arena are viewed as Buffers in place; nothing to give back', () => {
  const s = sources();
  const request = RequestMemory.acquire(s, 100, false)!;
  // as a worker's transferred buffer arrives: a plain Uint8Array where the result says Buffer
  const bytes = new Uint8Array(new ArrayBuffer(16), 4, 8).fill(7);
  const view = request.records(0, { records: bytes as Buffer })!;
  assert.ok(Buffer.isBuffer(view));
  assert.equal(view.buffer, bytes.buffer, 'the same memory');
  assert.deepEqual([view.byteOffset, view.length], [4, 8]);
  assert.equal(request.records(0, { records: null }), null);
  request.written();
  assert.deepEqual(s.released, []);
});

test('a region handed over after the reply was dropped goes back at once', () => {
  const s = sources();
  const request = RequestMemory.acquire(s, 100, false)!;
  request.queued();
  request.written();
  const late = readInto(s.shards[1]!, 'late');
  assert.equal(request.records(1, late), null);
  assert.deepEqual(s.released, [[1, late.inArena.slot]]);
});
