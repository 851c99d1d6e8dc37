// The fetch read arena of a shard: shared memory that the shard worker reads stored batches into
// for Fetch, and that the main thread writes to the socket from, so that answering a fetch
// allocates nothing (a fresh buffer per read, transferred to the main thread, is external memory
// there, and its churn brings on full garbage collections under load).
//
// Layout: `data`, used as a ring, and `flags`, one Int32 per slot: a region handed out holds a
// slot with flag 1; the main thread stores 0 once the region's bytes are on the socket. The worker
// allocates at the ring's head and reclaims from its tail, oldest region first, as far as the
// flags say the regions are free. A read that does not fit (the ring is full, every slot is out,
// or it is larger than a quarter of the ring) gets a buffer of its own, as before.

export interface ArenaMemory { data: SharedArrayBuffer; flags: SharedArrayBuffer }

export const ARENA_BYTES = 32 * 1024 * 1024;
const ARENA_SLOTS = 1024;
const IN_USE = 1;
const FREE = 0;

export function createArenaMemory(bytes = ARENA_BYTES, slots = ARENA_SLOTS): ArenaMemory {
  return { data: new SharedArrayBuffer(bytes), flags: new SharedArrayBuffer(slots * 4) };
}

/** The worker's side: hands out regions of the ring. */
export class ReadArena {
  private readonly data: Buffer;
  private readonly flags: Int32Array;
  /** Live regions, oldest first: [slot, start, end] from `first` on. */
  private readonly live: number[] = [];
  private first = 0;
  private head = 0;
  private readonly freeSlots: number[];

  constructor(memory: ArenaMemory) {
    this.data = Buffer.from(memory.data);
    this.flags = new Int32Array(memory.flags);
    this.freeSlots = Array.from({ length: this.flags.length }, (_, i) => this.flags.length - 1 - i);
  }

  /** A region of `size` bytes and its slot, or null when it does not fit now. */
  alloc(size: number): { buf: Buffer; slot: number } | null {
    this.reclaim();
    if (size <= 0 || size > this.data.length / 4 || this.freeSlots.length === 0) return null;
    let start = -1;
    if (this.first === this.live.length) {
      start = 0;
    } else {
      const oldest = this.live[this.first + 1]!;
      if (this.head > oldest) {
        if (this.data.length - this.head >= size) start = this.head;
        else if (oldest >= size) start = 0;
      } else if (oldest - this.head >= size) {
        start = this.head;
      }
    }
    if (start < 0) return null;
    const slot = this.freeSlots.pop()!;
    Atomics.store(this.flags, slot, IN_USE);
    this.live.push(slot, start, start + size);
    this.head = start + size;
    return { buf: this.data.subarray(start, start + size), slot };
  }

  /** Gives a region back from this side (a read that failed after its allocation). */
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

/** The main thread's side: views of the regions, and their release. */
export class ArenaView {
  private readonly data: Buffer;
  private readonly flags: Int32Array;

  constructor(memory: ArenaMemory) {
    this.data = Buffer.from(memory.data);
    this.flags = new Int32Array(memory.flags);
  }

  bytes(start: number, length: number): Buffer {
    return this.data.subarray(start, start + length);
  }

  /** The region's bytes are no longer needed (written out, or dropped): the worker may reuse it. */
  release(slot: number): void {
    Atomics.store(this.flags, slot, FREE);
  }
}
