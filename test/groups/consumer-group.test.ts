// KIP-848 consumer group: joins, reconciliation through revocation, leaving, timeouts, fencing,
// static members, metadata changes, offset checks, describe, and a randomized safety check.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AssignorTopic } from '../../src/groups/assignors.js';
import { ConsumerGroup, type HeartbeatRequest, type HeartbeatResponse, type TopicPartitions } from '../../src/groups/consumer-group.js';
import { ErrorCode } from '../../src/protocol/errors.js';

class Cluster {
  readonly topics = new Map<string, AssignorTopic>();
  private ids = 0;
  nowMs = 1000;
  topic(name: string, partitions: number, topicId = `id-${name}`): string {
    this.topics.set(name, { topicId, name, partitions });
    return topicId;
  }
  get ctx() {
    return {
      nowMs: this.nowMs,
      topicsByName: (name: string) => this.topics.get(name),
      allTopics: () => [...this.topics.values()],
      newMemberId: () => `generated-${++this.ids}`,
    };
  }
}

function request(r: Partial<HeartbeatRequest>): HeartbeatRequest {
  return {
    memberId: '', memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: -1, subscribedTopicNames: null,
    subscribedTopicRegex: null, serverAssignor: null, topicPartitions: null, clientId: 'client', clientHost: '/127.0.0.1', apiVersion: 1, ...r,
  };
}

const join = (g: ConsumerGroup, c: Cluster, memberId: string, topics: string[], more: Partial<HeartbeatRequest> = {}): HeartbeatResponse =>
  g.heartbeat(request({ memberId, memberEpoch: 0, rebalanceTimeoutMs: 60000, subscribedTopicNames: topics, topicPartitions: [], ...more }), c.ctx);

const beat = (g: ConsumerGroup, c: Cluster, memberId: string, memberEpoch: number, owned: TopicPartitions[] | null, more: Partial<HeartbeatRequest> = {}): HeartbeatResponse =>
  g.heartbeat(request({ memberId, memberEpoch, topicPartitions: owned, ...more }), c.ctx);

const tp = (topicId: string, ...partitions: number[]): TopicPartitions[] => [{ topicId, partitions }];
const ok = (r: HeartbeatResponse): HeartbeatResponse => (assert.equal(r.errorCode, ErrorCode.NONE, r.errorMessage ?? ''), r);

/** Two members on a 4-partition topic, reconciled: m1 has 0-1, m2 has 2-3, both at epoch 2. */
function twoMembers(): { g: ConsumerGroup; c: Cluster; foo: string } {
  const c = new Cluster();
  const foo = c.topic('foo', 4);
  const g = new ConsumerGroup({ groupId: 'g' });
  ok(join(g, c, 'm1', ['foo']));
  ok(join(g, c, 'm2', ['foo']));
  ok(beat(g, c, 'm1', 1, tp(foo, 0, 1, 2, 3)));
  ok(beat(g, c, 'm1', 1, tp(foo, 0, 1)));
  ok(beat(g, c, 'm2', 2, []));
  assert.equal(g.state, 'stable');
  return { g, c, foo };
}

test('one member joins and gets every partition', () => {
  const c = new Cluster();
  const foo = c.topic('foo', 3);
  const g = new ConsumerGroup({ groupId: 'g', heartbeatIntervalMs: 3000 });
  assert.equal(g.state, 'empty');
  assert.equal(g.stateName(), 'Empty');
  const r = ok(join(g, c, 'm1', ['foo']));
  assert.deepEqual(r, { errorCode: 0, errorMessage: null, memberId: 'm1', memberEpoch: 1, heartbeatIntervalMs: 3000, assignment: { topicPartitions: tp(foo, 0, 1, 2) } });
  assert.equal(g.groupEpoch, 1);
  assert.equal(g.assignmentEpoch, 1);
  assert.equal(g.stateName(), 'Stable');
  // Nothing changed: no assignment in the answer.
  assert.equal(ok(beat(g, c, 'm1', 1, tp(foo, 0, 1, 2))).assignment, null);
  assert.equal(ok(beat(g, c, 'm1', 1, null)).assignment, null);
  // The member reports something else than it was given: it is told again.
  assert.deepEqual(ok(beat(g, c, 'm1', 1, tp(foo, 0))).assignment, { topicPartitions: tp(foo, 0, 1, 2) });
  assert.deepEqual([...g.subscribedTopicNames()], ['foo']);
});

test('member ids: generated for v0 joins, required from v1', () => {
  const c = new Cluster();
  c.topic('foo', 1);
  const g = new ConsumerGroup({ groupId: 'g' });
  const r = ok(join(g, c, '', ['foo'], { apiVersion: 0 }));
  assert.equal(r.memberId, 'generated-1');
  assert.ok(g.members.has('generated-1'));
  assert.equal(join(g, c, '', ['foo'], { apiVersion: 1 }).errorCode, ErrorCode.INVALID_REQUEST);
  assert.equal(beat(g, c, '', 1, null, { apiVersion: 0 }).errorCode, ErrorCode.INVALID_REQUEST);
});

test('joining requires a subscription, a rebalance timeout and no owned partitions', () => {
  const c = new Cluster();
  c.topic('foo', 1);
  const g = new ConsumerGroup({ groupId: 'g' });
  assert.equal(join(g, c, 'm1', []).errorCode, ErrorCode.INVALID_REQUEST);
  assert.equal(join(g, c, 'm1', ['foo'], { rebalanceTimeoutMs: -1 }).errorCode, ErrorCode.INVALID_REQUEST);
  assert.equal(join(g, c, 'm1', ['foo'], { topicPartitions: tp('id-foo', 0) }).errorCode, ErrorCode.INVALID_REQUEST);
  assert.equal(join(g, c, 'm1', ['foo'], { instanceId: '' }).errorCode, ErrorCode.INVALID_REQUEST);
  assert.equal(beat(g, c, 'm1', -3, null).errorCode, ErrorCode.INVALID_REQUEST);
  assert.equal(g.isEmpty(), true);
  assert.equal(g.groupEpoch, 0);
});

test('a second member gets its partitions only after the first revokes them', () => {
  const c = new Cluster();
  const foo = c.topic('foo', 4);
  const g = new ConsumerGroup({ groupId: 'g' });
  ok(join(g, c, 'm1', ['foo']));

  const r2 = ok(join(g, c, 'm2', ['foo']));
  assert.equal(g.groupEpoch, 2);
  assert.equal(r2.memberEpoch, 2);
  assert.deepEqual(r2.assignment, { topicPartitions: [] }); // 2 and 3 are still m1's
  assert.equal(g.members.get('m2')!.state, 'unreleased_partitions');
  assert.equal(g.state, 'reconciling');
  assert.deepEqual([...g.targetAssignment('m2')], [[foo, [2, 3]]]);

  // m1 is asked to give up 2 and 3 and stays at epoch 1 until it has.
  const r1 = ok(beat(g, c, 'm1', 1, tp(foo, 0, 1, 2, 3)));
  assert.equal(r1.memberEpoch, 1);
  assert.deepEqual(r1.assignment, { topicPartitions: tp(foo, 0, 1) });
  const m1 = g.members.get('m1')!;
  assert.equal(m1.state, 'unrevoked_partitions');
  assert.deepEqual([...m1.partitionsPendingRevocation], [[foo, [2, 3]]]);
  assert.equal(g.currentPartitionEpoch(foo, 2), 1);

  // Still not released: m2 waits.
  assert.equal(ok(beat(g, c, 'm2', 2, [])).assignment, null);
  assert.equal(ok(beat(g, c, 'm1', 1, null)).memberEpoch, 1); // not reported: assumed still owned
  assert.equal(ok(beat(g, c, 'm1', 1, tp(foo, 0, 1, 3))).memberEpoch, 1);

  // m1 acknowledges: it moves to epoch 2; then m2 gets 2 and 3.
  const ack = ok(beat(g, c, 'm1', 1, tp(foo, 0, 1)));
  assert.equal(ack.memberEpoch, 2);
  assert.equal(ack.assignment, null);
  assert.equal(g.members.get('m1')!.state, 'stable');
  assert.equal(g.currentPartitionEpoch(foo, 2), -1);
  const got = ok(beat(g, c, 'm2', 2, []));
  assert.deepEqual(got.assignment, { topicPartitions: tp(foo, 2, 3) });
  assert.equal(g.members.get('m2')!.state, 'stable');
  assert.equal(g.state, 'stable');
  assert.equal(g.currentPartitionEpoch(foo, 2), 2);
});

test('a member that already dropped the revoked partitions moves on at once', () => {
  const c = new Cluster();
  const foo = c.topic('foo', 2);
  const g = new ConsumerGroup({ groupId: 'g' });
  ok(join(g, c, 'm1', ['foo']));
  ok(join(g, c, 'm2', ['foo']));
  const r = ok(beat(g, c, 'm1', 1, tp(foo, 0)));
  assert.equal(r.memberEpoch, 2);
  assert.equal(g.members.get('m1')!.state, 'stable');
});

test('leaving: the partitions go to the others', () => {
  const { g, c, foo } = twoMembers();
  const r = ok(beat(g, c, 'm2', -1, null));
  assert.equal(r.memberEpoch, -1);
  assert.equal(r.memberId, 'm2');
  assert.equal(g.members.has('m2'), false);
  assert.equal(g.groupEpoch, 3);
  assert.equal(g.stateName(), 'Assigning');
  const r1 = ok(beat(g, c, 'm1', 2, tp(foo, 0, 1)));
  assert.equal(r1.memberEpoch, 3);
  assert.deepEqual(r1.assignment, { topicPartitions: tp(foo, 0, 1, 2, 3) });
  assert.equal(g.state, 'stable');
  assert.equal(beat(g, c, 'm2', -1, null).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  ok(beat(g, c, 'm1', -1, null));
  assert.equal(g.isEmpty(), true);
  assert.equal(g.stateName(), 'Empty');
});

test('session timeout removes a silent member and bumps the epoch', () => {
  const c = new Cluster();
  c.topic('foo', 2);
  const g = new ConsumerGroup({ groupId: 'g', sessionTimeoutMs: 45000 });
  assert.equal(g.nextDeadline(), Infinity);
  c.nowMs = 0;
  ok(join(g, c, 'm1', ['foo']));
  ok(join(g, c, 'm2', ['foo']));
  assert.equal(g.nextDeadline(), 45000);
  c.nowMs = 30000;
  ok(beat(g, c, 'm1', 1, null));
  assert.equal(g.nextDeadline(), 45000);
  assert.deepEqual(g.expire(44999), []);
  const epoch = g.groupEpoch;
  assert.deepEqual(g.expire(45000), ['m2']);
  assert.equal(g.groupEpoch, epoch + 1);
  assert.equal(g.nextDeadline(), 75000);
  assert.equal(beat(g, c, 'm2', 2, []).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  assert.deepEqual(g.expire(75000), ['m1']);
  assert.equal(g.isEmpty(), true);
});

test('rebalance timeout fences a member that does not revoke', () => {
  const c = new Cluster();
  const foo = c.topic('foo', 2);
  const g = new ConsumerGroup({ groupId: 'g' });
  c.nowMs = 0;
  ok(join(g, c, 'm1', ['foo'], { rebalanceTimeoutMs: 1000 }));
  c.nowMs = 100;
  ok(join(g, c, 'm2', ['foo']));
  c.nowMs = 200;
  ok(beat(g, c, 'm1', 1, tp(foo, 0, 1)));
  assert.equal(g.members.get('m1')!.state, 'unrevoked_partitions');
  c.nowMs = 900;
  ok(beat(g, c, 'm1', 1, tp(foo, 0, 1))); // still holding: the deadline does not move
  assert.equal(g.nextDeadline(), 1200);
  assert.deepEqual(g.expire(1199), []);
  assert.deepEqual(g.expire(1200), ['m1']);
  c.nowMs = 1300;
  assert.deepEqual(ok(beat(g, c, 'm2', 2, [])).assignment, { topicPartitions: tp(foo, 0, 1) });
});

test('fencing: unknown member, greater epoch, older epoch', () => {
  const { g, c, foo } = twoMembers();
  assert.equal(beat(g, c, 'nobody', 2, null).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal(beat(g, c, 'm1', 3, tp(foo, 0, 1)).errorCode, ErrorCode.FENCED_MEMBER_EPOCH);
  assert.equal(beat(g, c, 'm1', 0, tp(foo, 0, 1)).errorCode, ErrorCode.INVALID_REQUEST); // epoch 0 is a join: full fields, nothing owned
  ok(beat(g, c, 'm2', -1, null));
  ok(beat(g, c, 'm1', 2, tp(foo, 0, 1))); // epoch 3 now, previous 2
  assert.equal(beat(g, c, 'm1', 1, tp(foo, 0)).errorCode, ErrorCode.FENCED_MEMBER_EPOCH); // not the previous epoch
  const fenced = beat(g, c, 'm1', 5, null);
  assert.equal(fenced.errorCode, ErrorCode.FENCED_MEMBER_EPOCH);
  assert.match(fenced.errorMessage!, /greater member epoch/);
});

test('a fenced member rejoins with epoch 0 and its member id, owning nothing', () => {
  const { g, c, foo } = twoMembers();
  const r = ok(join(g, c, 'm1', ['foo']));
  assert.equal(r.memberEpoch, 2);
  assert.deepEqual(r.assignment, { topicPartitions: tp(foo, 0, 1) });
  assert.equal(g.groupEpoch, 2);
  assert.equal(g.members.size, 2);
});

test('a lost answer: the previous epoch with a subset of the assignment is accepted', () => {
  const c = new Cluster();
  const foo = c.topic('foo', 4);
  const g = new ConsumerGroup({ groupId: 'g' });
  ok(join(g, c, 'm1', ['foo']));
  ok(join(g, c, 'm2', ['foo']));
  ok(beat(g, c, 'm1', 1, tp(foo, 0, 1, 2, 3)));
  ok(beat(g, c, 'm1', 1, tp(foo, 0, 1))); // answer (epoch 2) lost
  const m1 = g.members.get('m1')!;
  assert.equal(m1.memberEpoch, 2);
  assert.equal(m1.previousMemberEpoch, 1);
  const retry = ok(beat(g, c, 'm1', 1, tp(foo, 0, 1)));
  assert.equal(retry.memberEpoch, 2);
  assert.equal(ok(beat(g, c, 'm1', 1, tp(foo, 0))).memberEpoch, 2);
  assert.equal(beat(g, c, 'm1', 1, tp(foo, 0, 1, 2)).errorCode, ErrorCode.FENCED_MEMBER_EPOCH);
  assert.equal(beat(g, c, 'm1', 1, null).errorCode, ErrorCode.FENCED_MEMBER_EPOCH);
});

test('a topic created after the subscription, then grown, is assigned', () => {
  const c = new Cluster();
  const g = new ConsumerGroup({ groupId: 'g' });
  const r = ok(join(g, c, 'm1', ['bar']));
  assert.equal(r.memberEpoch, 1);
  assert.deepEqual(r.assignment, { topicPartitions: [] });
  assert.equal(ok(beat(g, c, 'm1', 1, [])).assignment, null);
  assert.deepEqual([...g.subscribedTopicNames()], ['bar']);

  const bar = c.topic('bar', 2);
  const created = ok(beat(g, c, 'm1', 1, []));
  assert.equal(g.groupEpoch, 2);
  assert.equal(created.memberEpoch, 2);
  assert.deepEqual(created.assignment, { topicPartitions: tp(bar, 0, 1) });

  c.topic('bar', 3);
  const grown = ok(beat(g, c, 'm1', 2, tp(bar, 0, 1)));
  assert.equal(grown.memberEpoch, 3);
  assert.deepEqual(grown.assignment, { topicPartitions: tp(bar, 0, 1, 2) });

  c.topics.delete('bar');
  const deleted = ok(beat(g, c, 'm1', 3, tp(bar, 0, 1, 2)));
  assert.equal(deleted.memberEpoch, 3); // must give them up first
  assert.deepEqual(deleted.assignment, { topicPartitions: [] });
  assert.equal(ok(beat(g, c, 'm1', 3, [])).memberEpoch, 4);
});

test('a subscription change bumps the epoch and revokes the topics left', () => {
  const c = new Cluster();
  const foo = c.topic('foo', 1);
  const bar = c.topic('bar', 1);
  const g = new ConsumerGroup({ groupId: 'g' });
  ok(join(g, c, 'm1', ['foo', 'bar']));
  ok(beat(g, c, 'm1', 1, [...tp(bar, 0), ...tp(foo, 0)], { subscribedTopicNames: ['bar', 'foo'] }));
  assert.equal(g.groupEpoch, 1); // same set, other order: no change
  const r = ok(beat(g, c, 'm1', 1, [...tp(bar, 0), ...tp(foo, 0)], { subscribedTopicNames: ['foo'] }));
  assert.equal(g.groupEpoch, 2);
  assert.deepEqual(r.assignment, { topicPartitions: tp(foo, 0) });
  assert.equal(ok(beat(g, c, 'm1', 1, tp(foo, 0))).memberEpoch, 2);
  assert.deepEqual([...g.subscribedTopicNames()], ['foo']);
});

test('regex subscriptions follow the topics that match', () => {
  const c = new Cluster();
  const a = c.topic('orders-eu', 1);
  const b = c.topic('orders-us', 1);
  c.topic('payments', 1);
  c.topic('x-orders-eu', 1);
  const g = new ConsumerGroup({ groupId: 'g' });
  assert.equal(join(g, c, 'm1', [], { subscribedTopicRegex: 'orders-(' }).errorCode, ErrorCode.INVALID_REQUEST);
  const r = ok(join(g, c, 'm1', [], { subscribedTopicNames: null, subscribedTopicRegex: 'orders-.*' }));
  assert.deepEqual(r.assignment, { topicPartitions: [...tp(a, 0), ...tp(b, 0)] });
  const cId = c.topic('orders-ap', 1);
  const later = ok(beat(g, c, 'm1', 1, [...tp(a, 0), ...tp(b, 0)]));
  assert.equal(later.memberEpoch, 2);
  assert.deepEqual(later.assignment!.topicPartitions.map((t) => t.topicId).sort(), [a, b, cId].sort());
  assert.deepEqual([...g.subscribedTopicNames()].sort(), ['orders-ap', 'orders-eu', 'orders-us']);
  assert.equal(g.describe((id) => id).members[0]!.subscribedTopicRegex, 'orders-.*');
});

test('static members: a temporary leave keeps the partitions for the next instance', () => {
  const c = new Cluster();
  const foo = c.topic('foo', 4);
  const g = new ConsumerGroup({ groupId: 'g' });
  ok(join(g, c, 's1', ['foo'], { instanceId: 'i1' }));
  ok(join(g, c, 'm2', ['foo']));
  ok(beat(g, c, 's1', 1, tp(foo, 0, 1)));
  ok(beat(g, c, 'm2', 2, []));
  assert.equal(g.state, 'stable');

  // Another process with the same instance id while s1 is alive.
  assert.equal(join(g, c, 's2', ['foo'], { instanceId: 'i1' }).errorCode, ErrorCode.UNRELEASED_INSTANCE_ID);
  assert.equal(beat(g, c, 's2', 2, [], { instanceId: 'i1' }).errorCode, ErrorCode.FENCED_INSTANCE_ID);
  assert.equal(beat(g, c, 's1', -2, null).errorCode, ErrorCode.INVALID_REQUEST); // -2 needs the instance id

  const left = ok(beat(g, c, 's1', -2, null, { instanceId: 'i1' }));
  assert.equal(left.memberEpoch, -2);
  assert.equal(g.groupEpoch, 2); // no rebalance
  assert.equal(g.members.get('s1')!.memberEpoch, -2);
  assert.equal(ok(beat(g, c, 'm2', 2, tp(foo, 2, 3))).assignment, null); // m2 does not get s1's partitions
  assert.equal(beat(g, c, 's1', 2, tp(foo, 0, 1), { instanceId: 'i1' }).errorCode, ErrorCode.FENCED_MEMBER_EPOCH);

  const back = ok(join(g, c, 's2', ['foo'], { instanceId: 'i1' }));
  assert.equal(back.memberEpoch, 2);
  assert.deepEqual(back.assignment, { topicPartitions: tp(foo, 0, 1) });
  assert.equal(g.groupEpoch, 2);
  assert.equal(g.members.has('s1'), false);
  assert.equal(g.members.get('s2')!.instanceId, 'i1');
  assert.equal(g.state, 'stable');
  assert.equal(beat(g, c, 's1', 2, tp(foo, 0, 1), { instanceId: 'i1' }).errorCode, ErrorCode.FENCED_INSTANCE_ID);
  assert.equal(beat(g, c, 's1', -1, null, { instanceId: 'i1' }).errorCode, ErrorCode.FENCED_INSTANCE_ID);

  // Leaving for good (-1) releases the instance id and rebalances.
  ok(beat(g, c, 's2', -1, null, { instanceId: 'i1' }));
  assert.equal(g.groupEpoch, 3);
  assert.equal(beat(g, c, 's2', -2, null, { instanceId: 'i1' }).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  ok(join(g, c, 's3', ['foo'], { instanceId: 'i1' }));
});

test('a static member that does not come back within the session timeout is removed', () => {
  const c = new Cluster();
  c.topic('foo', 2);
  const g = new ConsumerGroup({ groupId: 'g', sessionTimeoutMs: 10000 });
  c.nowMs = 0;
  ok(join(g, c, 's1', ['foo'], { instanceId: 'i1' }));
  c.nowMs = 5000;
  ok(beat(g, c, 's1', -2, null, { instanceId: 'i1' }));
  assert.deepEqual(g.expire(14999), []);
  assert.deepEqual(g.expire(15000), ['s1']);
  ok(join(g, c, 's2', ['foo'], { instanceId: 'i1' }));
});

test('server assignors: unknown names refused, the most requested one used', () => {
  const c = new Cluster();
  const foo = c.topic('foo', 3);
  const g = new ConsumerGroup({ groupId: 'g' });
  const bad = join(g, c, 'm1', ['foo'], { serverAssignor: 'sticky' });
  assert.equal(bad.errorCode, ErrorCode.UNSUPPORTED_ASSIGNOR);
  assert.match(bad.errorMessage!, /sticky/);
  assert.equal(g.isEmpty(), true);

  ok(join(g, c, 'm1', ['foo'], { serverAssignor: 'range' }));
  assert.equal(g.assignorName(), 'range');
  ok(join(g, c, 'm2', ['foo']));
  assert.deepEqual([...g.targetAssignment('m1')], [[foo, [0, 1]]]); // range: m1 first, one extra
  assert.equal(g.describe((id) => id).assignorName, 'range');

  // An assignor change is a subscription change.
  const epoch = g.groupEpoch;
  ok(beat(g, c, 'm2', 2, [], { serverAssignor: 'uniform' }));
  assert.equal(g.groupEpoch, epoch + 1);
  assert.equal(beat(g, c, 'm2', 3, [], { serverAssignor: 'nope' }).errorCode, ErrorCode.UNSUPPORTED_ASSIGNOR);
});

test('a full group refuses new members, not the ones it has', () => {
  const c = new Cluster();
  c.topic('foo', 2);
  const g = new ConsumerGroup({ groupId: 'g', maxSize: 1 });
  ok(join(g, c, 'm1', ['foo']));
  assert.equal(join(g, c, 'm2', ['foo']).errorCode, ErrorCode.GROUP_MAX_SIZE_REACHED);
  ok(join(g, c, 'm1', ['foo']));
  ok(beat(g, c, 'm1', 1, null));
});

test('offset commit and fetch checks', () => {
  const { g } = twoMembers();
  assert.equal(g.validateOffsetCommit('m1', 2, 9), ErrorCode.NONE);
  assert.equal(g.validateOffsetCommit('m1', 3, 9), ErrorCode.FENCED_MEMBER_EPOCH);
  assert.equal(g.validateOffsetCommit('m1', 1, 9), ErrorCode.STALE_MEMBER_EPOCH);
  assert.equal(g.validateOffsetCommit('m1', 1, 8), ErrorCode.ILLEGAL_GENERATION);
  assert.equal(g.validateOffsetCommit('nobody', 2, 9), ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal(g.validateOffsetCommit('', -1, 9), ErrorCode.UNKNOWN_MEMBER_ID); // the group is not empty
  assert.equal(new ConsumerGroup({ groupId: 'e' }).validateOffsetCommit('', -1, 9), ErrorCode.NONE);

  assert.equal(g.validateOffsetFetch(null, -1), ErrorCode.NONE);
  assert.equal(g.validateOffsetFetch('m2', 2), ErrorCode.NONE);
  assert.equal(g.validateOffsetFetch('m2', 1), ErrorCode.STALE_MEMBER_EPOCH);
  assert.equal(g.validateOffsetFetch('nobody', 2), ErrorCode.UNKNOWN_MEMBER_ID);
});

test('describe answers in ConsumerGroupDescribe shape', () => {
  const c = new Cluster();
  const foo = c.topic('foo', 2);
  const g = new ConsumerGroup({ groupId: 'g' });
  ok(join(g, c, 'm1', ['foo'], { rackId: 'r1', instanceId: 'i1', clientId: 'app' }));
  ok(join(g, c, 'm2', ['foo']));
  const names = (id: string) => (id === foo ? 'foo' : undefined);
  assert.deepEqual(g.describe(names), {
    errorCode: 0, errorMessage: null, groupId: 'g', groupState: 'Reconciling', groupEpoch: 2, assignmentEpoch: 2, assignorName: 'uniform',
    members: [
      {
        memberId: 'm1', instanceId: 'i1', rackId: 'r1', memberEpoch: 1, clientId: 'app', clientHost: '/127.0.0.1',
        subscribedTopicNames: ['foo'], subscribedTopicRegex: null,
        assignment: { topicPartitions: [{ topicId: foo, topicName: 'foo', partitions: [0, 1] }] },
        targetAssignment: { topicPartitions: [{ topicId: foo, topicName: 'foo', partitions: [0] }] },
      },
      {
        memberId: 'm2', instanceId: null, rackId: null, memberEpoch: 2, clientId: 'client', clientHost: '/127.0.0.1',
        subscribedTopicNames: ['foo'], subscribedTopicRegex: null,
        assignment: { topicPartitions: [] },
        targetAssignment: { topicPartitions: [{ topicId: foo, topicName: 'foo', partitions: [1] }] },
      },
    ],
    authorizedOperations: -2147483648,
  });
  assert.deepEqual(g.describe(() => undefined).members[0]!.assignment, { topicPartitions: [] });
});

/** Clients that follow the protocol, driven at random: no partition is ever held by two of them. */
test('randomized: a partition is never owned by two members, and the group converges', () => {
  let seed = 7;
  const next = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const seen = new Set<string>();
  for (let round = 0; round < 30; round++) {
    const c = new Cluster();
    c.topic('a', 1 + Math.floor(next() * 8));
    c.topic('b', 1 + Math.floor(next() * 8));
    const g = new ConsumerGroup({ groupId: 'g', sessionTimeoutMs: 1e12 });
    interface Client { id: string; topics: string[]; epoch: number; owned: TopicPartitions[]; joined: boolean }
    const clients: Client[] = [];
    let ids = 0;
    const send = (cl: Client): void => {
      const r = cl.joined ? beat(g, c, cl.id, cl.epoch, cl.owned) : join(g, c, cl.id, cl.topics);
      if (r.errorCode !== ErrorCode.NONE) {
        assert.equal(r.errorCode, ErrorCode.FENCED_MEMBER_EPOCH, r.errorMessage ?? '');
        Object.assign(cl, { joined: false, epoch: 0, owned: [] });
        return;
      }
      cl.joined = true;
      cl.epoch = r.memberEpoch;
      if (r.assignment !== null) cl.owned = r.assignment.topicPartitions;
    };
    const checkExclusive = (): void => {
      const seen = new Map<string, Client>();
      for (const cl of clients) {
        for (const t of cl.owned) {
          for (const p of t.partitions) {
            const other = seen.get(`${t.topicId}-${p}`);
            assert.equal(other, undefined, `round ${round}: ${t.topicId}-${p} held by ${other?.id} and ${cl.id}`);
            seen.set(`${t.topicId}-${p}`, cl);
          }
        }
      }
    };
    for (let step = 0; step < 300; step++) {
      const x = next();
      if (x < 0.08 && clients.length < 6) {
        const cl: Client = { id: `c${++ids}`, topics: next() < 0.5 ? ['a', 'b'] : [next() < 0.5 ? 'a' : 'b'], epoch: 0, owned: [], joined: false };
        clients.push(cl);
        send(cl);
      } else if (x < 0.12 && clients.length > 0) {
        const cl = clients.splice(Math.floor(next() * clients.length), 1)[0]!;
        if (g.members.has(cl.id)) ok(beat(g, c, cl.id, -1, null));
      } else if (x < 0.14) {
        c.topic('a', c.topics.get('a')!.partitions + 1);
      } else if (clients.length > 0) {
        send(clients[Math.floor(next() * clients.length)]!);
      }
      checkExclusive();
      for (const m of g.members.values()) seen.add(m.state);
    }
    for (let i = 0; i < 10; i++) for (const cl of clients) send(cl);
    checkExclusive();
    assert.equal(g.state, clients.length === 0 ? 'empty' : 'stable', `round ${round}`);
    for (const name of ['a', 'b']) {
      const t = c.topics.get(name)!;
      const subscribed = clients.some((cl) => cl.topics.includes(name));
      const held = clients.flatMap((cl) => cl.owned.filter((o) => o.topicId === t.topicId).flatMap((o) => o.partitions)).sort((x, y) => x - y);
      assert.deepEqual(held, subscribed ? Array.from({ length: t.partitions }, (_, p) => p) : [], `round ${round} ${name}`);
    }
  }
  assert.deepEqual([...seen].sort(), ['stable', 'unreleased_partitions', 'unrevoked_partitions']);
});
