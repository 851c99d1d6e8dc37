// One group of the classic protocol (JoinGroup, SyncGroup, Heartbeat, LeaveGroup), as Kafka's
// group coordinator runs it: the states Empty, PreparingRebalance, CompletingRebalance, Stable and
// Dead; member ids handed out before joining (KIP-394); static members (group.instance.id); the
// protocol chosen by the members' votes; session, rebalance and initial-delay timers. JoinGroup
// and SyncGroup answers wait on the rebalance: they are promises this class resolves. Persisting
// the group (GroupMetadataValue) is the host's job, called when an assignment is made and when the
// group empties.
import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../protocol/errors.js';
import type { Decoded, JoinGroupRequestData, JoinGroupResponseData, SyncGroupRequestData, SyncGroupResponseData } from '../protocol/messages/index.js';

export type ClassicState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

/** A protocol a member supports, with its metadata (JoinGroup's Protocols). */
export type Protocol = JoinGroupRequestData.JoinGroupRequestProtocol;

/** A JoinGroup as decoded, with what the handler adds from the connection and the version. */
export interface JoinRequest extends Pick<Decoded<JoinGroupRequestData>,
  'memberId' | 'groupInstanceId' | 'sessionTimeoutMs' | 'rebalanceTimeoutMs' | 'protocolType' | 'protocols'> {
  clientId: string; clientHost: string;
  /** JoinGroup v4+ hands out a member id first (MEMBER_ID_REQUIRED). */
  requireKnownMemberId: boolean;
  /** JoinGroup v9+: the leader of a static rejoin may skip the assignment. */
  supportsSkipAssignment: boolean;
}

/** A JoinGroup answer, every field there (the encoder leaves out what a version lacks). */
export type JoinResult = Required<Omit<JoinGroupResponseData, 'throttleTimeMs'>>;

/** A SyncGroup answer, every field there. */
export type SyncResult = Required<Omit<SyncGroupResponseData, 'throttleTimeMs'>>;

/** The leader's assignment for one member (SyncGroup's Assignments). */
export type MemberAssignment = SyncGroupRequestData.SyncGroupRequestAssignment;

export interface ClassicMember {
  memberId: string; groupInstanceId: string | null; clientId: string; clientHost: string;
  sessionTimeoutMs: number; rebalanceTimeoutMs: number; protocolType: string; protocols: Protocol[];
  assignment: Buffer;
  awaitingJoin: ((r: JoinResult) => void) | null;
  awaitingSync: ((r: SyncResult) => void) | null;
  supportsSkipAssignment: boolean;
  expiry: NodeJS.Timeout | null;
}

/** What a group needs from its coordinator. */
export interface ClassicGroupHost {
  initialRebalanceDelayMs: number;
  maxSize: number;
  /** Writes the group's metadata record; answers an error code. */
  persist(group: ClassicGroup): Promise<number>;
  onMemberRemoved(group: ClassicGroup, memberId: string, reason: string): void;
  onRebalance(group: ClassicGroup, reason: string): void;
}

const EMPTY = Buffer.alloc(0);

export class ClassicGroup {
  state: ClassicState = 'Empty';
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  /** When the group entered its current state (offset retention counts from Empty). */
  stateTimestamp = Date.now();
  readonly members = new Map<string, ClassicMember>();
  private readonly staticMembers = new Map<string, string>();
  private readonly pendingMembers = new Map<string, NodeJS.Timeout>();
  private readonly pendingSync = new Set<string>();
  private joinTimer: NodeJS.Timeout | null = null;
  private syncTimer: NodeJS.Timeout | null = null;
  private newMemberAdded = false;
  /** group.initial.rebalance.delay.ms is running: the join waits for it even if everyone is in. */
  private initialDelayActive = false;

  constructor(readonly groupId: string, private readonly host: ClassicGroupHost) {}

  isEmpty(): boolean { return this.members.size === 0; }

  private transition(state: ClassicState): void {
    this.state = state;
    this.stateTimestamp = Date.now();
  }

  // --- JoinGroup ---

  join(req: JoinRequest): Promise<JoinResult> {
    if (this.state === 'Dead') return Promise.resolve(joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE, req.memberId));
    if (!this.supportsProtocols(req.protocolType, req.protocols)) return Promise.resolve(joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, req.memberId));
    return req.memberId === '' ? this.joinUnknownMember(req) : this.joinKnownMember(req);
  }

  private joinUnknownMember(req: JoinRequest): Promise<JoinResult> {
    const memberId = `${req.clientId}-${randomUUID()}`;
    if (req.groupInstanceId !== null) {
      const old = this.staticMembers.get(req.groupInstanceId);
      if (old !== undefined) return this.replaceStaticMember(old, memberId, req);
      if (this.members.size >= this.host.maxSize) return Promise.resolve(joinError(ErrorCode.GROUP_MAX_SIZE_REACHED, ''));
      return this.addMemberAndRebalance(memberId, req);
    }
    if (this.members.size + this.pendingMembers.size >= this.host.maxSize) return Promise.resolve(joinError(ErrorCode.GROUP_MAX_SIZE_REACHED, ''));
    if (req.requireKnownMemberId) {
      // KIP-394: the member id is handed out first; the member must join again with it.
      this.pendingMembers.set(memberId, timer(req.sessionTimeoutMs, () => {
        this.pendingMembers.delete(memberId);
        if (this.state === 'PreparingRebalance') this.maybeCompleteJoin();
      }));
      return Promise.resolve(joinError(ErrorCode.MEMBER_ID_REQUIRED, memberId));
    }
    return this.addMemberAndRebalance(memberId, req);
  }

  private joinKnownMember(req: JoinRequest): Promise<JoinResult> {
    const pending = this.pendingMembers.get(req.memberId);
    if (pending !== undefined) {
      clearTimeout(pending);
      this.pendingMembers.delete(req.memberId);
      return this.addMemberAndRebalance(req.memberId, req);
    }
    const member = this.validateMember(req.memberId, req.groupInstanceId);
    if (typeof member === 'number') return Promise.resolve(joinError(member, req.memberId));
    if (this.state === 'Empty') return Promise.resolve(joinError(ErrorCode.UNKNOWN_MEMBER_ID, req.memberId));
    const same = sameProtocols(member.protocols, req.protocols);
    if (this.state === 'PreparingRebalance') return this.updateMemberAndRebalance(member, req);
    if (this.state === 'CompletingRebalance') {
      if (same) return Promise.resolve(this.joinResult(member, this.leaderId === member.memberId));
      return this.updateMemberAndRebalance(member, req);
    }
    // Stable: a follower with unchanged metadata gets the current generation back.
    if (this.leaderId !== member.memberId && same) {
      this.scheduleExpiry(member);
      return Promise.resolve(this.joinResult(member, false));
    }
    return this.updateMemberAndRebalance(member, req);
  }

  /** A static member came back with a new member id: the old id is fenced, the assignment kept. */
  private replaceStaticMember(oldId: string, newId: string, req: JoinRequest): Promise<JoinResult> {
    const old = this.members.get(oldId)!;
    old.awaitingJoin?.(joinError(ErrorCode.FENCED_INSTANCE_ID, oldId));
    old.awaitingSync?.({ errorCode: ErrorCode.FENCED_INSTANCE_ID, protocolType: this.protocolType, protocolName: this.protocolName, assignment: EMPTY });
    if (old.expiry !== null) clearTimeout(old.expiry);
    this.members.delete(oldId);
    const member: ClassicMember = { ...old, memberId: newId, awaitingJoin: null, awaitingSync: null, expiry: null };
    this.members.set(newId, member);
    this.staticMembers.set(req.groupInstanceId!, newId);
    if (this.leaderId === oldId) this.leaderId = newId;
    if (this.pendingSync.delete(oldId)) this.pendingSync.add(newId);
    if (this.state === 'Stable' && sameProtocols(old.protocols, req.protocols)) {
      // Nothing changed: no rebalance. The leader is told it may skip the assignment (v9+).
      this.scheduleExpiry(member);
      const isLeader = this.leaderId === newId;
      const result = this.joinResult(member, isLeader && req.supportsSkipAssignment);
      result.skipAssignment = isLeader && req.supportsSkipAssignment;
      return Promise.resolve(result);
    }
    return this.updateMemberAndRebalance(member, req);
  }

  private addMemberAndRebalance(memberId: string, req: JoinRequest): Promise<JoinResult> {
    const member: ClassicMember = {
      memberId, groupInstanceId: req.groupInstanceId, clientId: req.clientId, clientHost: req.clientHost,
      sessionTimeoutMs: req.sessionTimeoutMs, rebalanceTimeoutMs: req.rebalanceTimeoutMs,
      protocolType: req.protocolType, protocols: req.protocols, assignment: EMPTY,
      awaitingJoin: null, awaitingSync: null, supportsSkipAssignment: req.supportsSkipAssignment, expiry: null,
    };
    if (this.members.size === 0) this.protocolType = req.protocolType;
    this.members.set(memberId, member);
    if (req.groupInstanceId !== null) this.staticMembers.set(req.groupInstanceId, memberId);
    this.leaderId ??= memberId;
    this.newMemberAdded = true;
    const answer = new Promise<JoinResult>((resolve) => { member.awaitingJoin = resolve; });
    // A new member that never completes its join is removed after its session timeout.
    this.scheduleExpiry(member);
    if (this.state === 'PreparingRebalance') this.maybeCompleteJoin();
    else this.prepareRebalance(`member ${memberId} joined`);
    return answer;
  }

  private updateMemberAndRebalance(member: ClassicMember, req: JoinRequest): Promise<JoinResult> {
    member.protocols = req.protocols;
    member.sessionTimeoutMs = req.sessionTimeoutMs;
    member.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
    member.clientId = req.clientId;
    member.clientHost = req.clientHost;
    member.supportsSkipAssignment = req.supportsSkipAssignment;
    // A join sent again while the first still waits: both get the rebalance's answer.
    const previous = member.awaitingJoin;
    const answer = new Promise<JoinResult>((resolve) => {
      member.awaitingJoin = (r) => { previous?.(r); resolve(r); };
    });
    if (this.state === 'PreparingRebalance') this.maybeCompleteJoin();
    else this.prepareRebalance(`member ${member.memberId} rejoined with new metadata or as leader`);
    return answer;
  }

  private prepareRebalance(reason: string): void {
    if (this.state === 'CompletingRebalance') this.failAwaitingSync(ErrorCode.REBALANCE_IN_PROGRESS);
    this.clearSyncTimer();
    const initial = this.state === 'Empty';
    this.transition('PreparingRebalance');
    this.host.onRebalance(this, reason);
    if (this.joinTimer !== null) clearTimeout(this.joinTimer);
    this.initialDelayActive = false;
    const rebalanceTimeout = this.maxRebalanceTimeout();
    if (initial && this.host.initialRebalanceDelayMs > 0) {
      // group.initial.rebalance.delay.ms: give the first members a moment to arrive together.
      const delay = this.host.initialRebalanceDelayMs;
      let remaining = Math.max(rebalanceTimeout - delay, 0);
      this.newMemberAdded = false;
      const fire = (): void => {
        if (this.newMemberAdded && remaining > 0) {
          this.newMemberAdded = false;
          const next = Math.min(delay, remaining);
          remaining -= next;
          this.joinTimer = timer(next, fire);
          return;
        }
        this.joinTimer = null;
        this.initialDelayActive = false;
        this.completeJoin();
      };
      this.initialDelayActive = true;
      this.joinTimer = timer(delay, fire);
      return;
    }
    this.joinTimer = timer(rebalanceTimeout, () => { this.joinTimer = null; this.completeJoin(); });
    this.maybeCompleteJoin();
  }

  private maybeCompleteJoin(): void {
    if (this.state !== 'PreparingRebalance' || this.joinTimer === null) return;
    if (this.initialDelayActive) return;
    for (const m of this.members.values()) if (m.awaitingJoin === null) return;
    if (this.pendingMembers.size > 0) return;
    clearTimeout(this.joinTimer);
    this.joinTimer = null;
    this.completeJoin();
  }

  private completeJoin(): void {
    if (this.state !== 'PreparingRebalance') return;
    for (const m of [...this.members.values()]) {
      // Dynamic members that did not rejoin in time leave the group; static ones keep their place.
      if (m.awaitingJoin === null && m.groupInstanceId === null) this.removeMember(m, 'did not rejoin before the rebalance timeout', false);
    }
    this.generationId++;
    if (this.members.size === 0) {
      this.protocolName = null;
      this.leaderId = null;
      this.transition('Empty');
      void this.host.persist(this);
      return;
    }
    this.protocolName = this.selectProtocol();
    const leader = this.members.get(this.leaderId ?? '');
    if (leader === undefined || leader.awaitingJoin === null) {
      const joined = [...this.members.values()].find((m) => m.awaitingJoin !== null);
      this.leaderId = (joined ?? this.members.values().next().value!).memberId;
    }
    this.transition('CompletingRebalance');
    this.pendingSync.clear();
    for (const m of this.members.values()) {
      this.pendingSync.add(m.memberId);
      const resolve = m.awaitingJoin;
      if (resolve === null) continue;
      m.awaitingJoin = null;
      resolve(this.joinResult(m, this.leaderId === m.memberId));
      this.scheduleExpiry(m);
    }
    // Members that never send SyncGroup are removed once the rebalance timeout passes.
    const generation = this.generationId;
    this.syncTimer = timer(this.maxRebalanceTimeout(), () => {
      this.syncTimer = null;
      if (this.generationId !== generation || this.state !== 'CompletingRebalance') return;
      for (const id of [...this.pendingSync]) {
        const m = this.members.get(id);
        if (m !== undefined) this.removeMember(m, 'did not sync before the rebalance timeout', false);
      }
      this.pendingSync.clear();
      if (this.members.size === 0) this.prepareRebalance('every member timed out');
      else this.prepareRebalance('members did not sync in time');
    });
  }

  private joinResult(member: ClassicMember, withMembers: boolean): JoinResult {
    return {
      errorCode: ErrorCode.NONE, generationId: this.generationId, protocolType: this.protocolType,
      protocolName: this.protocolName, leader: this.leaderId ?? '', skipAssignment: false, memberId: member.memberId,
      members: withMembers
        ? [...this.members.values()].map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: this.metadataOf(m) }))
        : [],
    };
  }

  /** The member's metadata for the chosen protocol. */
  metadataOf(member: ClassicMember): Buffer {
    return member.protocols.find((p) => p.name === this.protocolName)?.metadata ?? EMPTY;
  }

  // --- SyncGroup ---

  sync(memberId: string, groupInstanceId: string | null, generationId: number, protocolType: string | null, protocolName: string | null,
    assignments: MemberAssignment[]): Promise<SyncResult> {
    const fail = (errorCode: number): Promise<SyncResult> => Promise.resolve({ errorCode, protocolType: null, protocolName: null, assignment: EMPTY });
    if (this.state === 'Dead') return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    const member = this.validateMember(memberId, groupInstanceId);
    if (typeof member === 'number') return fail(member);
    if (generationId !== this.generationId) return fail(ErrorCode.ILLEGAL_GENERATION);
    if ((protocolType !== null && protocolType !== this.protocolType) || (protocolName !== null && protocolName !== this.protocolName)) {
      return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    }
    if (this.state === 'Empty') return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    if (this.state === 'PreparingRebalance') return fail(ErrorCode.REBALANCE_IN_PROGRESS);
    this.pendingSync.delete(memberId);
    this.scheduleExpiry(member);
    if (this.state === 'Stable') return Promise.resolve(this.syncResult(member.assignment));
    const answer = new Promise<SyncResult>((resolve) => { member.awaitingSync = resolve; });
    if (memberId === this.leaderId) void this.completeSync(assignments);
    return answer;
  }

  private async completeSync(assignments: MemberAssignment[]): Promise<void> {
    const generation = this.generationId;
    const given = new Map(assignments.map((a) => [a.memberId, a.assignment]));
    for (const m of this.members.values()) m.assignment = given.get(m.memberId) ?? EMPTY;
    const errorCode = await this.host.persist(this);
    if (this.generationId !== generation || this.state !== 'CompletingRebalance') return;
    if (errorCode !== ErrorCode.NONE) {
      for (const m of this.members.values()) m.assignment = EMPTY;
      this.failAwaitingSync(errorCode);
      return;
    }
    this.clearSyncTimer();
    this.transition('Stable');
    for (const m of this.members.values()) {
      const resolve = m.awaitingSync;
      m.awaitingSync = null;
      resolve?.(this.syncResult(m.assignment));
    }
  }

  private syncResult(assignment: Buffer): SyncResult {
    return { errorCode: ErrorCode.NONE, protocolType: this.protocolType, protocolName: this.protocolName, assignment };
  }

  private failAwaitingSync(errorCode: number): void {
    for (const m of this.members.values()) {
      const resolve = m.awaitingSync;
      m.awaitingSync = null;
      resolve?.({ errorCode, protocolType: this.protocolType, protocolName: this.protocolName, assignment: EMPTY });
    }
  }

  // --- Heartbeat and LeaveGroup ---

  heartbeat(memberId: string, groupInstanceId: string | null, generationId: number): number {
    if (this.state === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const member = this.validateMember(memberId, groupInstanceId);
    if (typeof member === 'number') return member;
    if (this.state === 'Empty') return ErrorCode.UNKNOWN_MEMBER_ID;
    if (generationId !== this.generationId) return ErrorCode.ILLEGAL_GENERATION;
    this.scheduleExpiry(member);
    return this.state === 'PreparingRebalance' ? ErrorCode.REBALANCE_IN_PROGRESS : ErrorCode.NONE;
  }

  leave(memberId: string, groupInstanceId: string | null): number {
    if (this.state === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    let id = memberId;
    if (id === '' && groupInstanceId !== null) {
      const found = this.staticMembers.get(groupInstanceId);
      if (found === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      id = found;
    }
    const pending = this.pendingMembers.get(id);
    if (pending !== undefined) {
      clearTimeout(pending);
      this.pendingMembers.delete(id);
      if (this.state === 'PreparingRebalance') this.maybeCompleteJoin();
      return ErrorCode.NONE;
    }
    const member = this.validateMember(id, groupInstanceId);
    if (typeof member === 'number') return member;
    this.removeMember(member, 'left the group', true);
    return ErrorCode.NONE;
  }

  /** Removes a member; with `rebalance`, the group rebalances (or finishes a join it waited on). */
  private removeMember(member: ClassicMember, reason: string, rebalance: boolean): void {
    if (member.expiry !== null) clearTimeout(member.expiry);
    this.members.delete(member.memberId);
    if (member.groupInstanceId !== null && this.staticMembers.get(member.groupInstanceId) === member.memberId) this.staticMembers.delete(member.groupInstanceId);
    this.pendingSync.delete(member.memberId);
    member.awaitingJoin?.(joinError(ErrorCode.UNKNOWN_MEMBER_ID, member.memberId));
    member.awaitingJoin = null;
    member.awaitingSync?.({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID, protocolType: null, protocolName: null, assignment: EMPTY });
    member.awaitingSync = null;
    if (this.leaderId === member.memberId) this.leaderId = this.members.keys().next().value ?? null;
    this.host.onMemberRemoved(this, member.memberId, reason);
    if (!rebalance) return;
    if (this.state === 'Stable' || this.state === 'CompletingRebalance') this.prepareRebalance(`member ${member.memberId} ${reason}`);
    else if (this.state === 'PreparingRebalance') this.maybeCompleteJoin();
  }

  private scheduleExpiry(member: ClassicMember): void {
    if (member.expiry !== null) clearTimeout(member.expiry);
    member.expiry = timer(member.sessionTimeoutMs, () => {
      member.expiry = null;
      if (this.members.get(member.memberId) !== member) return;
      // A member waiting on a join or sync answer is not expected to heartbeat meanwhile.
      if (member.awaitingJoin !== null || member.awaitingSync !== null) {
        this.scheduleExpiry(member);
        return;
      }
      this.removeMember(member, `session timed out after ${member.sessionTimeoutMs} ms`, true);
    });
  }

  // --- protocols, lifecycle ---

  /** The member, or UNKNOWN_MEMBER_ID, or FENCED_INSTANCE_ID when the instance id belongs to another member id. */
  validateMember(memberId: string, groupInstanceId: string | null): ClassicMember | number {
    if (groupInstanceId !== null) {
      const current = this.staticMembers.get(groupInstanceId);
      if (current !== undefined && current !== memberId) return ErrorCode.FENCED_INSTANCE_ID;
    }
    const member = this.members.get(memberId);
    if (member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (groupInstanceId !== null && member.groupInstanceId !== groupInstanceId) return ErrorCode.FENCED_INSTANCE_ID;
    return member;
  }

  private supportsProtocols(protocolType: string, protocols: Protocol[]): boolean {
    if (protocolType === '' || protocols.length === 0) return false;
    if (this.members.size === 0) return true;
    if (protocolType !== this.protocolType) return false;
    const names = new Set(protocols.map((p) => p.name));
    return [...this.candidateProtocols()].some((c) => names.has(c));
  }

  /** The protocols every member supports. */
  private candidateProtocols(): Set<string> {
    let candidates: string[] | null = null;
    for (const m of this.members.values()) {
      const names = new Set(m.protocols.map((p) => p.name));
      candidates = candidates === null ? [...names] : candidates.filter((c) => names.has(c));
    }
    return new Set(candidates ?? []);
  }

  /** Each member votes for its most preferred candidate; the most votes wins. */
  private selectProtocol(): string {
    const candidates = this.candidateProtocols();
    const votes = new Map<string, number>();
    for (const m of this.members.values()) {
      const choice = m.protocols.find((p) => candidates.has(p.name));
      if (choice !== undefined) votes.set(choice.name, (votes.get(choice.name) ?? 0) + 1);
    }
    let best = '';
    let most = -1;
    for (const [name, n] of votes) if (n > most) { best = name; most = n; }
    return best;
  }

  private maxRebalanceTimeout(): number {
    let max = 0;
    for (const m of this.members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
    return max;
  }

  private clearSyncTimer(): void {
    if (this.syncTimer !== null) clearTimeout(this.syncTimer);
    this.syncTimer = null;
  }

  /** Loads the group as its last metadata record left it (start-up): Stable with its members, or Empty. */
  restore(record: { protocolType: string; generation: number; protocol: string | null; leader: string | null; currentStateTimestamp: number;
    members: { memberId: string; groupInstanceId: string | null; clientId: string; clientHost: string; rebalanceTimeout: number; sessionTimeout: number; subscription: Buffer; assignment: Buffer }[] }): void {
    this.generationId = record.generation;
    this.protocolType = record.protocolType === '' ? null : record.protocolType;
    this.protocolName = record.protocol;
    this.leaderId = record.leader;
    for (const m of record.members) {
      const member: ClassicMember = {
        memberId: m.memberId, groupInstanceId: m.groupInstanceId, clientId: m.clientId, clientHost: m.clientHost,
        sessionTimeoutMs: m.sessionTimeout, rebalanceTimeoutMs: m.rebalanceTimeout, protocolType: record.protocolType,
        protocols: [{ name: record.protocol ?? '', metadata: m.subscription }], assignment: m.assignment,
        awaitingJoin: null, awaitingSync: null, supportsSkipAssignment: false, expiry: null,
      };
      this.members.set(m.memberId, member);
      if (m.groupInstanceId !== null) this.staticMembers.set(m.groupInstanceId, m.memberId);
      this.scheduleExpiry(member);
    }
    this.state = this.members.size > 0 ? 'Stable' : 'Empty';
    this.stateTimestamp = record.currentStateTimestamp >= 0 ? record.currentStateTimestamp : Date.now();
  }

  /** Marks the group deleted and stops its timers. */
  kill(): void {
    this.transition('Dead');
    for (const m of this.members.values()) if (m.expiry !== null) clearTimeout(m.expiry);
    for (const t of this.pendingMembers.values()) clearTimeout(t);
    if (this.joinTimer !== null) clearTimeout(this.joinTimer);
    this.clearSyncTimer();
  }
}

function joinError(errorCode: number, memberId: string): JoinResult {
  return { errorCode, generationId: -1, protocolType: null, protocolName: null, leader: '', skipAssignment: false, memberId, members: [] };
}

function sameProtocols(a: Protocol[], b: Protocol[]): boolean {
  return a.length === b.length && a.every((p, i) => p.name === b[i]!.name && p.metadata.equals(b[i]!.metadata));
}

function timer(ms: number, fn: () => void): NodeJS.Timeout {
  return setTimeout(fn, ms).unref();
}
