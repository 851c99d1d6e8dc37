// Authorized operations, over raw requests against a real broker. There is no authorizer, so when
// a client asks, every operation that applies to the resource type is allowed, as Kafka answers
// without one (AclEntry.supportedOperations, as a bit field of AclOperation codes); when it does
// not ask, the field is -2147483648 ("not requested"). Metadata (topics; the cluster in v8-10),
// DescribeCluster, DescribeTopicPartitions (always), DescribeGroups and ConsumerGroupDescribe.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey, ZERO_UUID } from '../../src/protocol/messages/index.js';
import { brokerWithClient } from '../helpers/broker-with-client.js';

const NOT_REQUESTED = -2147483648;
// AclOperation: READ 3, WRITE 4, CREATE 5, DELETE 6, ALTER 7, DESCRIBE 8, CLUSTER_ACTION 9,
// DESCRIBE_CONFIGS 10, ALTER_CONFIGS 11, IDEMPOTENT_WRITE 12.
const field = (...ops: number[]): number => ops.reduce((acc, op) => acc + 2 ** op, 0);
const TOPIC = field(3, 4, 5, 6, 7, 8, 10, 11);
const CLUSTER = field(5, 7, 8, 9, 10, 11, 12);
const GROUP = field(3, 6, 8);

const env = brokerWithClient();
// Inside a describe: Node 20 runs a file's top-level before hooks concurrently.
describe('authorized operations', () => {
  before(async () => {
    const res = await env.client.request(ApiKey.CreateTopics, 7, { topics: [{ name: 'ops-topic', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
    assert.equal(res.topics[0].errorCode, 0);
  });

  function metadata(version: number, cluster: boolean, topic: boolean) {
    return env.client.request(ApiKey.Metadata, version, {
      topics: [{ topicId: ZERO_UUID, name: 'ops-topic' }, { topicId: ZERO_UUID, name: 'ops-missing' }],
      allowAutoTopicCreation: false, includeClusterAuthorizedOperations: cluster, includeTopicAuthorizedOperations: topic,
    });
  }

  test('Metadata v8-10: the cluster\'s and topics\' operations when asked, else not requested', async () => {
    for (const version of [8, 9, 10]) {
      const asked = await metadata(version, true, true);
      assert.equal(asked.clusterAuthorizedOperations, CLUSTER, `v${version}`);
      assert.deepEqual(asked.topics.map((t: { topicAuthorizedOperations: number }) => t.topicAuthorizedOperations), [TOPIC, NOT_REQUESTED], `v${version}: a missing topic has none`);
      const clusterOnly = await metadata(version, true, false);
      assert.deepEqual([clusterOnly.clusterAuthorizedOperations, clusterOnly.topics[0].topicAuthorizedOperations], [CLUSTER, NOT_REQUESTED]);
      const none = await metadata(version, false, false);
      assert.deepEqual([none.clusterAuthorizedOperations, none.topics[0].topicAuthorizedOperations], [NOT_REQUESTED, NOT_REQUESTED]);
    }
  });

  test('Metadata v11-12: topics\' operations when asked', async () => {
    for (const version of [11, 12]) {
      assert.equal((await metadata(version, false, true)).topics[0].topicAuthorizedOperations, TOPIC);
      assert.equal((await metadata(version, false, false)).topics[0].topicAuthorizedOperations, NOT_REQUESTED);
    }
  });

  test('DescribeCluster v0-1: the cluster\'s operations when asked', async () => {
    for (const version of [0, 1]) {
      const ask = (include: boolean) => env.client.request(ApiKey.DescribeCluster, version, { includeClusterAuthorizedOperations: include, endpointType: 1 });
      assert.equal((await ask(true)).clusterAuthorizedOperations, CLUSTER);
      assert.equal((await ask(false)).clusterAuthorizedOperations, NOT_REQUESTED);
    }
  });

  test('DescribeTopicPartitions: a topic\'s operations, always', async () => {
    const res = await env.client.request(ApiKey.DescribeTopicPartitions, 0, { topics: [{ name: 'ops-topic' }, { name: 'ops-missing' }], responsePartitionLimit: 100, cursor: null });
    const ops = Object.fromEntries(res.topics.map((t: { name: string; topicAuthorizedOperations: number }) => [t.name, t.topicAuthorizedOperations]));
    assert.deepEqual(ops, { 'ops-topic': TOPIC, 'ops-missing': NOT_REQUESTED });
  });

  test('DescribeGroups v3+ and ConsumerGroupDescribe: a group\'s operations when asked', async () => {
    const commit = await env.client.request(ApiKey.OffsetCommit, 2, { groupId: 'ops-group', generationIdOrMemberEpoch: -1, memberId: '', topics: [{ name: 'ops-topic', partitions: [{ partitionIndex: 0, committedOffset: 0, committedMetadata: null }] }] });
    assert.equal(commit.topics[0].partitions[0].errorCode, 0);
    for (const version of [3, 5]) {
      const ask = (include: boolean) => env.client.request(ApiKey.DescribeGroups, version, { groups: ['ops-group'], includeAuthorizedOperations: include });
      assert.equal((await ask(true)).groups[0].authorizedOperations, GROUP);
      assert.equal((await ask(false)).groups[0].authorizedOperations, NOT_REQUESTED);
    }
    const memberId = 'ops-member-0000000000';
    const hb = await env.client.request(ApiKey.ConsumerGroupHeartbeat, 1, {
      groupId: 'ops-848', memberId, memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: 5000,
      subscribedTopicNames: ['ops-topic'], subscribedTopicRegex: null, serverAssignor: null, topicPartitions: [],
    });
    assert.equal(hb.errorCode, 0);
    const describe = (include: boolean) => env.client.request(ApiKey.ConsumerGroupDescribe, 0, { groupIds: ['ops-848'], includeAuthorizedOperations: include });
    const asked = await describe(true);
    assert.deepEqual([asked.groups[0].errorCode, asked.groups[0].authorizedOperations], [0, GROUP]);
    assert.equal((await describe(false)).groups[0].authorizedOperations, NOT_REQUESTED);
  });
});
