// The group coordinator of this broker (every group: a single broker coordinates them all). Owns
// the groups, classic and KIP-848 alike, and their committed offsets; writes both to
// __consumer_offsets before answering, replays that topic at start-up (COORDINATOR_LOAD_IN_PROGRESS
// meanwhile) and expires offsets after offsets.retention.minutes. Groups' own configs (the GROUP
// config resource) are kept in a ConfigStore (samsa-group-configs.json). The handlers in
// server/handlers/ turn requests into calls here and the answers back into responses.
import type { Cluster } from '../cluster/cluster.js';
import type { BrokerConfig } from '../config/index.js';
import type { Logger } from '../log.js';
import { decodeMessage } from '../protocol/codec.js';
import { ErrorCode } from '../protocol/errors.js';
import { ConsumerProtocolSubscription } from '../protocol/messages/index.js';
import { Reader } from '../protocol/primitives/reader.js';
import type { ShardPool } from '../workers/pool.js';
import { ClassicGroup, type ClassicGroupHost } from './classic-group.js';
import { ConsumerGroup } from './consumer-group.js';
import { groupConfigValue } from './group-config.js';
import { FileConfigStore, type ConfigStore, type Configs } from '../cluster/config-store.js';
import { CoordinatorLog, GROUP_METADATA_TOPIC, isCommitMarker, type LogRecord } from './group-log.js';
import {
  decodeGroupLogKey, decodeGroupMetadataValue, decodeOffsetCommitValue, encodeGroupMetadataKey, encodeGroupMetadataValue,
  encodeOffsetCommitKey, encodeOffsetCommitValue, type GroupMetadataRecord,
} from './log-records.js';
import { OffsetStore, type CommittedOffset, type OffsetKey } from './offsets.js';

export type Group = ClassicGroup | ConsumerGroup;

export class GroupCoordinator implements ClassicGroupHost {
  readonly log: CoordinatorLog;
  readonly offsets = new OffsetStore();
  readonly groups = new Map<string, Group>();
  private loading = true;
  /** Offsets committed inside transactions: producer id -> __consumer_offsets partition -> commits, visible once committed. */
  private readonly pendingTxnOffsets = new Map<number, Map<number, { groupId: string; commits: (OffsetKey & CommittedOffset)[] }[]>>();
  private retentionTimer: NodeJS.Timeout | null = null;
  private readonly expiryTimers = new Map<string, NodeJS.Timeout>();

  constructor(
    readonly config: BrokerConfig,
    readonly cluster: Cluster,
    shards: ShardPool,
    private readonly logger: Logger,
    /** Groups' own configs, by group id. */
    private readonly configStore: ConfigStore = FileConfigStore.load(config.logDirs[0]!, 'samsa-group-configs.json'),
  ) {
    this.log = new CoordinatorLog(GROUP_METADATA_TOPIC, config.offsetsTopicNumPartitions, config.offsetsTopicSegmentBytes, cluster, shards, config, logger);
  }

  get initialRebalanceDelayMs(): number { return this.config.groupInitialRebalanceDelayMs; }
  get maxSize(): number { return this.config.groupMaxSize; }

  /** NONE once the groups are loaded, else COORDINATOR_LOAD_IN_PROGRESS. */
  get status(): number { return this.loading ? ErrorCode.COORDINATOR_LOAD_IN_PROGRESS : ErrorCode.NONE; }

  // --- start-up and shutdown ---

  /**
   * Replays __consumer_offsets: the last record of each key wins, a null value deletes. A load that
   * failed (a read error, a record it cannot decode) may be tried again: it starts from nothing.
   */
  async load(): Promise<void> {
    const started = Date.now();
    this.offsets.clear();
    this.groups.clear();
    this.pendingTxnOffsets.clear();
    const metadata = new Map<string, GroupMetadataRecord | null>();
    let records = 0;
    await this.log.load((record, batch) => {
      records++;
      if (batch.isControl) {
        this.completeTransaction(batch.producerId, isCommitMarker(record.key), [batch.partition]);
        return;
      }
      const key = decodeGroupLogKey(record.key);
      if (key.type === 'offset' && batch.isTransactional && record.value !== null) {
        this.addPending(batch.producerId, batch.partition, key.group, [{ topic: key.topic, partition: key.partition, ...decodeOffsetCommitValue(record.value) }]);
      } else if (key.type === 'offset') {
        if (record.value === null) this.offsets.delete(key.group, key.topic, key.partition);
        else this.offsets.set(key.group, key.topic, key.partition, decodeOffsetCommitValue(record.value));
      } else if (key.type === 'group') {
        metadata.set(key.group, record.value === null ? null : decodeGroupMetadataValue(record.value));
      }
    });
    for (const [groupId, record] of metadata) {
      if (record === null) continue;
      const group = new ClassicGroup(groupId, this);
      group.restore(record);
      this.groups.set(groupId, group);
    }
    for (const groupId of this.offsets.groups()) if (!this.groups.has(groupId)) this.groups.set(groupId, new ClassicGroup(groupId, this));
    this.loading = false;
    this.retentionTimer = setInterval(() => void this.expireOffsets(Date.now()), this.config.offsetsRetentionCheckIntervalMs).unref();
    this.logger.info({ groups: this.groups.size, records, loadMs: Date.now() - started }, 'group coordinator loaded');
  }

  close(): void {
    if (this.retentionTimer !== null) clearInterval(this.retentionTimer);
    for (const t of this.expiryTimers.values()) clearTimeout(t);
    for (const g of this.groups.values()) if (g instanceof ClassicGroup) g.kill();
  }

  // --- groups by protocol ---

  /** The classic group of that id; created if asked. A non-empty KIP-848 group cannot be joined this way. */
  classicGroup(groupId: string, create: boolean): ClassicGroup | number {
    const existing = this.groups.get(groupId);
    if (existing instanceof ClassicGroup) return existing;
    if (existing !== undefined && !existing.isEmpty()) return ErrorCode.INCONSISTENT_GROUP_PROTOCOL;
    if (!create) return existing === undefined ? ErrorCode.GROUP_ID_NOT_FOUND : ErrorCode.INCONSISTENT_GROUP_PROTOCOL;
    const group = new ClassicGroup(groupId, this);
    this.groups.set(groupId, group);
    return group;
  }

  /** The KIP-848 group of that id; created if asked. A non-empty classic group cannot be joined this way. */
  consumerGroup(groupId: string, create: boolean): ConsumerGroup | number {
    const existing = this.groups.get(groupId);
    if (existing instanceof ConsumerGroup) return existing;
    if (existing !== undefined && !existing.isEmpty()) return ErrorCode.GROUP_ID_NOT_FOUND;
    if (!create) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (existing instanceof ClassicGroup) {
      // An empty classic group is converted: its metadata record goes, its offsets stay.
      existing.kill();
      void this.log.append(groupId, [{ key: encodeGroupMetadataKey(groupId), value: null }]);
    }
    const group = new ConsumerGroup({ groupId, ...this.timeouts(groupId), maxSize: this.config.groupConsumerMaxSize });
    this.groups.set(groupId, group);
    return group;
  }

  /** A group's own configs (set for it, whether or not the group exists). */
  groupConfigs(groupId: string): Configs {
    return this.configStore.get(groupId);
  }

  /** Stores a group's configs (checked by the caller); a KIP-848 group uses them from its next heartbeat. */
  setGroupConfigs(groupId: string, configs: Configs): void {
    this.configStore.set(groupId, configs);
    const group = this.groups.get(groupId);
    if (group instanceof ConsumerGroup) {
      group.configure(this.timeouts(groupId));
      this.armExpiry(group);
    }
  }

  private timeouts(groupId: string): { sessionTimeoutMs: number; heartbeatIntervalMs: number } {
    const own = this.configStore.get(groupId);
    return {
      sessionTimeoutMs: groupConfigValue(this.config, own, 'consumer.session.timeout.ms'),
      heartbeatIntervalMs: groupConfigValue(this.config, own, 'consumer.heartbeat.interval.ms'),
    };
  }

  /** Arms the one timer of a KIP-848 group at its next session or rebalance deadline. */
  armExpiry(group: ConsumerGroup): void {
    const old = this.expiryTimers.get(group.groupId);
    if (old !== undefined) clearTimeout(old);
    this.expiryTimers.delete(group.groupId);
    const deadline = group.nextDeadline();
    if (!Number.isFinite(deadline)) return;
    this.expiryTimers.set(group.groupId, setTimeout(() => {
      this.expiryTimers.delete(group.groupId);
      for (const memberId of group.expire(Date.now())) this.logger.info({ group: group.groupId, memberId }, 'consumer group member removed: session or rebalance timeout');
      this.armExpiry(group);
    }, Math.max(deadline - Date.now(), 0) + 1).unref());
  }

  // --- ClassicGroupHost ---

  persist(group: ClassicGroup): Promise<number> {
    const record: GroupMetadataRecord = {
      protocolType: group.protocolType ?? '', generation: group.generationId, protocol: group.protocolName, leader: group.leaderId,
      currentStateTimestamp: group.stateTimestamp,
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId, groupInstanceId: m.groupInstanceId, clientId: m.clientId, clientHost: m.clientHost,
        rebalanceTimeout: m.rebalanceTimeoutMs, sessionTimeout: m.sessionTimeoutMs, subscription: group.metadataOf(m), assignment: m.assignment,
      })),
    };
    return this.log.append(group.groupId, [{ key: encodeGroupMetadataKey(group.groupId), value: encodeGroupMetadataValue(record) }]);
  }

  onMemberRemoved(group: ClassicGroup, memberId: string, reason: string): void {
    this.logger.info({ group: group.groupId, memberId, reason }, 'group member removed');
  }

  onRebalance(group: ClassicGroup, reason: string): void {
    this.logger.debug({ group: group.groupId, generation: group.generationId, reason }, 'group rebalancing');
  }

  // --- offsets ---

  /** Checks an OffsetCommit against the group's members and generation (or member epoch). */
  validateCommit(group: Group | undefined, memberId: string, groupInstanceId: string | null, generation: number, apiVersion: number): number {
    if (group === undefined) return generation < 0 ? ErrorCode.NONE : ErrorCode.ILLEGAL_GENERATION;
    if (group instanceof ConsumerGroup) return group.validateOffsetCommit(memberId, generation, apiVersion);
    if (group.state === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    // A "simple" commit (no generation) from outside any group management.
    if (generation < 0 && group.state === 'Empty') return ErrorCode.NONE;
    if (generation >= 0 || memberId !== '' || groupInstanceId !== null) {
      const member = group.validateMember(memberId, groupInstanceId);
      if (typeof member === 'number') return member;
      if (generation !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    } else {
      return ErrorCode.UNKNOWN_MEMBER_ID;
    }
    return group.state === 'CompletingRebalance' ? ErrorCode.REBALANCE_IN_PROGRESS : ErrorCode.NONE;
  }

  /** Writes the commits, then records them. Answers one error code for the whole write. */
  async commit(groupId: string, commits: (OffsetKey & CommittedOffset)[]): Promise<number> {
    if (!this.groups.has(groupId)) this.groups.set(groupId, new ClassicGroup(groupId, this));
    const records: LogRecord[] = commits.map((c) => ({
      key: encodeOffsetCommitKey(groupId, c.topic, c.partition),
      value: encodeOffsetCommitValue({ offset: c.offset, leaderEpoch: c.leaderEpoch, metadata: c.metadata, commitTimestamp: c.commitTimestamp }),
    }));
    const errorCode = await this.log.append(groupId, records);
    if (errorCode !== ErrorCode.NONE) return errorCode;
    for (const c of commits) this.offsets.set(groupId, c.topic, c.partition, { offset: c.offset, leaderEpoch: c.leaderEpoch, metadata: c.metadata, commitTimestamp: c.commitTimestamp });
    return ErrorCode.NONE;
  }

  /** TxnOffsetCommit: written as a transactional batch now, recorded when the transaction commits. */
  async commitInTransaction(groupId: string, producerId: number, producerEpoch: number, commits: (OffsetKey & CommittedOffset)[]): Promise<number> {
    if (!this.groups.has(groupId)) this.groups.set(groupId, new ClassicGroup(groupId, this));
    const records: LogRecord[] = commits.map((c) => ({
      key: encodeOffsetCommitKey(groupId, c.topic, c.partition),
      value: encodeOffsetCommitValue({ offset: c.offset, leaderEpoch: c.leaderEpoch, metadata: c.metadata, commitTimestamp: c.commitTimestamp }),
    }));
    const errorCode = await this.log.append(groupId, records, { producerId, producerEpoch });
    if (errorCode === ErrorCode.NONE) this.addPending(producerId, this.log.partitionFor(groupId), groupId, commits);
    return errorCode;
  }

  private addPending(producerId: number, partition: number, groupId: string, commits: (OffsetKey & CommittedOffset)[]): void {
    let byPartition = this.pendingTxnOffsets.get(producerId);
    if (byPartition === undefined) this.pendingTxnOffsets.set(producerId, byPartition = new Map());
    let list = byPartition.get(partition);
    if (list === undefined) byPartition.set(partition, list = []);
    list.push({ groupId, commits });
  }

  /** A transaction marker reached these __consumer_offsets partitions: its offsets count, or are dropped. */
  completeTransaction(producerId: number, commit: boolean, partitions: number[]): void {
    const byPartition = this.pendingTxnOffsets.get(producerId);
    if (byPartition === undefined) return;
    for (const p of partitions) {
      const list = byPartition.get(p);
      byPartition.delete(p);
      if (!commit || list === undefined) continue;
      for (const { groupId, commits } of list) {
        if (!this.groups.has(groupId)) this.groups.set(groupId, new ClassicGroup(groupId, this));
        for (const c of commits) this.offsets.set(groupId, c.topic, c.partition, { offset: c.offset, leaderEpoch: c.leaderEpoch, metadata: c.metadata, commitTimestamp: c.commitTimestamp });
      }
    }
    if (byPartition.size === 0) this.pendingTxnOffsets.delete(producerId);
  }

  /** Whether a transaction not yet ended has committed an offset for this partition (OffsetFetch requireStable). */
  hasPendingOffset(groupId: string, topic: string, partition: number): boolean {
    for (const byPartition of this.pendingTxnOffsets.values()) {
      for (const list of byPartition.values()) {
        if (list.some((e) => e.groupId === groupId && e.commits.some((c) => c.topic === topic && c.partition === partition))) return true;
      }
    }
    return false;
  }

  /** Writes tombstones for the offsets, then forgets them. */
  async deleteOffsets(groupId: string, keys: OffsetKey[]): Promise<number> {
    if (keys.length === 0) return ErrorCode.NONE;
    const errorCode = await this.log.append(groupId, keys.map((k) => ({ key: encodeOffsetCommitKey(groupId, k.topic, k.partition), value: null })));
    if (errorCode !== ErrorCode.NONE) return errorCode;
    for (const k of keys) this.offsets.delete(groupId, k.topic, k.partition);
    return ErrorCode.NONE;
  }

  /** The topics a group's live members read (OffsetDelete refuses those; retention keeps them). */
  subscribedTopics(group: Group): Set<string> {
    if (group instanceof ConsumerGroup) return group.subscribedTopicNames();
    const topics = new Set<string>();
    if (group.protocolType !== 'consumer') return topics;
    for (const m of group.members.values()) for (const t of subscriptionTopics(group.metadataOf(m))) topics.add(t);
    return topics;
  }

  /** Deletes an empty group: tombstones for its offsets and its metadata. */
  async deleteGroup(groupId: string): Promise<number> {
    const group = this.groups.get(groupId);
    if (group === undefined) return ErrorCode.GROUP_ID_NOT_FOUND;
    if (!group.isEmpty()) return ErrorCode.NON_EMPTY_GROUP;
    const records: LogRecord[] = this.offsets.keysOf(groupId).map((k) => ({ key: encodeOffsetCommitKey(groupId, k.topic, k.partition), value: null }));
    records.push({ key: encodeGroupMetadataKey(groupId), value: null });
    const errorCode = await this.log.append(groupId, records);
    if (errorCode !== ErrorCode.NONE) return errorCode;
    this.removeGroup(groupId);
    return ErrorCode.NONE;
  }

  private removeGroup(groupId: string): void {
    const group = this.groups.get(groupId);
    if (group instanceof ClassicGroup) group.kill();
    this.groups.delete(groupId);
    this.offsets.dropGroup(groupId);
    const t = this.expiryTimers.get(groupId);
    if (t !== undefined) clearTimeout(t);
    this.expiryTimers.delete(groupId);
  }

  /**
   * offsets.retention.minutes: an empty group's offsets expire that long after it emptied (or
   * after the commit, for groups never managed by Kafka); a live group's offsets of topics it
   * no longer reads expire that long after their commit. An empty group left with no offsets goes.
   */
  async expireOffsets(nowMs: number): Promise<void> {
    const retentionMs = this.config.offsetsRetentionMinutes * 60_000;
    for (const [groupId, group] of [...this.groups]) {
      const empty = group.isEmpty();
      const since = !empty ? null : group instanceof ClassicGroup && group.protocolType !== null ? group.stateTimestamp : null;
      const live = empty ? new Set<string>() : this.subscribedTopics(group);
      if (!empty && group instanceof ClassicGroup && group.protocolType !== 'consumer') continue;
      const expired = this.offsets.expired(groupId, nowMs, retentionMs, since, (t) => live.has(t));
      if (expired.length > 0) {
        const errorCode = await this.deleteOffsets(groupId, expired);
        this.logger.info({ group: groupId, offsets: expired.length, errorCode }, 'expired committed offsets');
      }
      if (empty && !this.offsets.hasOffsets(groupId) && this.groups.get(groupId) === group) {
        await this.deleteGroup(groupId);
      }
    }
  }
}

/** The topics in a consumer's subscription (ConsumerProtocolSubscription, any version). */
export function subscriptionTopics(metadata: Buffer): string[] {
  try {
    const r = new Reader(metadata);
    const version = r.int16();
    const decoded = decodeMessage(ConsumerProtocolSubscription, Math.min(Math.max(version, 0), 3), r);
    return decoded.topics;
  } catch {
    return [];
  }
}

/** How ListGroups names a group: its type, its state and its protocol type. */
export function groupSummary(group: Group): { groupType: string; groupState: string; protocolType: string } {
  if (group instanceof ConsumerGroup) return { groupType: 'consumer', groupState: group.stateName(), protocolType: 'consumer' };
  return { groupType: 'classic', groupState: group.state, protocolType: group.protocolType ?? '' };
}
