// Server-side partition assignors of KIP-848 consumer groups: the coordinator computes every
// member's target assignment with one of these, named by ConsumerGroupHeartbeat's ServerAssignor.
// 'uniform' (the default) balances partition counts and keeps members on the partitions they
// already have; 'range' gives each subscriber a contiguous range of every topic. Both are pure
// functions of their input, so the same group always gets the same assignment.

export interface AssignorTopic { topicId: string; name: string; partitions: number }

export interface AssignorMember {
  memberId: string;
  instanceId: string | null;
  rackId: string | null;
  subscribedTopicIds: ReadonlySet<string>;
  /** The member's current target assignment, topicId -> partitions. */
  current: ReadonlyMap<string, readonly number[]>;
}

/** memberId -> topicId -> partitions (ascending). Every member has an entry, possibly empty. */
export type GroupAssignment = Map<string, Map<string, number[]>>;

export interface ServerAssignor {
  readonly name: string;
  assign(members: readonly AssignorMember[], topics: ReadonlyMap<string, AssignorTopic>): GroupAssignment;
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Uniform: every partition of a subscribed topic goes to exactly one of its subscribers.
 * 1. Each member keeps the partitions it holds that it may still have (subscribed, existing, held
 *    by no one before it in memberId order).
 * 2. Unheld partitions go, topic by topic (fewest subscribers first), to the subscriber holding
 *    the fewest partitions.
 * 3. While a partition of topic t sits with a member holding two or more partitions more than
 *    some other subscriber of t, one moves across (each move lowers the sum of squared counts, so
 *    this ends). With the same subscription everywhere this leaves every member at floor or ceil
 *    of partitions / members, having moved no more partitions than balance needs.
 */
function assignUniform(members: readonly AssignorMember[], topics: ReadonlyMap<string, AssignorTopic>): GroupAssignment {
  const sorted = [...members].sort((a, b) => compare(a.memberId, b.memberId));
  const held = new Map<string, Map<string, Set<number>>>(sorted.map((m) => [m.memberId, new Map()]));
  const count = new Map<string, number>(sorted.map((m) => [m.memberId, 0]));
  const owner = new Map<string, (string | undefined)[]>();
  const subscribers = new Map<string, string[]>();
  for (const m of sorted) {
    for (const topicId of m.subscribedTopicIds) {
      const topic = topics.get(topicId);
      if (topic === undefined || topic.partitions <= 0) continue;
      if (!subscribers.has(topicId)) {
        subscribers.set(topicId, []);
        owner.set(topicId, new Array<string | undefined>(topic.partitions));
      }
      subscribers.get(topicId)!.push(m.memberId);
    }
  }

  const give = (memberId: string, topicId: string, partition: number): void => {
    owner.get(topicId)![partition] = memberId;
    const byTopic = held.get(memberId)!;
    let set = byTopic.get(topicId);
    if (set === undefined) byTopic.set(topicId, (set = new Set()));
    set.add(partition);
    count.set(memberId, count.get(memberId)! + 1);
  };
  const take = (memberId: string, topicId: string, partition: number): void => {
    owner.get(topicId)![partition] = undefined;
    const set = held.get(memberId)!.get(topicId)!;
    set.delete(partition);
    if (set.size === 0) held.get(memberId)!.delete(topicId);
    count.set(memberId, count.get(memberId)! - 1);
  };

  // 1. Stickiness.
  for (const m of sorted) {
    for (const topicId of [...m.current.keys()].sort(compare)) {
      const owners = owner.get(topicId);
      if (owners === undefined || !m.subscribedTopicIds.has(topicId)) continue;
      for (const p of m.current.get(topicId)!) {
        if (Number.isInteger(p) && p >= 0 && p < owners.length && owners[p] === undefined) give(m.memberId, topicId, p);
      }
    }
  }

  // 2. Unheld partitions, most constrained topics first.
  const topicOrder = [...subscribers.keys()].sort((a, b) => subscribers.get(a)!.length - subscribers.get(b)!.length || compare(a, b));
  const leastLoaded = (ids: readonly string[]): string => {
    let best = ids[0]!;
    for (const id of ids) if (count.get(id)! < count.get(best)!) best = id;
    return best;
  };
  for (const topicId of topicOrder) {
    const owners = owner.get(topicId)!;
    for (let p = 0; p < owners.length; p++) if (owners[p] === undefined) give(leastLoaded(subscribers.get(topicId)!), topicId, p);
  }

  // 3. Balance.
  const moveOne = (topicId: string): boolean => {
    const subs = subscribers.get(topicId)!;
    const to = leastLoaded(subs);
    let from: string | undefined;
    for (const id of subs) if (held.get(id)!.has(topicId) && (from === undefined || count.get(id)! > count.get(from)!)) from = id;
    if (from === undefined || count.get(from)! - count.get(to)! < 2) return false;
    const partition = Math.max(...held.get(from)!.get(topicId)!);
    take(from, topicId, partition);
    give(to, topicId, partition);
    return true;
  };
  for (let moved = true; moved;) {
    moved = false;
    for (const topicId of topicOrder) while (moveOne(topicId)) moved = true;
  }

  return collect(sorted, held);
}

/** Range: per topic, subscribers in Kafka's order get contiguous ranges; the first (partitions % subscribers) one more. */
function assignRange(members: readonly AssignorMember[], topics: ReadonlyMap<string, AssignorTopic>): GroupAssignment {
  // Kafka's member order: static members by instance id, then dynamic members by member id.
  const ordered = [...members].sort((a, b) => {
    if (a.instanceId !== null && b.instanceId !== null) return compare(a.instanceId, b.instanceId) || compare(a.memberId, b.memberId);
    if (a.instanceId !== null) return -1;
    if (b.instanceId !== null) return 1;
    return compare(a.memberId, b.memberId);
  });
  const held = new Map<string, Map<string, Set<number>>>(ordered.map((m) => [m.memberId, new Map()]));
  for (const topicId of [...topics.keys()].sort(compare)) {
    const subs = ordered.filter((m) => m.subscribedTopicIds.has(topicId));
    const partitions = topics.get(topicId)!.partitions;
    if (subs.length === 0 || partitions <= 0) continue;
    const base = Math.floor(partitions / subs.length);
    const extra = partitions % subs.length;
    let next = 0;
    subs.forEach((m, i) => {
      const n = base + (i < extra ? 1 : 0);
      if (n > 0) held.get(m.memberId)!.set(topicId, new Set(Array.from({ length: n }, (_, k) => next + k)));
      next += n;
    });
  }
  return collect(ordered, held);
}

function collect(members: readonly AssignorMember[], held: Map<string, Map<string, Set<number>>>): GroupAssignment {
  const result: GroupAssignment = new Map();
  for (const m of members) {
    const byTopic = new Map<string, number[]>();
    const mine = held.get(m.memberId)!;
    for (const topicId of [...mine.keys()].sort(compare)) byTopic.set(topicId, [...mine.get(topicId)!].sort((a, b) => a - b));
    result.set(m.memberId, byTopic);
  }
  return result;
}

const UNIFORM: ServerAssignor = { name: 'uniform', assign: assignUniform };
const RANGE: ServerAssignor = { name: 'range', assign: assignRange };

export const ASSIGNORS: ReadonlyMap<string, ServerAssignor> = new Map([
  [UNIFORM.name, UNIFORM],
  [RANGE.name, RANGE],
]);

export const DEFAULT_ASSIGNOR = 'uniform';
