// The classic group protocol over the wire, request by request, against a real broker process:
// FindCoordinator at every version, JoinGroup's member-id handshake (KIP-394), rebalances and
// generations, protocol selection, the error codes of stale or unknown members, session timeouts,
// static membership, LeaveGroup batches, OffsetCommit/OffsetFetch (v1-v9, several groups), ListGroups
// filters, DescribeGroups, OffsetDelete, DeleteGroups, and what survives a broker restart.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerProcess } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { eventually } from '../helpers/clients.js';
import { encodeMessage, type Message } from '../../src/protocol/codec.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { ApiKey, ConsumerProtocolSubscription } from '../../src/protocol/messages/index.js';
import { Writer } from '../../src/protocol/primitives/writer.js';

let broker: BrokerProcess;
let raw: RawClient;

const SESSION_MS = 2000;

before(async () => {
  broker = await BrokerProcess.start({
    overrides: { 'group.initial.rebalance.delay.ms': 0, 'group.min.session.timeout.ms': 500, 'offsets.topic.num.partitions': 5 },
  });
  raw = await RawClient.open(broker.bootstrap);
  const created = await raw.request(ApiKey.CreateTopics, 5, { topics: [{ name: 'cg-topic', numPartitions: 4, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
  assert.equal((created.topics as Message[])[0]!.errorCode, 0);
});

after(async () => {
  await raw?.close();
  await broker?.dispose();
});

function subscription(topics: string[]): Buffer {
  const w = new Writer();
  w.int16(0);
  encodeMessage(ConsumerProtocolSubscription, 0, { topics, userData: null }, w);
  return w.toBuffer();
}

interface JoinOpts { memberId?: string; instanceId?: string | null; protocols?: { name: string; metadata: Buffer }[]; protocolType?: string; version?: number; session?: number; client?: RawClient }

function join(group: string, o: JoinOpts = {}): Promise<Message> {
  return (o.client ?? raw).request(ApiKey.JoinGroup, o.version ?? 7, {
    groupId: group, sessionTimeoutMs: o.session ?? SESSION_MS, rebalanceTimeoutMs: 3000, memberId: o.memberId ?? '',
    groupInstanceId: o.instanceId ?? null, protocolType: o.protocolType ?? 'consumer', reason: null,
    protocols: o.protocols ?? [{ name: 'range', metadata: subscription(['cg-topic']) }],
  });
}

/** The member-id handshake then the join: answers the JoinGroup response. */
async function joinWithId(group: string, o: JoinOpts = {}): Promise<Message> {
  const first = await join(group, o);
  assert.equal(first.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
  return join(group, { ...o, memberId: first.memberId as string });
}

function sync(group: string, generationId: number, memberId: string, assignments: { memberId: string; assignment: Buffer }[] = [], client = raw): Promise<Message> {
  return client.request(ApiKey.SyncGroup, 5, { groupId: group, generationId, memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments });
}

function heartbeat(group: string, generationId: number, memberId: string, groupInstanceId: string | null = null): Promise<number> {
  return raw.request(ApiKey.Heartbeat, 4, { groupId: group, generationId, memberId, groupInstanceId }).then((r) => r.errorCode as number);
}

async function commit(group: string, offsets: [string, number, number][], generation = -1, memberId = '', version = 9): Promise<number[]> {
  const byTopic = new Map<string, { partitionIndex: number; committedOffset: number; committedLeaderEpoch: number; committedMetadata: string }[]>();
  for (const [t, p, o] of offsets) {
    if (!byTopic.has(t)) byTopic.set(t, []);
    byTopic.get(t)!.push({ partitionIndex: p, committedOffset: o, committedLeaderEpoch: -1, committedMetadata: `m${o}` });
  }
  const r = await raw.request(ApiKey.OffsetCommit, version, {
    groupId: group, generationIdOrMemberEpoch: generation, memberId, groupInstanceId: null, retentionTimeMs: -1,
    topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
  });
  return (r.topics as Message[]).flatMap((t) => (t.partitions as Message[]).map((p) => p.errorCode as number));
}

async function fetchOffsets(group: string, topic: string, partitions: number[], version = 7): Promise<number[]> {
  const r = await raw.request(ApiKey.OffsetFetch, version, { groupId: group, topics: [{ name: topic, partitionIndexes: partitions }], requireStable: false });
  return ((r.topics as Message[])[0]!.partitions as Message[]).map((p) => p.committedOffset as number);
}

describe('FindCoordinator', () => {
  test('every version answers this broker; v4+ batches keys; an unknown key type is INVALID_REQUEST', async () => {
    for (let v = 0; v <= 3; v++) {
      const r = await raw.request(ApiKey.FindCoordinator, v, { key: 'fc-group', keyType: 0 });
      assert.equal(r.errorCode, 0, `v${v}`);
      assert.equal(r.nodeId, 1);
      assert.equal(r.host, '127.0.0.1');
      assert.equal(r.port, broker.port);
    }
    const batched = await raw.request(ApiKey.FindCoordinator, 4, { keyType: 0, coordinatorKeys: ['a', 'b'] });
    assert.deepEqual((batched.coordinators as Message[]).map((c) => [c.key, c.errorCode, c.port]), [['a', 0, broker.port], ['b', 0, broker.port]]);
    const txn = await raw.request(ApiKey.FindCoordinator, 5, { keyType: 1, coordinatorKeys: ['tx'] });
    assert.equal((txn.coordinators as Message[])[0]!.errorCode, 0);
    const bad = await raw.request(ApiKey.FindCoordinator, 5, { keyType: 7, coordinatorKeys: ['x'] });
    assert.equal((bad.coordinators as Message[])[0]!.errorCode, ErrorCode.INVALID_REQUEST);
  });

  test('the first lookup creates __consumer_offsets, internal, with offsets.topic.num.partitions; it cannot be deleted', async () => {
    const md = await raw.request(ApiKey.Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    const internal = (md.topics as Message[]).find((t) => t.name === '__consumer_offsets');
    assert.ok(internal, 'listed');
    assert.equal(internal.isInternal, true);
    assert.equal((internal.partitions as Message[]).length, 5);
    const del = await raw.request(ApiKey.DeleteTopics, 6, { topics: [{ name: '__consumer_offsets', topicId: '00000000000000000000000000000000' }], timeoutMs: 5000 });
    assert.equal((del.responses as Message[])[0]!.errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION, 'internal topics are not deleted');
  });
});

describe('JoinGroup, SyncGroup, Heartbeat', () => {
  test('KIP-394: v4+ hands out a member id first; v3 joins at once', async () => {
    const first = await join('cg-kip394', { version: 4 });
    assert.equal(first.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
    assert.match(first.memberId as string, /^samsa-raw-test-/);
    const joined = await join('cg-kip394', { version: 4, memberId: first.memberId as string });
    assert.equal(joined.errorCode, 0);
    assert.equal(joined.leader, first.memberId);
    assert.equal(joined.generationId, 1);
    assert.equal((joined.members as Message[]).length, 1);

    const old = await join('cg-v3', { version: 3 });
    assert.equal(old.errorCode, 0);
    assert.equal(old.generationId, 1);
    assert.equal(old.leader, old.memberId);
  });

  test('a second member makes the group rebalance: both land in the next generation, the leader sees both', async () => {
    const a = await joinWithId('cg-two');
    const aId = a.memberId as string;
    const s1 = await sync('cg-two', 1, aId, [{ memberId: aId, assignment: Buffer.from('all') }]);
    assert.equal(s1.errorCode, 0);
    assert.equal((s1.assignment as Buffer).toString(), 'all');
    assert.equal(await heartbeat('cg-two', 1, aId), 0);

    const other = await RawClient.open(broker.bootstrap);
    try {
      const bFirst = await join('cg-two', { client: other });
      const bJoin = join('cg-two', { client: other, memberId: bFirst.memberId as string });
      // The leader learns of the rebalance from its heartbeat and rejoins.
      await eventually('REBALANCE_IN_PROGRESS', async () => (await heartbeat('cg-two', 1, aId)) === ErrorCode.REBALANCE_IN_PROGRESS || undefined);
      const aJoin = await join('cg-two', { memberId: aId });
      const b = await bJoin;
      assert.equal(aJoin.generationId, 2);
      assert.equal(b.generationId, 2);
      assert.equal(aJoin.leader, aId);
      assert.equal((aJoin.members as Message[]).length, 2);
      assert.equal((b.members as Message[]).length, 0, 'only the leader gets the members');
      assert.equal(aJoin.protocolName, 'range');

      // A follower's SyncGroup waits for the leader's assignment.
      const bSync = sync('cg-two', 2, b.memberId as string, [], other);
      const aSync = await sync('cg-two', 2, aId, [
        { memberId: aId, assignment: Buffer.from('a-part') },
        { memberId: b.memberId as string, assignment: Buffer.from('b-part') },
      ]);
      assert.equal((aSync.assignment as Buffer).toString(), 'a-part');
      assert.equal(((await bSync).assignment as Buffer).toString(), 'b-part');

      assert.equal(await heartbeat('cg-two', 1, aId), ErrorCode.ILLEGAL_GENERATION);
      assert.equal(await heartbeat('cg-two', 2, 'nobody'), ErrorCode.UNKNOWN_MEMBER_ID);
      assert.equal((await sync('cg-two', 1, aId)).errorCode, ErrorCode.ILLEGAL_GENERATION);
      assert.equal(await heartbeat('cg-none', 1, aId), ErrorCode.UNKNOWN_MEMBER_ID);

      const described = await raw.request(ApiKey.DescribeGroups, 5, { groups: ['cg-two', 'cg-unknown'], includeAuthorizedOperations: false });
      const [g, unknown] = described.groups as Message[];
      assert.equal(g!.groupState, 'Stable');
      assert.equal(g!.protocolType, 'consumer');
      assert.equal(g!.protocolData, 'range');
      assert.deepEqual((g!.members as Message[]).map((m) => (m.memberAssignment as Buffer).toString()).sort(), ['a-part', 'b-part']);
      assert.equal(unknown!.groupState, 'Dead');
      assert.equal(unknown!.errorCode, 0);

      // B dies without leaving: after its session timeout A is told to rejoin, alone.
      await eventually('B expired', async () => (await heartbeat('cg-two', 2, aId)) === ErrorCode.REBALANCE_IN_PROGRESS || undefined, 10_000, 200);
      const alone = await join('cg-two', { memberId: aId });
      assert.equal(alone.generationId, 3);
      assert.equal((alone.members as Message[]).length, 1);
    } finally {
      await other.close();
    }
  });

  test('the protocol every member supports, by vote; another protocol type is INCONSISTENT_GROUP_PROTOCOL', async () => {
    const meta = subscription(['cg-topic']);
    const a = await joinWithId('cg-vote', { protocols: [{ name: 'range', metadata: meta }, { name: 'roundrobin', metadata: meta }] });
    assert.equal(a.protocolName, 'range');
    await sync('cg-vote', 1, a.memberId as string);
    const wrongType = await join('cg-vote', { protocolType: 'connect' });
    assert.equal(wrongType.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const noCommon = await join('cg-vote', { protocols: [{ name: 'sticky', metadata: meta }] });
    assert.equal(noCommon.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);

    const other = await RawClient.open(broker.bootstrap);
    try {
      const bFirst = await join('cg-vote', { client: other, protocols: [{ name: 'roundrobin', metadata: meta }] });
      const bJoin = join('cg-vote', { client: other, memberId: bFirst.memberId as string, protocols: [{ name: 'roundrobin', metadata: meta }] });
      const aJoin = await join('cg-vote', { memberId: a.memberId as string, protocols: [{ name: 'range', metadata: meta }, { name: 'roundrobin', metadata: meta }] });
      assert.equal(aJoin.protocolName, 'roundrobin', 'range is not supported by every member');
      assert.equal((await bJoin).protocolName, 'roundrobin');
    } finally {
      await other.close();
    }
  });

  test('a session timeout outside the broker\'s bounds is INVALID_SESSION_TIMEOUT; an empty group id INVALID_GROUP_ID', async () => {
    assert.equal((await join('cg-bounds', { session: 100 })).errorCode, ErrorCode.INVALID_SESSION_TIMEOUT);
    assert.equal((await join('', {})).errorCode, ErrorCode.INVALID_GROUP_ID);
  });

  test('static membership: no handshake, a restart keeps the assignment without a rebalance, the old id is fenced', async () => {
    const a = await join('cg-static', { instanceId: 'instance-a' });
    assert.equal(a.errorCode, 0, 'static members skip MEMBER_ID_REQUIRED');
    await sync('cg-static', 1, a.memberId as string, [{ memberId: a.memberId as string, assignment: Buffer.from('mine') }]);
    const again = await join('cg-static', { instanceId: 'instance-a', version: 9 });
    assert.equal(again.errorCode, 0);
    assert.notEqual(again.memberId, a.memberId);
    assert.equal(again.generationId, 1, 'no rebalance');
    assert.equal(again.skipAssignment, true, 'the leader may skip the assignment');
    const s = await sync('cg-static', 1, again.memberId as string);
    assert.equal((s.assignment as Buffer).toString(), 'mine');
    assert.equal(await heartbeat('cg-static', 1, a.memberId as string, 'instance-a'), ErrorCode.FENCED_INSTANCE_ID);

    const left = await raw.request(ApiKey.LeaveGroup, 5, { groupId: 'cg-static', members: [
      { memberId: '', groupInstanceId: 'instance-a', reason: 'test' },
      { memberId: 'ghost', groupInstanceId: null, reason: null },
    ] });
    assert.deepEqual((left.members as Message[]).map((m) => m.errorCode), [0, ErrorCode.UNKNOWN_MEMBER_ID]);
    const listed = await raw.request(ApiKey.ListGroups, 5, { statesFilter: ['empty'], typesFilter: ['classic'] });
    assert.ok((listed.groups as Message[]).some((g) => g.groupId === 'cg-static' && g.groupState === 'Empty' && g.groupType === 'classic'));
  });

  test('LeaveGroup v0 answers at the top level', async () => {
    const a = await join('cg-leave0', { version: 3 });
    const left = await raw.request(ApiKey.LeaveGroup, 0, { groupId: 'cg-leave0', memberId: a.memberId });
    assert.equal(left.errorCode, 0);
    const again = await raw.request(ApiKey.LeaveGroup, 0, { groupId: 'cg-leave0', memberId: a.memberId });
    assert.equal(again.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  });
});

describe('offsets', () => {
  test('a commit without a generation, read back at every OffsetFetch version', async () => {
    assert.deepEqual(await commit('og-simple', [['cg-topic', 0, 10], ['cg-topic', 1, 20]]), [0, 0]);
    for (let v = 1; v <= 7; v++) assert.deepEqual(await fetchOffsets('og-simple', 'cg-topic', [0, 1, 2], v), [10, 20, -1], `v${v}`);
    const all = await raw.request(ApiKey.OffsetFetch, 7, { groupId: 'og-simple', topics: null, requireStable: true });
    assert.deepEqual((all.topics as Message[]).map((t) => [t.name, (t.partitions as Message[]).map((p) => [p.partitionIndex, p.committedOffset, p.metadata])]),
      [['cg-topic', [[0, 10, 'm10'], [1, 20, 'm20']]]]);
    const multi = await raw.request(ApiKey.OffsetFetch, 9, { groups: [
      { groupId: 'og-simple', memberId: null, memberEpoch: -1, topics: [{ name: 'cg-topic', partitionIndexes: [1] }] },
      { groupId: 'og-nothing', memberId: null, memberEpoch: -1, topics: null },
    ], requireStable: false });
    const [g1, g2] = multi.groups as Message[];
    assert.equal(((g1!.topics as Message[])[0]!.partitions as Message[])[0]!.committedOffset, 20);
    assert.deepEqual(g2!.topics, []);
    assert.equal(g2!.errorCode, 0);
  });

  test('commit errors: unknown partitions, oversized metadata, stale or foreign members', async () => {
    assert.deepEqual(await commit('og-errors', [['no-such-topic', 0, 1], ['cg-topic', 9, 1]]), [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    const big = await raw.request(ApiKey.OffsetCommit, 8, { groupId: 'og-errors', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, topics: [
      { name: 'cg-topic', partitions: [{ partitionIndex: 0, committedOffset: 1, committedLeaderEpoch: -1, committedMetadata: 'x'.repeat(5000) }] },
    ] });
    assert.equal(((big.topics as Message[])[0]!.partitions as Message[])[0]!.errorCode, ErrorCode.OFFSET_METADATA_TOO_LARGE);
    assert.deepEqual(await commit('og-no-group', [['cg-topic', 0, 1]], 3, 'someone'), [ErrorCode.ILLEGAL_GENERATION]);

    const a = await joinWithId('og-active');
    const aId = a.memberId as string;
    await sync('og-active', 1, aId, [{ memberId: aId, assignment: Buffer.alloc(0) }]);
    assert.deepEqual(await commit('og-active', [['cg-topic', 0, 5]], 1, aId), [0]);
    assert.deepEqual(await commit('og-active', [['cg-topic', 0, 5]], 0, aId), [ErrorCode.ILLEGAL_GENERATION]);
    assert.deepEqual(await commit('og-active', [['cg-topic', 0, 5]], 1, 'intruder'), [ErrorCode.UNKNOWN_MEMBER_ID]);
    assert.deepEqual(await commit('og-active', [['cg-topic', 0, 5]]), [ErrorCode.UNKNOWN_MEMBER_ID], 'no simple commits into a live group');

    // OffsetDelete refuses topics the live members subscribe to; DeleteGroups refuses a live group.
    const od = await raw.request(ApiKey.OffsetDelete, 0, { groupId: 'og-active', topics: [{ name: 'cg-topic', partitions: [{ partitionIndex: 0 }] }] });
    assert.equal(((od.topics as Message[])[0]!.partitions as Message[])[0]!.errorCode, ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC);
    const dg = await raw.request(ApiKey.DeleteGroups, 2, { groupsNames: ['og-active', 'og-never'] });
    assert.deepEqual((dg.results as Message[]).map((r) => r.errorCode), [ErrorCode.NON_EMPTY_GROUP, ErrorCode.GROUP_ID_NOT_FOUND]);

    await raw.request(ApiKey.LeaveGroup, 5, { groupId: 'og-active', members: [{ memberId: aId, groupInstanceId: null, reason: null }] });
    const od2 = await raw.request(ApiKey.OffsetDelete, 0, { groupId: 'og-active', topics: [{ name: 'cg-topic', partitions: [{ partitionIndex: 0 }] }] });
    assert.equal(((od2.topics as Message[])[0]!.partitions as Message[])[0]!.errorCode, 0);
    assert.deepEqual(await fetchOffsets('og-active', 'cg-topic', [0]), [-1]);
    const gone = await raw.request(ApiKey.OffsetDelete, 0, { groupId: 'og-never', topics: [] });
    assert.equal(gone.errorCode, ErrorCode.GROUP_ID_NOT_FOUND);

    assert.deepEqual(await commit('og-delete', [['cg-topic', 3, 33]]), [0]);
    const deleted = await raw.request(ApiKey.DeleteGroups, 0, { groupsNames: ['og-delete'] });
    assert.equal((deleted.results as Message[])[0]!.errorCode, 0);
    assert.deepEqual(await fetchOffsets('og-delete', 'cg-topic', [3]), [-1]);
  });
});

describe('restart', () => {
  test('committed offsets, group metadata and deletions survive a restart; members carry on in their generation', async () => {
    assert.deepEqual(await commit('rs-offsets', [['cg-topic', 0, 100], ['cg-topic', 2, 300]]), [0, 0]);
    assert.deepEqual(await commit('rs-offsets', [['cg-topic', 0, 101]]), [0]);
    assert.deepEqual(await commit('rs-deleted', [['cg-topic', 0, 7]]), [0]);
    await raw.request(ApiKey.DeleteGroups, 2, { groupsNames: ['rs-deleted'] });
    const a = await joinWithId('rs-live', { session: 30_000 });
    const aId = a.memberId as string;
    await sync('rs-live', 1, aId, [{ memberId: aId, assignment: Buffer.from('kept') }]);

    await raw.close();
    broker = await broker.restart();
    raw = await RawClient.open(broker.bootstrap);
    await eventually('coordinator loaded', async () => {
      const r = await raw.request(ApiKey.ListGroups, 4, { statesFilter: [] });
      return r.errorCode === 0 || undefined;
    });
    assert.deepEqual(await fetchOffsets('rs-offsets', 'cg-topic', [0, 1, 2]), [101, -1, 300]);
    assert.deepEqual(await fetchOffsets('rs-deleted', 'cg-topic', [0]), [-1]);
    const d = await raw.request(ApiKey.DescribeGroups, 5, { groups: ['rs-live', 'rs-deleted'], includeAuthorizedOperations: false });
    const [live, deleted] = d.groups as Message[];
    assert.equal(live!.groupState, 'Stable');
    assert.deepEqual((live!.members as Message[]).map((m) => [m.memberId, (m.memberAssignment as Buffer).toString()]), [[aId, 'kept']]);
    assert.equal(deleted!.groupState, 'Dead');
    assert.equal(await heartbeat('rs-live', 1, aId), 0, 'the member carries on in its generation');
    const s = await sync('rs-live', 1, aId);
    assert.equal((s.assignment as Buffer).toString(), 'kept');
  });
});
