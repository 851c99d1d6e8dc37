// Metadata run directly over stand-ins: every topic or the ones named (by name, or by id from v10),
// the unknown ones answered with their error, and auto-creation as the request and config allow.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TopicAdmin } from '../../../src/server/context.js';
import { defaultConfig } from '../../../src/config/index.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { ApiKey } from '../../../src/protocol/messages/index.js';
import { ZERO_UUID } from '../../../src/protocol/messages/schema.js';
import type { RequestOf } from '../../../src/server/dispatcher.js';
import { CLUSTER_OPERATIONS, OPERATIONS_NOT_REQUESTED, TOPIC_OPERATIONS } from '../../../src/server/handlers/common.js';
import { metadata } from '../../../src/server/handlers/metadata.js';
import { answered, partial, requestContext, services, TopicMap, call } from '../stand-ins.js';

function request(topics: RequestOf<'Metadata'>['topics'], more: Partial<RequestOf<'Metadata'>> = {}): RequestOf<'Metadata'> {
  return { topics, allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false, ...more };
}
const named = (...names: string[]) => names.map((name) => ({ name, topicId: ZERO_UUID }));

/** A catalog of two topics, and a cluster that records the topics it is asked to ensure. */
function rooms(autoCreate = true) {
  const topics = new TopicMap();
  topics.add('orders', 3);
  topics.add('__consumer_offsets', 2, { internal: true });
  const ensured: string[] = [];
  const cluster = partial<TopicAdmin>('cluster', {
    async ensureTopic(name, partitions) {
      ensured.push(name);
      if (name === 'bad/name') return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: 'illegal' };
      return { errorCode: ErrorCode.NONE, errorMessage: null, topic: topics.add(name, partitions), created: true };
    },
  });
  return { topics, ensured, rooms: services({ topics, cluster, config: { ...defaultConfig(), autoCreateTopicsEnable: autoCreate, numPartitions: 4 } }) };
}

describe('Metadata handler', () => {
  test('null topics: every topic, with this broker as leader of each partition', async () => {
    const { rooms: r } = rooms();
    const res = answered('Metadata', await call(metadata, requestContext(r, ApiKey.Metadata, 12), request(null)));
    assert.equal(res.clusterId, 'unit-test-cluster-id');
    assert.equal(res.controllerId, r.config.nodeId);
    assert.deepEqual(res.brokers, [{ nodeId: r.config.nodeId, host: 'localhost', port: 9092, rack: null }]);
    assert.deepEqual(res.topics.map((t) => t.name), ['orders', '__consumer_offsets']);
    const [orders, offsets] = res.topics;
    assert.equal(orders!.errorCode, ErrorCode.NONE);
    assert.equal(orders!.isInternal, false);
    assert.equal(offsets!.isInternal, true);
    assert.deepEqual(orders!.partitions.map((p) => p.partitionIndex), [0, 1, 2]);
    assert.deepEqual(orders!.partitions[1], { errorCode: 0, partitionIndex: 1, leaderId: 1, leaderEpoch: 0, replicaNodes: [1], isrNodes: [1], offlineReplicas: [] });
  });

  test('v0: an empty list means every topic too', async () => {
    const { rooms: r } = rooms();
    const res = answered('Metadata', await call(metadata, requestContext(r, ApiKey.Metadata, 0), request([])));
    assert.equal(res.topics.length, 2);
    const v1 = answered('Metadata', await call(metadata, requestContext(r, ApiKey.Metadata, 1), request([])));
    assert.equal(v1.topics.length, 0, 'from v1 an empty list means no topics');
  });

  test('an unknown topic is UNKNOWN_TOPIC_OR_PARTITION when auto-creation is off', async () => {
    const { rooms: r, ensured } = rooms(false);
    const res = answered('Metadata', await call(metadata, requestContext(r, ApiKey.Metadata, 12), request(named('orders', 'missing'))));
    assert.deepEqual(res.topics.map((t) => [t.name, t.errorCode]), [['orders', 0], ['missing', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]);
    assert.deepEqual(res.topics[1]!.partitions, []);
    assert.deepEqual(ensured, []);
  });

  test('v4+: allow_auto_topic_creation=false leaves an unknown topic unknown', async () => {
    const { rooms: r, ensured } = rooms(true);
    const res = answered('Metadata', await call(metadata, requestContext(r, ApiKey.Metadata, 9), request(named('missing'), { allowAutoTopicCreation: false })));
    assert.equal(res.topics[0]!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    assert.deepEqual(ensured, []);
  });

  test('auto-creation makes the topic with num.partitions and logs who asked; a bad name gets the cluster\'s error', async () => {
    const { rooms: r, ensured } = rooms(true);
    const ctx = requestContext(r, ApiKey.Metadata, 3);
    const res = answered('Metadata', await call(metadata, ctx, request(named('fresh', 'bad/name'), { allowAutoTopicCreation: false })));
    assert.deepEqual(ensured, ['fresh', 'bad/name'], 'before v4 every request may auto-create');
    assert.equal(res.topics[0]!.errorCode, ErrorCode.NONE);
    assert.equal(res.topics[0]!.partitions.length, 4);
    assert.equal(res.topics[1]!.errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);
    const line = ctx.conn.lines.find((l) => l.msg === 'topic auto-created');
    assert.deepEqual([line?.topic, line?.partitions, line?.clientId, line?.apiVersion], ['fresh', 4, 'unit-test', 3]);
  });

  test('v10+: a topic named by id; an unknown id is UNKNOWN_TOPIC_ID', async () => {
    const { rooms: r, topics } = rooms();
    const orders = topics.get('orders')!;
    const res = answered('Metadata', await call(metadata, requestContext(r, ApiKey.Metadata, 12), request([
      { name: null, topicId: orders.topicId }, { name: null, topicId: 'ff'.repeat(16) }, { name: null, topicId: ZERO_UUID },
    ])));
    assert.deepEqual(res.topics.map((t) => [t.name, t.errorCode]), [
      ['orders', 0], [null, ErrorCode.UNKNOWN_TOPIC_ID], [null, ErrorCode.UNKNOWN_TOPIC_ID],
    ]);
    assert.equal(res.topics[1]!.topicId, 'ff'.repeat(16));
  });

  test('authorized operations only when asked', async () => {
    const { rooms: r } = rooms();
    const plain = answered('Metadata', await call(metadata, requestContext(r, ApiKey.Metadata, 8), request(named('orders'))));
    assert.equal(plain.topics[0]!.topicAuthorizedOperations, OPERATIONS_NOT_REQUESTED);
    assert.equal(plain.clusterAuthorizedOperations, OPERATIONS_NOT_REQUESTED);
    const asked = answered('Metadata', await call(metadata, requestContext(r, ApiKey.Metadata, 8), request(named('orders'), { includeClusterAuthorizedOperations: true, includeTopicAuthorizedOperations: true })));
    assert.equal(asked.topics[0]!.topicAuthorizedOperations, TOPIC_OPERATIONS);
    assert.equal(asked.clusterAuthorizedOperations, CLUSTER_OPERATIONS);
  });
});
