// Memory for request frames. Only Produce frames cross to the shard workers (they append the
// records where they lie), so only they are read into shared memory: one ring
// (src/workers/shared-ring.ts) for them all, given back as soon as their request is handled. When
// the ring has no room for a frame now, the connection waits for a release before reading on (its
// bytes stay in the kernel): the ring is the bound on produced bytes in memory. A frame over a
// quarter of the ring gets a SharedArrayBuffer of its own, from a pool by size class kept for
// reuse: shared memory left to the garbage collector is not counted as external memory, so it
// would pile up unseen. Every other request is read into an ordinary Buffer, which the collector
// sees and frees, and which may be kept as long as the broker needs it (group metadata, assignments).
import { createRingMemory, SharedRing } from '../workers/shared-ring.js';

/** A frame's memory: `buf` lies in `sab` (null: not shared); `slot` is its ring slot (-1: none). */
export interface FrameMemory { sab: SharedArrayBuffer | null; buf: Buffer; slot: number }

export const FRAME_RING_BYTES = 64 * 1024 * 1024;
const FRAME_RING_SLOTS = 4096;
const MIN_CLASS = 64 * 1024;

/** The size class of a shared buffer: four steps per doubling (at most 25% unused). */
function sizeClass(size: number): number {
  let c = MIN_CLASS;
  while (c < size) c *= 2;
  const step = c / 8;
  let fit = c / 2 + step;
  while (fit < size) fit += step;
  return Math.max(MIN_CLASS, Math.min(c, fit));
}

export class FramePool {
  private readonly ring: SharedRing;
  private readonly free = new Map<number, SharedArrayBuffer[]>();
  private pooledBytes = 0;
  /** Called once each when ring memory is released: connections waiting for room. */
  private readonly waiters = new Set<() => void>();

  /** maxPooledBytes: what the size-class pool (frames over a quarter of the ring) keeps for reuse at the most. */
  constructor(ringBytes = FRAME_RING_BYTES, private readonly maxPooledBytes = 128 * 1024 * 1024) {
    this.ring = new SharedRing(createRingMemory(ringBytes, FRAME_RING_SLOTS));
  }

  /**
   * `size` bytes for a frame; `shared` ones start `skew` (0-7) bytes past an 8-byte boundary (V8
   * copies into shared memory word by word only between equally aligned addresses). Null when the
   * ring has no room for it now: waitForRoom() says when to ask again.
   */
  acquire(size: number, shared: boolean, skew = 0): FrameMemory | null {
    if (!shared) return { sab: null, buf: Buffer.allocUnsafe(size), slot: -1 };
    if (size + skew <= this.ring.maxRegion) {
      const region = this.ring.alloc(size + skew);
      return region === null ? null : { sab: this.ring.memory.data, buf: region.buf.subarray(skew, skew + size), slot: region.slot };
    }
    const c = sizeClass(size + skew);
    const pooled = this.free.get(c)?.pop();
    if (pooled !== undefined) this.pooledBytes -= c;
    const sab = pooled ?? new SharedArrayBuffer(c);
    return { sab, buf: Buffer.from(sab, skew, size), slot: -1 };
  }

  /** The ring's shared memory (the shard workers are handed it once: ShardPool.share). */
  get ringMemory(): SharedArrayBuffer {
    return this.ring.memory.data;
  }

  /** `wake` is called once, at the next release of ring memory. */
  waitForRoom(wake: () => void): void {
    this.waiters.add(wake);
  }

  forget(wake: () => void): void {
    this.waiters.delete(wake);
  }

  /** Takes a frame's memory back; nothing may read or write it afterwards. */
  release(frame: FrameMemory): void {
    if (frame.slot >= 0) {
      this.ring.free(frame.slot);
      if (this.waiters.size > 0) {
        const waiting = [...this.waiters];
        this.waiters.clear();
        for (const wake of waiting) wake();
      }
      return;
    }
    const sab = frame.sab;
    if (sab === null || sab === this.ring.memory.data) return;
    const c = sab.byteLength;
    if (this.pooledBytes + c > this.maxPooledBytes) return;
    let list = this.free.get(c);
    if (list === undefined) this.free.set(c, list = []);
    list.push(sab);
    this.pooledBytes += c;
  }
}
