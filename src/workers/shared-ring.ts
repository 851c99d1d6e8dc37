// A ring of shared memory handed out in regions, each with a slot whose flag says when the region
// is free again, so that one thread can allocate and another release: the request frames the main
// thread reads from sockets (src/server/frame-pool.ts), and the fetch read arena of each shard,
// which the worker reads stored batches into and the main thread writes to the socket from. Either
// way nothing is allocated per request: fresh buffers per request are external memory that brings
// on full garbage collections under load, and a SharedArrayBuffer posted to a worker stays alive
// until that worker's own collector gets to it, however long that takes.
//
// Layout: `data`, used as a ring, and `flags`, one Int32 per slot: a region handed out holds a
// slot with flag 1; whoever is done with it stores 0. The allocating side hands out regions at the
// ring's head (8-byte aligned) and reclaims from its tail, oldest region first, as far as the flags
// say the regions are free. A region that does not fit (the ring is full, every slot is out, or it
// is larger than a quarter of the ring) is refused: the caller allocates memory of its own.

export interface RingMemory { data: SharedArrayBuffer; flags: SharedArrayBuffer }

/** A shard's fetch read arena. */
export const READ_ARENA_BYTES = 32 * 1024 * 1024;
const DEFAULT_SLOTS = 1024;
const IN_USE = 1;
const FREE = 0;

export function createRingMemory(bytes = READ_ARENA_BYTES, slots = DEFAULT_SLOTS): RingMemory {
  return { data: new SharedArrayBuffer(bytes), flags: new SharedArrayBuffer(slots * 4) };
}

/** The allocating side. */
export class SharedRing {
  private readonly data: Buffer;
  private readonly flags: Int32Array;
  /** Live regions, oldest first: [slot, start, end] from `first` on. */
  private readonly live: number[] = [];
  private first = 0;
  private head = 0;
  private readonly freeSlots: number[];

  constructor(readonly memory: RingMemory) {
    this.data = Buffer.from(memory.data);
    this.flags = new Int32Array(memory.flags);
    this.freeSlots = Array.from({ length: this.flags.length }, (_, i) => this.flags.length - 1 - i);
  }

  /** The largest region the ring hands out: a quarter of it. */
  get maxRegion(): number {
    return this.data.length / 4;
  }

  /** A region of `size` bytes (starting 8-byte aligned) and its slot, or null when it does not fit now. */
  alloc(size: number): { buf: Buffer; slot: number } | null {
    this.reclaim();
    if (size <= 0 || size > this.maxRegion || this.freeSlots.length === 0) return null;
    const span = (size + 7) & ~7;
    let start = -1;
    if (this.first === this.live.length) {
      start = 0;
    } else {
      const oldest = this.live[this.first + 1]!;
      if (this.head > oldest) {
        if (this.data.length - this.head >= span) start = this.head;
        else if (oldest >= span) start = 0;
      } else if (oldest - this.head >= span) {
        start = this.head;
      }
    }
    if (start < 0) return null;
    const slot = this.freeSlots.pop()!;
    Atomics.store(this.flags, slot, IN_USE);
    this.live.push(slot, start, start + span);
    this.head = start + span;
    return { buf: this.data.subarray(start, start + size), slot };
  }

  /** Gives a region back from this side. */
  free(slot: number): void {
    Atomics.store(this.flags, slot, FREE);
  }

  private reclaim(): void {
    while (this.first < this.live.length && Atomics.load(this.flags, this.live[this.first]!) === FREE) {
      this.freeSlots.push(this.live[this.first]!);
      this.first += 3;
    }
    if (this.first === this.live.length) {
      this.live.length = 0;
      this.first = 0;
      this.head = 0;
    } else if (this.first > 3 * 64) {
      this.live.splice(0, this.first);
      this.first = 0;
    }
  }
}

/** The other side: views of the regions, and their release. */
export class RingView {
  private readonly data: Buffer;
  private readonly flags: Int32Array;

  constructor(memory: RingMemory) {
    this.data = Buffer.from(memory.data);
    this.flags = new Int32Array(memory.flags);
  }

  bytes(start: number, length: number): Buffer {
    return this.data.subarray(start, start + length);
  }

  /** The region's bytes are no longer needed (written out, or dropped): the allocating side may reuse it. */
  release(slot: number): void {
    Atomics.store(this.flags, slot, FREE);
  }
}
