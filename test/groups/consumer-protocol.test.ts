// KIP-848's consumer group protocol over the wire against a real broker process:
// ConsumerGroupHeartbeat v0 and v1 (join, reconcile through revocation, leave, session expiry),
// ConsumerGroupDescribe, ListGroups' group types, offsets committed and fetched with member
// epochs, and the wall between the classic and the new protocol in one group id.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { BrokerProcess } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { eventually } from '../helpers/clients.js';
import type { Message } from '../../src/protocol/codec.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { ApiKey } from '../../src/protocol/messages/index.js';

let broker: BrokerProcess;
let raw: RawClient;
let topicId = '';
const TOPIC = 'kip848-topic';

before(async () => {
  broker = await BrokerProcess.start({
    overrides: { 'group.consumer.session.timeout.ms': 1500, 'group.consumer.heartbeat.interval.ms': 200, 'offsets.topic.num.partitions': 3 },
  });
  raw = await RawClient.open(broker.bootstrap);
  const created = await raw.request(ApiKey.CreateTopics, 7, { topics: [{ name: TOPIC, numPartitions: 4, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
  topicId = (created.topics as Message[])[0]!.topicId as string;
});

after(async () => {
  await raw?.close();
  await broker?.dispose();
});

interface Owned { topicId: string; partitions: number[] }

function beat(group: string, memberId: string, memberEpoch: number, owned: Owned[] | null, extra: Partial<Message> = {}, version = 1): Promise<Message> {
  return raw.request(ApiKey.ConsumerGroupHeartbeat, version, {
    groupId: group, memberId, memberEpoch, instanceId: null, rackId: null,
    rebalanceTimeoutMs: memberEpoch === 0 ? 5000 : -1,
    subscribedTopicNames: memberEpoch === 0 ? [TOPIC] : null, subscribedTopicRegex: null, serverAssignor: null,
    topicPartitions: owned, ...extra,
  });
}

function partitionsOf(r: Message): number[] {
  const a = r.assignment as { topicPartitions: Owned[] } | null;
  assert.ok(a !== null, 'an assignment');
  return a.topicPartitions.flatMap((tp) => { assert.equal(tp.topicId, topicId); return tp.partitions; }).sort();
}

describe('ConsumerGroupHeartbeat', () => {
  test('v0: the broker names the member, which gets every partition', async () => {
    const r = await beat('kg-v0', '', 0, [], {}, 0);
    assert.equal(r.errorCode, 0);
    assert.notEqual(r.memberId, '');
    assert.equal(r.memberEpoch, 1);
    assert.equal(r.heartbeatIntervalMs, 200);
    assert.deepEqual(partitionsOf(r), [0, 1, 2, 3]);
  });

  test('a second member gets partitions only after the first has given them up', async () => {
    const a = randomUUID();
    const b = randomUUID();
    const aJoin = await beat('kg-two', a, 0, []);
    assert.deepEqual(partitionsOf(aJoin), [0, 1, 2, 3]);
    const aEpoch = aJoin.memberEpoch as number;
    await beat('kg-two', a, aEpoch, [{ topicId, partitions: [0, 1, 2, 3] }]);

    const bJoin = await beat('kg-two', b, 0, []);
    assert.equal(bJoin.errorCode, 0);
    assert.deepEqual(bJoin.assignment === null ? [] : partitionsOf(bJoin), [], 'nothing is free yet');

    // A is asked to revoke two partitions, at its old epoch.
    const aRevoke = await beat('kg-two', a, aEpoch, [{ topicId, partitions: [0, 1, 2, 3] }]);
    const kept = partitionsOf(aRevoke);
    assert.equal(kept.length, 2);
    assert.equal(aRevoke.memberEpoch, aEpoch);
    // Having revoked, A moves to the new epoch; then B gets the other two.
    const aDone = await beat('kg-two', a, aEpoch, [{ topicId, partitions: kept }]);
    assert.ok((aDone.memberEpoch as number) > aEpoch);
    const bNext = await beat('kg-two', b, bJoin.memberEpoch as number, []);
    const got = partitionsOf(bNext);
    assert.deepEqual([...kept, ...got].sort(), [0, 1, 2, 3]);

    // Describe, list, and the other protocol kept out.
    const d = await raw.request(ApiKey.ConsumerGroupDescribe, 0, { groupIds: ['kg-two', 'kg-none'], includeAuthorizedOperations: false });
    const [g, none] = d.groups as Message[];
    assert.equal(g!.errorCode, 0);
    assert.equal(g!.assignorName, 'uniform');
    assert.deepEqual((g!.members as Message[]).map((m) => m.memberId).sort(), [a, b].sort());
    assert.equal(none!.errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
    const listed = await raw.request(ApiKey.ListGroups, 5, { statesFilter: [], typesFilter: ['consumer'] });
    assert.deepEqual((listed.groups as Message[]).filter((x) => x.groupId === 'kg-two').map((x) => [x.groupType, x.protocolType]), [['consumer', 'consumer']]);
    const classic = await raw.request(ApiKey.JoinGroup, 9, {
      groupId: 'kg-two', sessionTimeoutMs: 10000, rebalanceTimeoutMs: 10000, memberId: '', groupInstanceId: null,
      protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }], reason: null,
    });
    assert.equal(classic.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);

    // Offsets with member epochs.
    const bEpoch = bNext.memberEpoch as number;
    const commit = (memberId: string, epoch: number) => raw.request(ApiKey.OffsetCommit, 9, {
      groupId: 'kg-two', generationIdOrMemberEpoch: epoch, memberId, groupInstanceId: null,
      topics: [{ name: TOPIC, partitions: [{ partitionIndex: got[0], committedOffset: 42, committedLeaderEpoch: -1, committedMetadata: null }] }],
    }).then((r) => ((r.topics as Message[])[0]!.partitions as Message[])[0]!.errorCode);
    assert.equal(await commit(b, bEpoch), 0);
    assert.equal(await commit(b, bEpoch + 1), ErrorCode.FENCED_MEMBER_EPOCH);
    assert.equal(await commit('stranger', bEpoch), ErrorCode.UNKNOWN_MEMBER_ID);
    const fetched = await raw.request(ApiKey.OffsetFetch, 9, { groups: [{ groupId: 'kg-two', memberId: b, memberEpoch: bEpoch, topics: null }], requireStable: false });
    const fg = (fetched.groups as Message[])[0]!;
    assert.equal(fg.errorCode, 0);
    assert.equal(((fg.topics as Message[])[0]!.partitions as Message[])[0]!.committedOffset, 42);

    // B leaves: A gets everything back.
    const left = await beat('kg-two', b, -1, null);
    assert.equal(left.memberEpoch, -1);
    const aAll = await eventually('A owns all', async () => {
      const r = await beat('kg-two', a, aDone.memberEpoch as number, [{ topicId, partitions: kept }]);
      return r.assignment !== null && partitionsOf(r).length === 4 ? r : undefined;
    });
    assert.deepEqual(partitionsOf(aAll), [0, 1, 2, 3]);
  });

  test('fencing: unknown members and wrong epochs', async () => {
    const a = randomUUID();
    const joined = await beat('kg-fence', a, 0, []);
    assert.equal((await beat('kg-fence', randomUUID(), 3, [])).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
    assert.equal((await beat('kg-fence', a, (joined.memberEpoch as number) + 5, [])).errorCode, ErrorCode.FENCED_MEMBER_EPOCH);
    assert.equal((await beat('', a, 0, [])).errorCode, ErrorCode.INVALID_REQUEST);
  });

  test('a member that stops heartbeating is removed after the session timeout', async () => {
    const a = randomUUID();
    const b = randomUUID();
    const aJoin = await beat('kg-expire', a, 0, []);
    await beat('kg-expire', b, 0, []);
    let epoch = aJoin.memberEpoch as number;
    let owned = partitionsOf(aJoin);
    // A keeps heartbeating, B goes silent; after B's session A owns everything.
    const all = await eventually('A owns all', async () => {
      const r = await beat('kg-expire', a, epoch, [{ topicId, partitions: owned }]);
      assert.equal(r.errorCode, 0);
      epoch = r.memberEpoch as number;
      if (r.assignment !== null) owned = partitionsOf(r);
      return owned.length === 4 ? owned : undefined;
    }, 10_000, 200);
    assert.deepEqual(all, [0, 1, 2, 3]);
    const d = await raw.request(ApiKey.ConsumerGroupDescribe, 0, { groupIds: ['kg-expire'], includeAuthorizedOperations: false });
    assert.deepEqual(((d.groups as Message[])[0]!.members as Message[]).map((m) => m.memberId), [a]);
  });

  test('a classic group with members cannot be joined with the new protocol', async () => {
    const first = await raw.request(ApiKey.JoinGroup, 3, {
      groupId: 'kg-classic', sessionTimeoutMs: 10000, rebalanceTimeoutMs: 10000, memberId: '', protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: Buffer.alloc(0) }],
    });
    assert.equal(first.errorCode, 0);
    assert.equal((await beat('kg-classic', randomUUID(), 0, [])).errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
  });
});
