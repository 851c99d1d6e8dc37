// One KIP-848 consumer group (ConsumerGroupHeartbeat): its members, the group epoch, the target
// assignment with its epoch, and which member owns each partition. heartbeat() follows Kafka's
// GroupMetadataManager.consumerGroupHeartbeat and reconciles a member the way Kafka's
// CurrentAssignmentBuilder does: a partition reaches its new owner only after the old owner
// stopped reporting it. Pure state, no timers and no I/O: the coordinator calls expire() at
// nextDeadline(), encodes the answers and persists what it needs.
import { ErrorCode } from '../protocol/errors.js';
import type {
  ConsumerGroupDescribeResponseData, ConsumerGroupHeartbeatRequestData, ConsumerGroupHeartbeatResponseData, Decoded,
} from '../protocol/messages/index.js';
import { ASSIGNORS, DEFAULT_ASSIGNOR, type AssignorMember, type AssignorTopic } from './assignors.js';

export const JOIN_GROUP_MEMBER_EPOCH = 0;
export const LEAVE_GROUP_MEMBER_EPOCH = -1;
export const LEAVE_GROUP_STATIC_MEMBER_EPOCH = -2;

/** topicId -> partitions, ascending, never an empty list. */
export type TopicPartitionMap = ReadonlyMap<string, readonly number[]>;
export type TopicPartitions = ConsumerGroupHeartbeatRequestData.TopicPartitions;

export type MemberState = 'stable' | 'unrevoked_partitions' | 'unreleased_partitions';
export type ConsumerGroupState = 'empty' | 'assigning' | 'reconciling' | 'stable';
const STATE_NAMES = { empty: 'Empty', assigning: 'Assigning', reconciling: 'Reconciling', stable: 'Stable' } as const;

export interface ConsumerGroupMember {
  readonly memberId: string;
  readonly memberEpoch: number;
  readonly previousMemberEpoch: number;
  readonly instanceId: string | null;
  readonly rackId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  readonly rebalanceTimeoutMs: number;
  readonly subscribedTopicNames: readonly string[];
  readonly subscribedTopicRegex: string | null;
  readonly serverAssignor: string | null;
  readonly state: MemberState;
  readonly assignedPartitions: TopicPartitionMap;
  readonly partitionsPendingRevocation: TopicPartitionMap;
  readonly lastHeartbeatMs: number;
  /** When the member is fenced unless it has revoked partitionsPendingRevocation; Infinity if nothing is pending. */
  readonly revocationDeadlineMs: number;
}
type Member = { -readonly [K in keyof ConsumerGroupMember]: ConsumerGroupMember[K] };

/** A ConsumerGroupHeartbeat as decoded (its group id aside), with what the handler adds. */
export interface HeartbeatRequest extends Omit<Decoded<ConsumerGroupHeartbeatRequestData>, 'groupId'> {
  clientId: string; clientHost: string; apiVersion: number;
}

export interface HeartbeatContext {
  nowMs: number;
  topicsByName: (name: string) => AssignorTopic | undefined;
  /** Every non-internal topic, for regex subscriptions. */
  allTopics: () => AssignorTopic[];
  newMemberId: () => string;
}

export type HeartbeatResponse = Omit<ConsumerGroupHeartbeatResponseData, 'throttleTimeMs'>;

export interface ConsumerGroupOptions { groupId: string; sessionTimeoutMs?: number; heartbeatIntervalMs?: number; maxSize?: number }

/** One entry of ConsumerGroupDescribeResponse's Groups. */
export type DescribedGroup = ConsumerGroupDescribeResponseData.DescribedGroup;
type DescribedAssignment = ConsumerGroupDescribeResponseData.Assignment;

class Refusal {
  constructor(readonly errorCode: number, readonly errorMessage: string) {}
}

const EMPTY: TopicPartitionMap = new Map();

export class ConsumerGroup {
  readonly groupId: string;
  /** The group's consumer.session.timeout.ms and consumer.heartbeat.interval.ms; configure() changes them. */
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  readonly maxSize: number;
  private epoch = 0;
  private targetEpoch = 0;
  private readonly memberMap = new Map<string, Member>();
  private readonly staticMembers = new Map<string, string>(); // instanceId -> memberId
  private readonly target = new Map<string, TopicPartitionMap>(); // memberId -> target assignment
  private readonly owners = new Map<string, Map<number, string>>(); // topicId -> partition -> memberId
  private readonly nameRefs = new Map<string, number>();
  private readonly regexRefs = new Map<string, number>();
  private readonly regexes = new Map<string, RegExp>();
  /** The subscribed topics that exist, by name, as the target assignment was last computed from. */
  private metadata = new Map<string, AssignorTopic>();

  constructor(options: ConsumerGroupOptions) {
    this.groupId = options.groupId;
    this.sessionTimeoutMs = options.sessionTimeoutMs ?? 45000;
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 5000;
    this.maxSize = options.maxSize ?? Infinity;
  }

  /** New group configs: the next heartbeat answers the interval, and sessions are timed by the new timeout. */
  configure(timeouts: { sessionTimeoutMs: number; heartbeatIntervalMs: number }): void {
    this.sessionTimeoutMs = timeouts.sessionTimeoutMs;
    this.heartbeatIntervalMs = timeouts.heartbeatIntervalMs;
  }

  get groupEpoch(): number { return this.epoch; }
  get assignmentEpoch(): number { return this.targetEpoch; }
  get members(): ReadonlyMap<string, ConsumerGroupMember> { return this.memberMap; }

  get state(): ConsumerGroupState {
    if (this.memberMap.size === 0) return 'empty';
    if (this.epoch > this.targetEpoch) return 'assigning';
    for (const m of this.memberMap.values()) if (m.state !== 'stable' || m.memberEpoch !== this.targetEpoch) return 'reconciling';
    return 'stable';
  }

  stateName(): string { return STATE_NAMES[this.state]; }
  isEmpty(): boolean { return this.memberMap.size === 0; }

  /** Topic names the members subscribe to: by name (existing or not) and through their regexes. */
  subscribedTopicNames(): Set<string> {
    return new Set([...this.nameRefs.keys(), ...this.metadata.keys()]);
  }

  targetAssignment(memberId: string): TopicPartitionMap { return this.target.get(memberId) ?? EMPTY; }

  /** The epoch of the member owning the partition (assigned or pending revocation), or -1. */
  currentPartitionEpoch(topicId: string, partition: number): number {
    const memberId = this.owners.get(topicId)?.get(partition);
    return memberId === undefined ? -1 : this.memberMap.get(memberId)!.memberEpoch;
  }

  /** The assignor the members ask for most (ties by name), else the default. */
  assignorName(): string {
    const votes = new Map<string, number>();
    for (const m of this.memberMap.values()) if (m.serverAssignor !== null) votes.set(m.serverAssignor, (votes.get(m.serverAssignor) ?? 0) + 1);
    let best = DEFAULT_ASSIGNOR;
    let most = 0;
    for (const [name, n] of [...votes].sort(([a], [b]) => (a < b ? -1 : 1))) if (n > most) [best, most] = [name, n];
    return best;
  }

  heartbeat(req: HeartbeatRequest, ctx: HeartbeatContext): HeartbeatResponse {
    const invalid = validate(req);
    if (invalid !== null) return this.refuse(req, invalid);
    if (req.memberEpoch < 0) return this.leave(req, ctx.nowMs);

    const member = this.memberFor(req, ctx);
    if (member instanceof Refusal) return this.refuse(req, member);
    const before = member.assignedPartitions;
    let bump = this.update(member, req, ctx.nowMs);
    // Subscribed topics created, deleted or resized since the target assignment change it too.
    const metadata = this.resolveMetadata(ctx);
    if (!sameMetadata(metadata, this.metadata)) {
      this.metadata = metadata;
      bump = true;
    }
    if (bump) this.epoch++;
    if (this.epoch > this.targetEpoch) this.computeTargetAssignment();

    const owned = req.topicPartitions === null ? null : toMap(req.topicPartitions);
    this.reconcile(member, owned, ctx.nowMs);
    const send = req.memberEpoch === JOIN_GROUP_MEMBER_EPOCH || !samePartitions(before, member.assignedPartitions)
      || (owned !== null && !samePartitions(owned, member.assignedPartitions));
    return {
      errorCode: ErrorCode.NONE, errorMessage: null, memberId: member.memberId, memberEpoch: member.memberEpoch,
      heartbeatIntervalMs: this.heartbeatIntervalMs,
      assignment: send ? { topicPartitions: toList(member.assignedPartitions) } : null,
    };
  }

  /** Removes the members whose session or rebalance timeout has passed; answers their ids. */
  expire(nowMs: number): string[] {
    const removed: string[] = [];
    for (const m of [...this.memberMap.values()]) {
      if (nowMs >= m.lastHeartbeatMs + this.sessionTimeoutMs || nowMs >= m.revocationDeadlineMs) {
        this.remove(m);
        removed.push(m.memberId);
      }
    }
    return removed;
  }

  /** The earliest time expire() could remove a member, or Infinity. */
  nextDeadline(): number {
    let deadline = Infinity;
    for (const m of this.memberMap.values()) deadline = Math.min(deadline, m.lastHeartbeatMs + this.sessionTimeoutMs, m.revocationDeadlineMs);
    return deadline;
  }

  /** OffsetCommit from a member of this group: an error code. */
  validateOffsetCommit(memberId: string, memberEpoch: number, apiVersion: number): number {
    // Without an epoch the commit comes from outside group management: fine while no one consumes.
    if (memberEpoch < 0 && this.memberMap.size === 0) return ErrorCode.NONE;
    const member = this.memberMap.get(memberId);
    if (member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (memberEpoch > member.memberEpoch) return ErrorCode.FENCED_MEMBER_EPOCH;
    if (memberEpoch < member.memberEpoch) return apiVersion >= 9 ? ErrorCode.STALE_MEMBER_EPOCH : ErrorCode.ILLEGAL_GENERATION;
    return ErrorCode.NONE;
  }

  /** OffsetFetch (v9+ carries the member): an error code. No member id and epoch -1 skip the check, as in Kafka. */
  validateOffsetFetch(memberId: string | null, memberEpoch: number): number {
    if (memberId === null && memberEpoch < 0) return ErrorCode.NONE;
    const member = memberId === null ? undefined : this.memberMap.get(memberId);
    if (member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    return memberEpoch === member.memberEpoch ? ErrorCode.NONE : ErrorCode.STALE_MEMBER_EPOCH;
  }

  /** The group as ConsumerGroupDescribe answers it; topics topicNameOf does not know are left out. */
  describe(topicNameOf: (topicId: string) => string | undefined): DescribedGroup {
    const described = (a: TopicPartitionMap): DescribedAssignment => ({
      topicPartitions: toList(a).flatMap(({ topicId, partitions }) => {
        const topicName = topicNameOf(topicId);
        return topicName === undefined ? [] : [{ topicId, topicName, partitions }];
      }),
    });
    return {
      errorCode: ErrorCode.NONE, errorMessage: null, groupId: this.groupId, groupState: this.stateName(),
      groupEpoch: this.epoch, assignmentEpoch: this.targetEpoch, assignorName: this.assignorName(),
      members: [...this.memberMap.values()].sort((a, b) => (a.memberId < b.memberId ? -1 : 1)).map((m) => ({
        memberId: m.memberId, instanceId: m.instanceId, rackId: m.rackId, memberEpoch: m.memberEpoch,
        clientId: m.clientId, clientHost: m.clientHost, subscribedTopicNames: [...m.subscribedTopicNames],
        subscribedTopicRegex: m.subscribedTopicRegex, assignment: described(m.assignedPartitions),
        targetAssignment: described(this.targetAssignment(m.memberId)),
      })),
      authorizedOperations: -2147483648,
    };
  }

  // --- heartbeat steps ---

  private refuse(req: HeartbeatRequest, r: Refusal): HeartbeatResponse {
    return { errorCode: r.errorCode, errorMessage: r.errorMessage, memberId: req.memberId, memberEpoch: 0, heartbeatIntervalMs: 0, assignment: null };
  }

  /**
   * -1 removes the member. -2 (a static member going away for now) keeps it, at epoch -2, holding
   * its assigned partitions and its place in the target assignment, as Kafka does: a join with the
   * same instance id within the session timeout takes them over; otherwise expire() removes it.
   */
  private leave(req: HeartbeatRequest, nowMs: number): HeartbeatResponse {
    let member: Member | undefined;
    if (req.instanceId === null) {
      member = this.memberMap.get(req.memberId);
      if (member === undefined) return this.refuse(req, unknownMember(req.memberId));
    } else {
      member = this.staticMember(req.instanceId);
      if (member === undefined) return this.refuse(req, new Refusal(ErrorCode.UNKNOWN_MEMBER_ID, `Instance id ${req.instanceId} is unknown.`));
      if (member.memberId !== req.memberId) return this.refuse(req, fencedInstance(req, member));
    }
    if (req.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
      this.setPartitions(member, member.assignedPartitions, EMPTY);
      member.memberEpoch = LEAVE_GROUP_STATIC_MEMBER_EPOCH;
      member.state = 'stable';
      member.revocationDeadlineMs = Infinity;
      member.lastHeartbeatMs = nowMs;
    } else {
      this.remove(member);
    }
    return {
      errorCode: ErrorCode.NONE, errorMessage: null, memberId: req.memberId, memberEpoch: req.memberEpoch,
      heartbeatIntervalMs: this.heartbeatIntervalMs, assignment: null,
    };
  }

  private memberFor(req: HeartbeatRequest, ctx: HeartbeatContext): Member | Refusal {
    const joining = req.memberEpoch === JOIN_GROUP_MEMBER_EPOCH;
    const memberId = joining && req.memberId === '' ? ctx.newMemberId() : req.memberId;
    if (req.instanceId !== null) {
      const holder = this.staticMember(req.instanceId);
      if (!joining) {
        if (holder === undefined) return new Refusal(ErrorCode.UNKNOWN_MEMBER_ID, `Instance id ${req.instanceId} is unknown.`);
        if (holder.memberId !== memberId) return fencedInstance(req, holder);
        return checkEpoch(holder, req) ?? holder;
      }
      if (holder !== undefined && holder.memberId !== memberId) {
        if (holder.memberEpoch !== LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
          return new Refusal(ErrorCode.UNRELEASED_INSTANCE_ID,
            `Static member ${memberId} with instance id ${req.instanceId} cannot join the group because the instance id is owned by ${holder.memberId}.`);
        }
        if (this.memberMap.has(memberId)) return new Refusal(ErrorCode.INVALID_REQUEST, `Member id ${memberId} is already in use.`);
        return this.replaceStatic(holder, memberId);
      }
    }
    const existing = this.memberMap.get(memberId);
    if (!joining) return existing === undefined ? unknownMember(memberId) : checkEpoch(existing, req) ?? existing;
    if (existing !== undefined) {
      // Epoch 0 from a known member id: it starts over (after FENCED_MEMBER_EPOCH, or a lost join
      // response) owning nothing, as joining requires. Kafka fences this; taking it back is kinder
      // and as safe, since the member gave everything up.
      this.setPartitions(existing, EMPTY, EMPTY);
      existing.memberEpoch = existing.previousMemberEpoch = 0;
      existing.state = 'stable';
      existing.revocationDeadlineMs = Infinity;
      return existing;
    }
    if (this.memberMap.size >= this.maxSize) {
      return new Refusal(ErrorCode.GROUP_MAX_SIZE_REACHED, `The consumer group has reached its maximum capacity of ${this.maxSize} members.`);
    }
    const member: Member = {
      memberId, memberEpoch: 0, previousMemberEpoch: 0, instanceId: null, rackId: null, clientId: '', clientHost: '',
      rebalanceTimeoutMs: req.rebalanceTimeoutMs, subscribedTopicNames: [], subscribedTopicRegex: null, serverAssignor: null,
      state: 'stable', assignedPartitions: EMPTY, partitionsPendingRevocation: EMPTY, lastHeartbeatMs: ctx.nowMs, revocationDeadlineMs: Infinity,
    };
    this.memberMap.set(memberId, member);
    return member;
  }

  /** A static member back under a new member id takes over its predecessor's partitions and target. */
  private replaceStatic(old: Member, memberId: string): Member {
    const member: Member = {
      ...old, memberId, memberEpoch: 0, previousMemberEpoch: 0, state: 'stable', partitionsPendingRevocation: EMPTY, revocationDeadlineMs: Infinity,
    };
    const assigned = old.assignedPartitions;
    this.setPartitions(old, EMPTY, EMPTY);
    this.memberMap.delete(old.memberId);
    this.memberMap.set(memberId, member);
    this.staticMembers.set(member.instanceId!, memberId);
    this.claim(memberId, assigned);
    const target = this.target.get(old.memberId);
    this.target.delete(old.memberId);
    if (target !== undefined) this.target.set(memberId, target);
    return member;
  }

  /** Applies the request's fields (null or -1: unchanged). Answers whether the subscription changed. */
  private update(m: Member, req: HeartbeatRequest, nowMs: number): boolean {
    if (req.instanceId !== null && req.instanceId !== m.instanceId) {
      if (m.instanceId !== null) this.staticMembers.delete(m.instanceId);
      this.staticMembers.set(req.instanceId, m.memberId);
      m.instanceId = req.instanceId;
    }
    if (req.rackId !== null) m.rackId = req.rackId;
    if (req.rebalanceTimeoutMs > 0) m.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
    m.clientId = req.clientId;
    m.clientHost = req.clientHost;
    m.lastHeartbeatMs = nowMs;
    const names = req.subscribedTopicNames === null ? m.subscribedTopicNames : [...new Set(req.subscribedTopicNames)].sort();
    const regex = req.subscribedTopicRegex === null ? m.subscribedTopicRegex : req.subscribedTopicRegex || null;
    const assignor = req.serverAssignor ?? m.serverAssignor;
    const sameNames = names.length === m.subscribedTopicNames.length && names.every((n, i) => n === m.subscribedTopicNames[i]);
    if (sameNames && regex === m.subscribedTopicRegex && assignor === m.serverAssignor) return false;
    this.subscribe(m, -1);
    m.subscribedTopicNames = names;
    m.subscribedTopicRegex = regex;
    m.serverAssignor = assignor;
    this.subscribe(m, 1);
    return true;
  }

  private computeTargetAssignment(): void {
    const topics = new Map([...this.metadata.values()].map((t) => [t.topicId, t]));
    const members: AssignorMember[] = [...this.memberMap.values()].sort((a, b) => (a.memberId < b.memberId ? -1 : 1)).map((m) => ({
      memberId: m.memberId, instanceId: m.instanceId, rackId: m.rackId,
      subscribedTopicIds: this.subscribedTopicIds(m), current: this.targetAssignment(m.memberId),
    }));
    const assignment = ASSIGNORS.get(this.assignorName())!.assign(members, topics);
    this.target.clear();
    for (const m of members) {
      const mine = new Map([...(assignment.get(m.memberId) ?? [])].filter(([, partitions]) => partitions.length > 0));
      this.target.set(m.memberId, mine);
    }
    this.targetEpoch = this.epoch;
  }

  /**
   * CurrentAssignmentBuilder: kept = assigned ∩ target, revoke = assigned − target. While the
   * member still reports revoked partitions it stays at its epoch with only the kept ones
   * (unrevoked_partitions). Then it moves to the assignment epoch and gets every target partition
   * no other member owns; one still owned elsewhere leaves it in unreleased_partitions until a
   * later heartbeat finds it free.
   */
  private reconcile(m: Member, owned: TopicPartitionMap | null, nowMs: number): void {
    if (m.state === 'stable' && m.memberEpoch === this.targetEpoch) return;
    if (m.state === 'unrevoked_partitions' && overlaps(owned, m.partitionsPendingRevocation)) return;
    const target = this.targetAssignment(m.memberId);
    const kept = intersect(m.assignedPartitions, target);
    const revoke = subtract(m.assignedPartitions, target);
    const free = new Map<string, number[]>();
    let unreleased = false;
    for (const [topicId, partitions] of subtract(target, kept)) {
      const owners = this.owners.get(topicId);
      const available = partitions.filter((p) => {
        const o = owners?.get(p);
        if (o === undefined || o === m.memberId) return true;
        unreleased = true;
        return false;
      });
      if (available.length > 0) free.set(topicId, available);
    }
    const was = { epoch: m.memberEpoch, state: m.state, assigned: m.assignedPartitions, pending: m.partitionsPendingRevocation };
    if (revoke.size > 0 && overlaps(owned, revoke)) {
      this.setPartitions(m, kept, revoke);
      m.state = 'unrevoked_partitions';
    } else {
      this.setPartitions(m, union(kept, free), EMPTY);
      if (m.memberEpoch !== this.targetEpoch) [m.previousMemberEpoch, m.memberEpoch] = [m.memberEpoch, this.targetEpoch];
      m.state = unreleased ? 'unreleased_partitions' : 'stable';
    }
    const changed = was.epoch !== m.memberEpoch || was.state !== m.state
      || !samePartitions(was.assigned, m.assignedPartitions) || !samePartitions(was.pending, m.partitionsPendingRevocation);
    if (changed) m.revocationDeadlineMs = m.state === 'unrevoked_partitions' ? nowMs + m.rebalanceTimeoutMs : Infinity;
  }

  // --- membership bookkeeping ---

  private remove(m: Member): void {
    this.setPartitions(m, EMPTY, EMPTY);
    this.subscribe(m, -1);
    this.memberMap.delete(m.memberId);
    if (m.instanceId !== null && this.staticMembers.get(m.instanceId) === m.memberId) this.staticMembers.delete(m.instanceId);
    this.target.delete(m.memberId);
    // Forget topics no one subscribes to any more, so the next heartbeat does not bump again.
    const patterns = [...this.regexRefs.keys()].map((r) => this.regexes.get(r)!);
    for (const name of [...this.metadata.keys()]) {
      if (!this.nameRefs.has(name) && !patterns.some((p) => p.test(name))) this.metadata.delete(name);
    }
    this.epoch++;
  }

  private staticMember(instanceId: string): Member | undefined {
    const memberId = this.staticMembers.get(instanceId);
    return memberId === undefined ? undefined : this.memberMap.get(memberId);
  }

  private subscribe(m: Member, delta: 1 | -1): void {
    const refs = (map: Map<string, number>, key: string): void => {
      const n = (map.get(key) ?? 0) + delta;
      if (n > 0) map.set(key, n);
      else map.delete(key);
    };
    for (const name of m.subscribedTopicNames) refs(this.nameRefs, name);
    const regex = m.subscribedTopicRegex;
    if (regex === null) return;
    refs(this.regexRefs, regex);
    if (!this.regexRefs.has(regex)) this.regexes.delete(regex);
    else if (!this.regexes.has(regex)) this.regexes.set(regex, compileRegex(regex)!);
  }

  private resolveMetadata(ctx: HeartbeatContext): Map<string, AssignorTopic> {
    const metadata = new Map<string, AssignorTopic>();
    const add = (t: AssignorTopic): void => void metadata.set(t.name, { topicId: t.topicId, name: t.name, partitions: t.partitions });
    for (const name of this.nameRefs.keys()) {
      const topic = ctx.topicsByName(name);
      if (topic !== undefined) add(topic);
    }
    if (this.regexRefs.size > 0) {
      const patterns = [...this.regexRefs.keys()].map((r) => this.regexes.get(r)!);
      for (const t of ctx.allTopics()) if (!metadata.has(t.name) && patterns.some((p) => p.test(t.name))) add(t);
    }
    return metadata;
  }

  private subscribedTopicIds(m: Member): Set<string> {
    const ids = new Set<string>();
    for (const name of m.subscribedTopicNames) {
      const topic = this.metadata.get(name);
      if (topic !== undefined) ids.add(topic.topicId);
    }
    const pattern = m.subscribedTopicRegex === null ? undefined : this.regexes.get(m.subscribedTopicRegex);
    if (pattern !== undefined) for (const t of this.metadata.values()) if (pattern.test(t.name)) ids.add(t.topicId);
    return ids;
  }

  /** Sets a member's partitions, keeping the owner of every partition; two owners is a bug. */
  private setPartitions(m: Member, assigned: TopicPartitionMap, pending: TopicPartitionMap): void {
    for (const a of [m.assignedPartitions, m.partitionsPendingRevocation]) {
      for (const [topicId, partitions] of a) for (const p of partitions) this.owners.get(topicId)?.delete(p);
    }
    m.assignedPartitions = assigned;
    m.partitionsPendingRevocation = pending;
    this.claim(m.memberId, assigned);
    this.claim(m.memberId, pending);
  }

  private claim(memberId: string, a: TopicPartitionMap): void {
    for (const [topicId, partitions] of a) {
      let owners = this.owners.get(topicId);
      if (owners === undefined) this.owners.set(topicId, (owners = new Map()));
      for (const p of partitions) {
        const current = owners.get(p);
        if (current !== undefined && current !== memberId) {
          throw new Error(`${this.groupId}: partition ${topicId}-${p} given to ${memberId} while ${current} owns it`);
        }
        owners.set(p, memberId);
      }
    }
  }
}

// --- request checks (Kafka's throwIfConsumerGroupHeartbeatRequestIsInvalid) ---

function validate(req: HeartbeatRequest): Refusal | null {
  const invalid = (message: string): Refusal => new Refusal(ErrorCode.INVALID_REQUEST, message);
  const e = req.memberEpoch;
  if (req.memberId === '' && (req.apiVersion >= 1 || e !== JOIN_GROUP_MEMBER_EPOCH)) return invalid("MemberId can't be empty.");
  if (req.instanceId === '') return invalid("InstanceId can't be empty.");
  if (req.rackId === '') return invalid("RackId can't be empty.");
  if (e === JOIN_GROUP_MEMBER_EPOCH) {
    if (!(req.rebalanceTimeoutMs > 0)) return invalid('RebalanceTimeoutMs must be provided in first request.');
    if (req.topicPartitions?.some((t) => t.partitions.length > 0)) return invalid('TopicPartitions must be empty when (re-)joining.');
    if (!req.subscribedTopicNames?.length && !req.subscribedTopicRegex) {
      return invalid('SubscribedTopicNames or SubscribedTopicRegex must be set in first request.');
    }
  } else if (e === LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
    if (req.instanceId === null) return invalid("InstanceId can't be null.");
  } else if (e < LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
    return invalid('MemberEpoch is invalid.');
  }
  // Kafka answers INVALID_REGULAR_EXPRESSION (128), which errors.ts does not list yet.
  if (req.subscribedTopicRegex && compileRegex(req.subscribedTopicRegex) === null) {
    return invalid(`SubscribedTopicRegex ${req.subscribedTopicRegex} is not a valid regular expression.`);
  }
  if (req.serverAssignor !== null && !ASSIGNORS.has(req.serverAssignor)) {
    return new Refusal(ErrorCode.UNSUPPORTED_ASSIGNOR,
      `ServerAssignor ${req.serverAssignor} is not supported. Supported assignors: ${[...ASSIGNORS.keys()].join(', ')}.`);
  }
  return null;
}

/** A newer epoch is fenced; an older one only passes as the previous epoch with a subset of the assignment (its answer was lost). */
function checkEpoch(m: Member, req: HeartbeatRequest): Refusal | null {
  const fenced = (how: string): Refusal => new Refusal(ErrorCode.FENCED_MEMBER_EPOCH,
    `The consumer group member has a ${how} member epoch (${req.memberEpoch}) than the one known by the group coordinator `
    + `(${m.memberEpoch}). The member must abandon all its partitions and rejoin.`);
  if (req.memberEpoch > m.memberEpoch) return fenced('greater');
  if (req.memberEpoch < m.memberEpoch) {
    const owned = req.topicPartitions === null ? null : toMap(req.topicPartitions);
    if (req.memberEpoch !== m.previousMemberEpoch || owned === null || subtract(owned, m.assignedPartitions).size > 0) return fenced('smaller');
  }
  return null;
}

const unknownMember = (memberId: string): Refusal => new Refusal(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${memberId} is not a member of the group.`);
const fencedInstance = (req: HeartbeatRequest, holder: Member): Refusal => new Refusal(ErrorCode.FENCED_INSTANCE_ID,
  `Static member ${req.memberId} with instance id ${req.instanceId} was fenced by member ${holder.memberId}.`);

/** Kafka matches a subscription regex against the whole topic name. */
function compileRegex(regex: string): RegExp | null {
  try {
    return new RegExp(`^(?:${regex})$`);
  } catch {
    return null;
  }
}

// --- topic-partition maps ---

function toMap(list: readonly TopicPartitions[]): Map<string, number[]> {
  const sets = new Map<string, Set<number>>();
  for (const { topicId, partitions } of list) {
    if (partitions.length === 0) continue;
    let set = sets.get(topicId);
    if (set === undefined) sets.set(topicId, (set = new Set()));
    for (const p of partitions) set.add(p);
  }
  return new Map([...sets].map(([topicId, set]) => [topicId, [...set].sort((a, b) => a - b)]));
}

function toList(a: TopicPartitionMap): TopicPartitions[] {
  return [...a.keys()].sort().map((topicId) => ({ topicId, partitions: [...a.get(topicId)!] }));
}

function filter(a: TopicPartitionMap, b: TopicPartitionMap, keep: boolean): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const [topicId, partitions] of a) {
    const other = new Set(b.get(topicId));
    const rest = partitions.filter((p) => other.has(p) === keep);
    if (rest.length > 0) out.set(topicId, rest);
  }
  return out;
}
const intersect = (a: TopicPartitionMap, b: TopicPartitionMap): Map<string, number[]> => filter(a, b, true);
const subtract = (a: TopicPartitionMap, b: TopicPartitionMap): Map<string, number[]> => filter(a, b, false);

function union(a: TopicPartitionMap, b: TopicPartitionMap): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const topicId of new Set([...a.keys(), ...b.keys()])) {
    out.set(topicId, [...new Set([...(a.get(topicId) ?? []), ...(b.get(topicId) ?? [])])].sort((x, y) => x - y));
  }
  return out;
}

/** Whether the owned partitions (null: not reported, so assumed still held) include any of these. */
function overlaps(owned: TopicPartitionMap | null, a: TopicPartitionMap): boolean {
  return owned === null || intersect(owned, a).size > 0;
}

function samePartitions(a: TopicPartitionMap, b: TopicPartitionMap): boolean {
  if (a.size !== b.size) return false;
  for (const [topicId, partitions] of a) {
    const other = b.get(topicId);
    if (other === undefined || other.length !== partitions.length || partitions.some((p, i) => other[i] !== p)) return false;
  }
  return true;
}

function sameMetadata(a: ReadonlyMap<string, AssignorTopic>, b: ReadonlyMap<string, AssignorTopic>): boolean {
  if (a.size !== b.size) return false;
  for (const [name, t] of a) {
    const other = b.get(name);
    if (other === undefined || other.topicId !== t.topicId || other.partitions !== t.partitions) return false;
  }
  return true;
}
