// The leader epoch cache of a partition (Kafka's LeaderEpochFileCache): for each leader epoch,
// the first offset written in it, oldest first, kept in the partition's leader-epoch-checkpoint
// (checkpoint.ts). OffsetForLeaderEpoch answers from it: the end offset of an epoch is the start
// offset of the next one, and for the latest epoch the log end offset. A single broker that never
// changes leaders writes everything in epoch 0, so the file holds one entry; the rules below are
// Kafka's all the same. Entries below the log start offset are trimmed when it moves, entries at
// or past the log end offset when recovery cuts the log.
import { LEADER_EPOCH_CHECKPOINT, readCheckpoint, writeCheckpoint } from './checkpoint.js';

export interface EpochEntry { epoch: number; startOffset: number }

/** The leader epoch of every partition on a single broker that never changes leaders. */
export const LEADER_EPOCH = 0;
export const UNDEFINED_EPOCH = -1;
export const UNDEFINED_EPOCH_OFFSET = -1;

export class LeaderEpochCache {
  private entries: EpochEntry[];

  constructor(private readonly dir: string) {
    this.entries = (readCheckpoint(dir, LEADER_EPOCH_CHECKPOINT, 2) ?? []).map(([epoch, startOffset]) => ({ epoch: epoch!, startOffset: startOffset! }));
  }

  get latestEpoch(): number {
    return this.entries.at(-1)?.epoch ?? UNDEFINED_EPOCH;
  }

  list(): readonly EpochEntry[] {
    return this.entries;
  }

  /** Records that `epoch` starts at `startOffset`, unless an epoch as new is already known. */
  assign(epoch: number, startOffset: number): void {
    const last = this.entries.at(-1);
    if (last !== undefined && last.epoch >= epoch) return;
    // a newer epoch never starts before an older one's start: drop the ones it overtakes
    this.entries = this.entries.filter((e) => e.startOffset < startOffset);
    this.entries.push({ epoch, startOffset });
    this.flush();
  }

  /**
   * Kafka's endOffsetFor: [epoch, end offset] for the requested epoch. The latest epoch ends at the
   * log end offset; an older one at the start of the next epoch known, answered with the largest
   * known epoch at or below the one asked for (the one asked for when it precedes them all).
   */
  endOffsetFor(requested: number, logEndOffset: number): [number, number] {
    if (requested === UNDEFINED_EPOCH || this.entries.length === 0) return [UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET];
    if (requested === this.latestEpoch) return [requested, logEndOffset];
    const higher = this.entries.findIndex((e) => e.epoch > requested);
    if (higher < 0) return [UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET];
    const next = this.entries[higher]!;
    return higher === 0 ? [requested, next.startOffset] : [this.entries[higher - 1]!.epoch, next.startOffset];
  }

  /** The log start offset moved to `offset`: earlier epochs go, the one holding it starts there. */
  truncateFromStart(offset: number): void {
    const keep: EpochEntry[] = [];
    for (let i = 0; i < this.entries.length; i++) {
      const e = this.entries[i]!;
      const next = this.entries[i + 1];
      if (next !== undefined && next.startOffset <= offset) continue;
      keep.push(e.startOffset < offset ? { epoch: e.epoch, startOffset: offset } : e);
    }
    if (!sameEntries(keep, this.entries)) {
      this.entries = keep;
      this.flush();
    }
  }

  /** The log was cut back to end at `offset`: epochs starting at or after it go. */
  truncateFromEnd(offset: number): void {
    const keep = this.entries.filter((e) => e.startOffset < offset);
    if (keep.length !== this.entries.length) {
      this.entries = keep;
      this.flush();
    }
  }

  private flush(): void {
    writeCheckpoint(this.dir, LEADER_EPOCH_CHECKPOINT, this.entries.map((e) => [e.epoch, e.startOffset]));
  }
}

function sameEntries(a: EpochEntry[], b: EpochEntry[]): boolean {
  return a.length === b.length && a.every((e, i) => e.epoch === b[i]!.epoch && e.startOffset === b[i]!.startOffset);
}
