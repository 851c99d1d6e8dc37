// Committed offsets, in memory: group -> topic -> partition -> the last committed offset, its
// leader epoch, metadata string and commit time. The coordinator writes each commit to
// __consumer_offsets first and records it here once the append succeeded; start-up replays the log
// into it. Also answers which offsets have outlived offsets.retention.minutes.

export interface CommittedOffset { offset: number; leaderEpoch: number; metadata: string; commitTimestamp: number }

export interface OffsetKey { topic: string; partition: number }

export class OffsetStore {
  private readonly byGroup = new Map<string, Map<string, Map<number, CommittedOffset>>>();

  /** Forgets everything (a replay of __consumer_offsets that is tried again starts from nothing). */
  clear(): void { this.byGroup.clear(); }

  get(group: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.byGroup.get(group)?.get(topic)?.get(partition);
  }

  set(group: string, topic: string, partition: number, committed: CommittedOffset): void {
    let topics = this.byGroup.get(group);
    if (topics === undefined) this.byGroup.set(group, topics = new Map());
    let partitions = topics.get(topic);
    if (partitions === undefined) topics.set(topic, partitions = new Map());
    partitions.set(partition, committed);
  }

  delete(group: string, topic: string, partition: number): void {
    const topics = this.byGroup.get(group);
    const partitions = topics?.get(topic);
    if (topics === undefined || partitions === undefined) return;
    partitions.delete(partition);
    if (partitions.size === 0) topics.delete(topic);
    if (topics.size === 0) this.byGroup.delete(group);
  }

  /** Every committed offset of a group, topic by topic. */
  topicsOf(group: string): ReadonlyMap<string, ReadonlyMap<number, CommittedOffset>> {
    return this.byGroup.get(group) ?? new Map();
  }

  keysOf(group: string): OffsetKey[] {
    const keys: OffsetKey[] = [];
    for (const [topic, partitions] of this.topicsOf(group)) for (const partition of partitions.keys()) keys.push({ topic, partition });
    return keys;
  }

  hasOffsets(group: string): boolean { return this.byGroup.has(group); }

  groups(): IterableIterator<string> { return this.byGroup.keys(); }

  dropGroup(group: string): void { this.byGroup.delete(group); }

  /**
   * The offsets of a group that have expired: those committed (or, for a group that emptied,
   * left) more than retentionMs ago. `since` is when the group became empty, or null when the
   * commit time alone counts; `keep` names topics a live group still reads.
   */
  expired(group: string, nowMs: number, retentionMs: number, since: number | null, keep: (topic: string) => boolean): OffsetKey[] {
    const out: OffsetKey[] = [];
    for (const [topic, partitions] of this.topicsOf(group)) {
      if (keep(topic)) continue;
      for (const [partition, c] of partitions) {
        const base = since === null ? c.commitTimestamp : Math.max(since, c.commitTimestamp);
        if (nowMs - base >= retentionMs) out.push({ topic, partition });
      }
    }
    return out;
  }
}
