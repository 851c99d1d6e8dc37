// The memory one request holds, and the one place that gives it back: its frame (in the shared
// frame ring for Produce, whose shard reads the records where they lie), its place in the
// broker-wide budget (queued.max.requests, queued.max.request.bytes), and the shards' read arena
// regions that its reply's chunks point into (Fetch). The connection acquires a request's memory
// when the frame's size is known and tells it where the request is: queued (read in full),
// handled (the handler is done: the frame and the budget go back, a reply never points into a
// frame), written (the reply is out, or dropped with its connection: the regions go back), or
// abandoned (the connection closed while the frame was being read). Handlers see HandlerMemory:
// they hand it what a shard read and say when they wait or drop a read, and never free anything.
import type { FetchResult } from '../workers/messages.js';
import type { RingView } from '../workers/shared-ring.js';
import type { FrameMemory, FramePool } from './frame-pool.js';

/** What a connection does when the budget has room again. */
export interface BudgetWaiter { maybeResume(): void }

/**
 * The broker-wide budget of requests in flight (queued.max.requests): while it is spent, every
 * connection stops reading until requests complete.
 */
export class RequestBudget {
  active = 0;
  bytes = 0;
  private readonly blocked = new Set<BudgetWaiter>();

  /** max: queued.max.requests; maxBytes: queued.max.request.bytes (-1: no byte limit). */
  constructor(readonly max: number, readonly maxBytes: number) {}

  get exhausted(): boolean { return this.active >= this.max || (this.maxBytes >= 0 && this.bytes >= this.maxBytes); }

  take(bytes: number): void {
    this.active++;
    this.bytes += bytes;
  }

  block(conn: BudgetWaiter): void { this.blocked.add(conn); }
  forget(conn: BudgetWaiter): void { this.blocked.delete(conn); }

  release(bytes: number): void {
    this.active--;
    this.bytes -= bytes;
    if (this.exhausted || this.blocked.size === 0) return;
    const waiting = [...this.blocked];
    this.blocked.clear();
    for (const c of waiting) c.maybeResume();
  }
}

/** What every request's memory comes from (one set per listener group; the arenas are the shards'). */
export interface MemorySources {
  budget: RequestBudget;
  framePool: FramePool;
  /** Each shard's fetch read arena, as the main thread sees it (by shard index). */
  readArenas: readonly Pick<RingView, 'bytes' | 'release'>[];
}

/** The part of a request's memory a handler uses. */
export interface HandlerMemory {
  /**
   * The request waits on something other than the broker's work (a long poll, a group's
   * rebalance, a transaction's markers): its place in queued.max.requests goes back now.
   */
  park(): void;
  /**
   * What a shard read for a Fetch, as a Buffer, or null. Batches in the shard's read arena stay
   * there, held until the reply is written or dropped, or until dropReads().
   */
  records(shard: number, result: Pick<FetchResult, 'records' | 'inArena'>): Buffer | null;
  /** The reads so far will not be answered (the handler reads again): their arena regions go back. */
  dropReads(): void;
}

const enum Stage { Reading, Queued, Handled, Done }

export class RequestMemory implements HandlerMemory {
  private stage = Stage.Reading;
  private holdsBudget = false;
  /** Read arena regions held for the reply, as [shard, slot] pairs (null until the first: Produce holds none). */
  private held: number[] | null = null;

  private constructor(private readonly sources: MemorySources, readonly frame: FrameMemory) {}

  /**
   * Memory for a frame of `size` bytes; Produce frames are `shared`, `skew` (0-7) bytes past an
   * 8-byte boundary. Null when the frame ring has no room now (FramePool.waitForRoom says when).
   */
  static acquire(sources: MemorySources, size: number, shared: boolean, skew = 0): RequestMemory | null {
    const frame = sources.framePool.acquire(size, shared, skew);
    return frame === null ? null : new RequestMemory(sources, frame);
  }

  /** The frame's bytes (written by the connection while Reading, read by the dispatcher after). */
  get buf(): Buffer { return this.frame.buf; }

  /** The frame is read in full and goes to its handler: it takes its place in the budget. */
  queued(): void {
    if (this.stage !== Stage.Reading) return;
    this.stage = Stage.Queued;
    this.holdsBudget = true;
    this.sources.budget.take(this.frame.buf.length);
  }

  park(): void {
    if (!this.holdsBudget) return;
    this.holdsBudget = false;
    this.sources.budget.release(this.frame.buf.length);
  }

  /** The handler is done with the request: the frame and its place in the budget go back. */
  handled(): void {
    if (this.stage !== Stage.Queued) return;
    this.stage = Stage.Handled;
    this.park();
    this.sources.framePool.release(this.frame);
  }

  /** The reply is written, or will not be: what its chunks point into goes back. */
  written(): void {
    this.handled();
    this.stage = Stage.Done;
    this.dropReads();
  }

  /** The connection closed while the frame was being read: its memory goes back. */
  abandon(): void {
    if (this.stage !== Stage.Reading) return;
    this.stage = Stage.Done;
    this.sources.framePool.release(this.frame);
  }

  records(shard: number, result: Pick<FetchResult, 'records' | 'inArena'>): Buffer | null {
    const at = result.inArena;
    // Buffers cross threads as plain Uint8Arrays: view them as Buffers again, without a copy.
    if (at === undefined) return result.records === null ? null : Buffer.from(result.records.buffer, result.records.byteOffset, result.records.byteLength);
    const arena = this.sources.readArenas[shard]!;
    // A reply already written or dropped holds nothing: the region goes back at once.
    if (this.stage === Stage.Done) {
      arena.release(at.slot);
      return null;
    }
    (this.held ??= []).push(shard, at.slot);
    return arena.bytes(at.start, at.length);
  }

  dropReads(): void {
    const held = this.held;
    if (held === null) return;
    this.held = null;
    for (let i = 0; i < held.length; i += 2) this.sources.readArenas[held[i]!]!.release(held[i + 1]!);
  }
}
