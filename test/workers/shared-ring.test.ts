// The shared ring (src/workers/shared-ring.ts): regions handed out in ring order, 8-byte aligned, reclaimed
// oldest first once the reader releases them (in any order), wrapping at the end, and refused
// (the caller reads into a buffer of its own) when the ring, the slots or the size do not allow.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRingMemory, RingView, SharedRing } from '../../src/workers/shared-ring.js';

describe('the shared ring', () => {
  const setup = (bytes = 1024, slots = 8) => {
    const memory = createRingMemory(bytes, slots);
    return { arena: new SharedRing(memory), view: new RingView(memory) };
  };
  const offsetOf = (buf: Buffer) => buf.byteOffset;

  test('regions follow each other, each 8-byte aligned; the other side sees what was written', () => {
    const { arena, view } = setup();
    const a = arena.alloc(100)!;
    const b = arena.alloc(200)!;
    const c = arena.alloc(3)!;
    assert.deepEqual([offsetOf(a.buf), a.buf.length, offsetOf(b.buf), b.buf.length, offsetOf(c.buf)], [0, 100, 104, 200, 304]);
    assert.notEqual(a.slot, b.slot);
    b.buf.write('hello', 0);
    assert.equal(view.bytes(104, 5).toString(), 'hello');
  });

  test('too large (over a quarter of the ring), empty, or out of slots: refused', () => {
    const { arena } = setup(1024, 2);
    assert.equal(arena.alloc(257), null);
    assert.equal(arena.alloc(0), null);
    assert.ok(arena.alloc(10));
    assert.ok(arena.alloc(10));
    assert.equal(arena.alloc(10), null, 'both slots are out');
  });

  test('a full ring refuses until the oldest region is released; a later release alone frees nothing', () => {
    const { arena, view } = setup();
    const regions = [0, 1, 2, 3].map(() => arena.alloc(256)!);
    assert.deepEqual(regions.map((r) => offsetOf(r.buf)), [0, 256, 512, 768]);
    assert.equal(arena.alloc(1), null);
    view.release(regions[2]!.slot);
    assert.equal(arena.alloc(1), null, 'the oldest region still holds the tail');
    view.release(regions[0]!.slot);
    const wrapped = arena.alloc(256)!;
    assert.equal(offsetOf(wrapped.buf), 0, 'wraps to the start, into the oldest region\'s place');
    assert.equal(arena.alloc(1), null, 'region 1 still in use, between the head and region 2');
    view.release(regions[1]!.slot);
    assert.equal(offsetOf(arena.alloc(256)!.buf), 256, 'regions 1 and 2 reclaimed together once 1 is free');
  });

  test('a region that does not fit before the end wraps if the start is free', () => {
    const { arena, view } = setup();
    const a = arena.alloc(200)!;
    const b = arena.alloc(200)!;
    const c = arena.alloc(200)!;
    const d = arena.alloc(200)!;
    view.release(a.slot);
    view.release(b.slot);
    const e = arena.alloc(250)!;
    assert.equal(offsetOf(e.buf), 0, '224 bytes left at the end: the region (256 bytes aligned) goes to the start');
    assert.equal(arena.alloc(145), null, 'only 144 bytes between the head and the oldest region');
    assert.equal(offsetOf(arena.alloc(144)!.buf), 256);
    for (const r of [c, d]) view.release(r.slot);
  });

  test('everything released: the ring starts over at 0', () => {
    const { arena, view } = setup();
    const regions = [arena.alloc(100)!, arena.alloc(100)!];
    for (const r of regions.reverse()) view.release(r.slot);
    assert.equal(offsetOf(arena.alloc(50)!.buf), 0);
  });

  test('the worker can give a region back itself (a read that failed)', () => {
    const { arena } = setup(1024, 1);
    const a = arena.alloc(100)!;
    arena.free(a.slot);
    assert.equal(offsetOf(arena.alloc(100)!.buf), 0);
  });

  test('a long random run: live regions never overlap, and every refusal is a real lack of room', () => {
    const { arena, view } = setup(64 * 1024, 64);
    const live: { slot: number; start: number; end: number }[] = [];
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let i = 0; i < 20_000; i++) {
      if (live.length > 0 && random() < 0.5) {
        const [r] = live.splice(Math.floor(random() * live.length), 1);
        view.release(r!.slot);
        continue;
      }
      const size = 1 + Math.floor(random() * 8192);
      const got = arena.alloc(size);
      if (got === null) {
        assert.ok(live.length > 0, 'an empty arena takes any region up to a quarter of it');
        continue;
      }
      const r = { slot: got.slot, start: offsetOf(got.buf), end: offsetOf(got.buf) + size };
      for (const o of live) assert.ok(r.end <= o.start || r.start >= o.end, `[${r.start}, ${r.end}) overlaps [${o.start}, ${o.end})`);
      assert.ok(!live.some((o) => o.slot === r.slot), 'a slot is never handed out twice');
      live.push(r);
    }
  });
});
