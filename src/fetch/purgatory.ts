// Waiting fetches (Kafka's fetch purgatory): a Fetch that found fewer than min_bytes parks here,
// keyed by the partitions it reads. An append to one of them (reported by the shard pool for every
// append a task makes: produce, transaction markers, the coordinators' own writes) counts its bytes towards the wait; the wait ends when enough bytes have arrived,
// when max_wait_ms runs out, when the client's connection closes, or when the broker shuts down.
// No timers or polling per partition: one timer per waiting fetch, cleared when it completes.
import type { PartitionKey } from '../workers/messages.js';

interface Waiter {
  keys: PartitionKey[];
  needBytes: number;
  done: () => void;
}

export class Purgatory {
  private readonly byKey = new Map<PartitionKey, Set<Waiter>>();
  private readonly all = new Set<Waiter>();
  /** Shutting down: a fetch that would park answers at once instead. */
  private released = false;

  /** Fetches waiting now. */
  get size(): number {
    return this.all.size;
  }

  /**
   * Resolves true when at least needBytes were appended to the keys, false on timeout or release.
   * onRelease gets the release (the connection calls it when it closes) and may answer how to take
   * it back: the wait does so as it ends, so that nothing of it stays behind on the connection.
   */
  wait(keys: PartitionKey[], needBytes: number, timeoutMs: number, onRelease: (release: () => void) => (() => void) | void): Promise<boolean> {
    if (this.released) return Promise.resolve(false);
    return new Promise((resolve) => {
      let settled = false;
      let forget: (() => void) | void;
      const finish = (satisfied: boolean): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (forget !== undefined) forget();
        this.all.delete(waiter);
        for (const k of keys) {
          const set = this.byKey.get(k);
          set?.delete(waiter);
          if (set?.size === 0) this.byKey.delete(k);
        }
        resolve(satisfied);
      };
      const waiter: Waiter = { keys, needBytes, done: () => finish(true) };
      const timer = setTimeout(() => finish(false), timeoutMs);
      this.all.add(waiter);
      for (const k of keys) {
        let set = this.byKey.get(k);
        if (set === undefined) this.byKey.set(k, set = new Set());
        set.add(waiter);
      }
      forget = onRelease(() => finish(false));
      // released at once (the connection had closed): nothing was kept
      if (settled && forget !== undefined) forget();
    });
  }

  /** Called after an append to key of `bytes` bytes (the shard pool's append listener, broker.ts). */
  appended(key: PartitionKey, bytes: number): void {
    const set = this.byKey.get(key);
    if (set === undefined) return;
    for (const w of [...set]) {
      w.needBytes -= bytes;
      if (w.needBytes <= 0) w.done();
    }
  }

  /** Completes every wait, and every later one at once (broker shutdown). */
  releaseAll(): void {
    this.released = true;
    for (const w of [...this.all]) w.done();
  }
}
