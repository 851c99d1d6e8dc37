// Reusable SharedArrayBuffers for request frames, by power-of-two size class. A frame is read
// straight into one, handed to the shard workers in place, and given back once its reply has been
// written: no fresh shared memory (and its page faults and garbage) per request. What the pool
// keeps is capped; frames above the largest class are allocated and left to the GC.

const MIN_CLASS = 4096;

function sizeClass(size: number): number {
  let c = MIN_CLASS;
  while (c < size) c *= 2;
  return c;
}

export class FramePool {
  private readonly free = new Map<number, SharedArrayBuffer[]>();
  private pooledBytes = 0;

  constructor(private readonly maxPooledBytes = 64 * 1024 * 1024, private readonly largestClass = 4 * 1024 * 1024) {}

  /** Shared memory of at least `size` bytes. */
  acquire(size: number): SharedArrayBuffer {
    if (size > this.largestClass) return new SharedArrayBuffer(size);
    const c = sizeClass(size);
    const sab = this.free.get(c)?.pop();
    if (sab === undefined) return new SharedArrayBuffer(c);
    this.pooledBytes -= c;
    return sab;
  }

  /** Takes a frame's memory back; nothing may read or write it afterwards. */
  release(sab: SharedArrayBuffer): void {
    const c = sab.byteLength;
    if (c > this.largestClass || c !== sizeClass(c) || this.pooledBytes + c > this.maxPooledBytes) return;
    let list = this.free.get(c);
    if (list === undefined) this.free.set(c, list = []);
    list.push(sab);
    this.pooledBytes += c;
  }
}
