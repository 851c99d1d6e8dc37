// CreateTopics run directly, over the real cluster and topic registry in a temp log dir and
// in-memory shards: created topics, validate-only, names given twice, and the bad arguments the
// cluster refuses, each with its error code and message.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { ApiKey } from '../../../src/protocol/messages/index.js';
import type { RequestOf } from '../../../src/server/dispatcher.js';
import { createTopics } from '../../../src/server/handlers/create-topics.js';
import { answered, clusterIn, requestContext, services, call } from '../stand-ins.js';

type Topic = RequestOf<'CreateTopics'>['topics'][number];

const request = (topics: Topic[], validateOnly = false): RequestOf<'CreateTopics'> => ({ topics, timeoutMs: 1000, validateOnly });
const topic = (name: string, numPartitions: number, more: Partial<Topic> = {}): Topic =>
  ({ name, numPartitions, replicationFactor: -1, assignments: [], configs: [], ...more });

const env = clusterIn();
after(env.dispose);
const rooms = services({ topics: env.topics, cluster: env.cluster, partitions: env.shards });
const create = async (topics: Topic[], validateOnly = false, version = 7) => {
  const ctx = requestContext(rooms, ApiKey.CreateTopics, version);
  return { ctx, res: answered('CreateTopics', await call(createTopics, ctx, request(topics, validateOnly))) };
};

describe('CreateTopics handler', () => {
  test('creates the topic, its partitions opened on their shards, and answers its id, layout and configs', async () => {
    const { ctx, res } = await create([topic('payments', 3, { configs: [{ name: 'cleanup.policy', value: 'compact' }] })]);
    const [t] = res.topics;
    assert.equal(t!.errorCode, ErrorCode.NONE);
    assert.equal(t!.topicId, env.topics.get('payments')!.topicId);
    assert.deepEqual([t!.numPartitions, t!.replicationFactor], [3, 1]);
    assert.deepEqual(t!.configs, [{ name: 'cleanup.policy', value: 'compact', readOnly: false, configSource: 1, isSensitive: false }]);
    assert.deepEqual([0, 1, 2].map((p) => env.shards.partitions.has(`payments-${p}`)), [true, true, true]);
    assert.deepEqual(ctx.conn.lines.filter((l) => l.msg === 'topic created').map((l) => [l.topic, l.partitions]), [['payments', 3]]);
  });

  test('-1 partitions: num.partitions; validate-only checks and creates nothing', async () => {
    const { ctx, res } = await create([topic('dry-run', -1)], true);
    assert.deepEqual([res.topics[0]!.errorCode, res.topics[0]!.numPartitions], [ErrorCode.NONE, env.config.numPartitions]);
    assert.equal(env.topics.get('dry-run'), undefined);
    assert.equal(env.shards.partitions.has('dry-run-0'), false);
    assert.equal(ctx.conn.lines.length, 0);
  });

  test('a name given twice is INVALID_REQUEST for each entry, and neither is created', async () => {
    const { res } = await create([topic('twice', 1), topic('once', 1), topic('twice', 2)]);
    assert.deepEqual(res.topics.map((t) => [t.name, t.errorCode]), [
      ['twice', ErrorCode.INVALID_REQUEST], ['once', ErrorCode.NONE], ['twice', ErrorCode.INVALID_REQUEST],
    ]);
    assert.equal(res.topics[0]!.errorMessage, 'Duplicate topic name twice in the request.');
    assert.deepEqual([res.topics[0]!.numPartitions, res.topics[0]!.replicationFactor, res.topics[0]!.configs], [-1, -1, null]);
    assert.equal(env.topics.get('twice'), undefined);
  });

  test('bad arguments are answered with the cluster\'s error code, -1 for the layout', async () => {
    await create([topic('taken', 1)]);
    const { res } = await create([
      topic('taken', 1),
      topic('no/slash', 1),
      topic('__internal', 1),
      topic('zero', 0),
      topic('three-copies', 1, { replicationFactor: 3 }),
      topic('odd-config', 1, { configs: [{ name: 'retention.ms', value: 'soon' }] }),
      topic('unknown-config', 1, { configs: [{ name: 'no.such.config', value: '1' }] }),
      topic('both', 2, { assignments: [{ partitionIndex: 0, brokerIds: [1] }] }),
      topic('elsewhere', -1, { assignments: [{ partitionIndex: 0, brokerIds: [2] }] }),
      topic('gap', -1, { assignments: [{ partitionIndex: 1, brokerIds: [1] }] }),
    ]);
    assert.deepEqual(res.topics.map((t) => [t.name, t.errorCode]), [
      ['taken', ErrorCode.TOPIC_ALREADY_EXISTS],
      ['no/slash', ErrorCode.INVALID_TOPIC_EXCEPTION],
      ['__internal', ErrorCode.INVALID_TOPIC_EXCEPTION],
      ['zero', ErrorCode.INVALID_PARTITIONS],
      ['three-copies', ErrorCode.INVALID_REPLICATION_FACTOR],
      ['odd-config', ErrorCode.INVALID_CONFIG],
      ['unknown-config', ErrorCode.INVALID_CONFIG],
      ['both', ErrorCode.INVALID_REQUEST],
      ['elsewhere', ErrorCode.INVALID_REPLICA_ASSIGNMENT],
      ['gap', ErrorCode.INVALID_PARTITIONS],
    ]);
    assert.ok(res.topics.every((t) => t.numPartitions === -1 && t.replicationFactor === -1 && t.configs === null));
    assert.equal(res.topics[0]!.errorMessage, "Topic 'taken' already exists.");
    assert.equal(res.topics[5]!.errorMessage, 'Invalid value soon for configuration retention.ms');
  });

  test('a partition that cannot be opened is KAFKA_STORAGE_ERROR and leaves no topic behind', async () => {
    env.shards.failOpen.add('full-disk-1');
    const { res } = await create([topic('full-disk', 2)]);
    assert.equal(res.topics[0]!.errorCode, ErrorCode.KAFKA_STORAGE_ERROR);
    assert.match(res.topics[0]!.errorMessage ?? '', /full-disk-1: no space left on device/);
    assert.equal(env.topics.get('full-disk'), undefined);
    assert.equal(env.shards.partitions.has('full-disk-0'), false, 'the partition opened is dropped again');
  });
});
