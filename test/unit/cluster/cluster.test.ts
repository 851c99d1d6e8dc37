// The Cluster over the real topic registry in a temp log dir and in-memory shards: topics created
// (partitions opened on their shards before the registry says so), ensured, grown, reconfigured
// and deleted; each refusal with its error code; a failed open or registry write undone.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { CreateTopicSpec } from '../../../src/cluster/cluster.js';
import { TopicRegistry } from '../../../src/cluster/topics.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import type { ShardTask } from '../../../src/workers/messages.js';
import { clusterIn, MemoryShards } from '../stand-ins.js';

const envs: ReturnType<typeof clusterIn>[] = [];
after(() => { for (const e of envs) e.dispose(); });
function setUp() {
  const env = clusterIn(new MemoryShards(3));
  envs.push(env);
  return env;
}

const spec = (name: string, numPartitions: number, more: Partial<CreateTopicSpec> = {}): CreateTopicSpec =>
  ({ name, numPartitions, replicationFactor: -1, assignments: [], configs: [], ...more });
/** The partitions each op named, in the order the shards were asked. */
function asked(tasks: { task: ShardTask }[], op: ShardTask['op']): string[] {
  return tasks.flatMap(({ task }) => {
    if (task.op !== op) return [];
    if (task.op === 'open') return task.partitions.map((p) => p.key);
    if (task.op === 'delete') return task.keys;
    if (task.op === 'configure') return task.items.map((i) => i.key);
    return [];
  }).sort();
}

describe('Cluster: creating topics', () => {
  test('createTopic opens every partition on its shard, then registers the topic (a restart reads it back)', async () => {
    const { cluster, shards, dir, topics } = setUp();
    const outcome = await cluster.createTopic(spec('orders', 4, { configs: [{ name: 'retention.ms', value: '60000' }] }), false);
    assert.deepEqual([outcome.errorCode, outcome.errorMessage, outcome.created], [ErrorCode.NONE, null, true]);
    assert.deepEqual(asked(shards.tasks, 'open'), ['orders-0', 'orders-1', 'orders-2', 'orders-3']);
    assert.deepEqual(new Set(shards.tasks.map((t) => t.shard)), new Set([0, 1, 2, 3].map((p) => shards.shardFor('orders', p))));
    const open = shards.tasks.find((t) => t.task.op === 'open')!.task;
    assert.ok(open.op === 'open' && open.partitions[0]!.dir.startsWith(dir) && open.partitions[0]!.config.retentionMs === 60000);
    assert.equal(topics.get('orders'), outcome.topic);
    assert.deepEqual(TopicRegistry.load([dir]).get('orders'), outcome.topic);
    assert.match(outcome.topic!.topicId, /^[0-9a-f]{32}$/);
  });

  test('validate-only and validate() check without creating anything', async () => {
    const { cluster, shards, topics, config } = setUp();
    const checked = await cluster.createTopic(spec('dry', -1), true);
    assert.deepEqual([checked.errorCode, checked.topic?.partitions, checked.created], [ErrorCode.NONE, config.numPartitions, undefined]);
    assert.equal(cluster.validate(spec('dry', 2)).errorCode, ErrorCode.NONE);
    assert.equal(topics.get('dry'), undefined);
    assert.deepEqual(shards.tasks, []);
  });

  test('validate refuses what Kafka refuses, each with its error code', async () => {
    const { cluster } = setUp();
    await cluster.createTopic(spec('a.b', 1), false);
    const code = (s: CreateTopicSpec) => cluster.validate(s).errorCode;
    assert.equal(code(spec('a.b', 1)), ErrorCode.TOPIC_ALREADY_EXISTS);
    assert.equal(code(spec('a_b', 1)), ErrorCode.INVALID_TOPIC_EXCEPTION, 'collides with a.b in metric names');
    assert.equal(cluster.validate(spec('a_b', 1)).errorMessage, "Topic 'a_b' collides with existing topic: a.b");
    assert.equal(code(spec('__mine', 1)), ErrorCode.INVALID_TOPIC_EXCEPTION);
    assert.equal(code(spec('', 1)), ErrorCode.INVALID_TOPIC_EXCEPTION);
    assert.equal(code(spec('many', 100_001)), ErrorCode.INVALID_PARTITIONS);
    assert.equal(code(spec('none', -2)), ErrorCode.INVALID_PARTITIONS);
    assert.equal(code(spec('rf0', 1, { replicationFactor: 0 })), ErrorCode.INVALID_REPLICATION_FACTOR);
    assert.equal(code(spec('rf2', 1, { replicationFactor: 2 })), ErrorCode.INVALID_REPLICATION_FACTOR);
    assert.equal(code(spec('rf1', 1, { replicationFactor: 1 })), ErrorCode.NONE);
    assert.equal(code(spec('null-config', 1, { configs: [{ name: 'retention.ms', value: null }] })), ErrorCode.INVALID_CONFIG);
    const assigned = (brokerIds: number[], partitionIndex = 0) => spec('assigned', -1, { assignments: [{ partitionIndex, brokerIds }] });
    assert.equal(code(assigned([1])), ErrorCode.NONE);
    assert.equal(cluster.validate(assigned([1])).topic?.partitions, 1);
    assert.equal(code(assigned([1, 1])), ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    assert.equal(code(assigned([1], 1)), ErrorCode.INVALID_PARTITIONS);
  });

  test('concurrent creates of one name: one is created, the other finds it there', async () => {
    const { cluster } = setUp();
    const outcomes = await Promise.all([cluster.createTopic(spec('race', 2), false), cluster.createTopic(spec('race', 3), false)]);
    assert.deepEqual(outcomes.map((o) => o.errorCode), [ErrorCode.NONE, ErrorCode.TOPIC_ALREADY_EXISTS]);
  });

  test('ensureTopic answers a topic that exists as it is, and creates one that does not (internal ones too)', async () => {
    const { cluster, topics } = setUp();
    await cluster.createTopic(spec('there', 2), false);
    const existing = await cluster.ensureTopic('there', 9);
    assert.deepEqual([existing.errorCode, existing.topic?.partitions, existing.created], [ErrorCode.NONE, 2, undefined]);
    const internal = await cluster.ensureTopic('__consumer_offsets', 3, true, { 'cleanup.policy': 'compact' });
    assert.deepEqual([internal.created, internal.topic?.internal, internal.topic?.configs], [true, true, { 'cleanup.policy': 'compact' }]);
    assert.equal((await cluster.ensureTopic('bad name', 1)).errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);
    assert.equal(topics.get('bad name'), undefined);
  });

  test('a partition that cannot be opened: KAFKA_STORAGE_ERROR, the others dropped again, nothing registered', async () => {
    const { cluster, shards, topics } = setUp();
    shards.failOpen.add('broken-2');
    const outcome = await cluster.createTopic(spec('broken', 3), false);
    assert.equal(outcome.errorCode, ErrorCode.KAFKA_STORAGE_ERROR);
    assert.equal(outcome.errorMessage, 'Could not create the log of broken-2: no space left on device');
    assert.deepEqual(asked(shards.tasks, 'delete'), ['broken-0', 'broken-1', 'broken-2']);
    assert.equal(shards.partitions.size, 0);
    assert.equal(topics.get('broken'), undefined);
  });

  test('a registry that cannot be written: KAFKA_STORAGE_ERROR and the opened partitions dropped', async () => {
    const { cluster, shards, topics, dir } = setUp();
    fs.rmSync(dir, { recursive: true });
    const outcome = await cluster.createTopic(spec('unwritten', 2), false);
    assert.equal(outcome.errorCode, ErrorCode.KAFKA_STORAGE_ERROR);
    assert.match(outcome.errorMessage ?? '', /^Could not write the topic registry: /);
    assert.equal(shards.partitions.size, 0);
    assert.equal(topics.get('unwritten'), undefined);
  });
});

describe('Cluster: changing topics', () => {
  test('createPartitions opens only the new partitions, then registers the count', async () => {
    const { cluster, shards, dir } = setUp();
    await cluster.createTopic(spec('grows', 2), false);
    shards.tasks.length = 0;
    const outcome = await cluster.createPartitions('grows', 5, [[1], [1], [1]], false);
    assert.equal(outcome.errorCode, ErrorCode.NONE);
    assert.deepEqual(asked(shards.tasks, 'open'), ['grows-2', 'grows-3', 'grows-4']);
    assert.equal(TopicRegistry.load([dir]).get('grows')?.partitions, 5);
  });

  test('createPartitions refuses unknown and internal topics, counts that do not grow, and bad assignments', async () => {
    const { cluster, shards, topics } = setUp();
    await cluster.createTopic(spec('fixed', 3), false);
    await cluster.ensureTopic('__transaction_state', 1, true);
    shards.tasks.length = 0;
    const code = async (name: string, count: number, assignments: number[][] | null = null) => (await cluster.createPartitions(name, count, assignments, false)).errorCode;
    assert.equal(await code('nowhere', 4), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    assert.equal(await code('__transaction_state', 4), ErrorCode.INVALID_REQUEST);
    assert.equal(await code('fixed', 3), ErrorCode.INVALID_PARTITIONS);
    assert.equal(await code('fixed', 2), ErrorCode.INVALID_PARTITIONS);
    assert.equal(await code('fixed', 100_001), ErrorCode.INVALID_PARTITIONS);
    assert.equal(await code('fixed', 5, [[1]]), ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    assert.equal(await code('fixed', 4, [[7]]), ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    const dry = await cluster.createPartitions('fixed', 6, null, true);
    assert.deepEqual([dry.errorCode, topics.get('fixed')?.partitions], [ErrorCode.NONE, 3]);
    assert.deepEqual(shards.tasks, []);
  });

  test('createPartitions whose new partition cannot be opened drops the new ones and keeps the count', async () => {
    const { cluster, shards, topics } = setUp();
    await cluster.createTopic(spec('stuck', 1), false);
    shards.failOpen.add('stuck-2');
    const outcome = await cluster.createPartitions('stuck', 3, null, false);
    assert.equal(outcome.errorCode, ErrorCode.KAFKA_STORAGE_ERROR);
    assert.deepEqual(asked(shards.tasks, 'delete'), ['stuck-1', 'stuck-2']);
    assert.deepEqual([...shards.partitions.keys()], ['stuck-0']);
    assert.equal(topics.get('stuck')?.partitions, 1);
  });

  test('alterTopicConfigs registers the configs and hands every partition its new log config', async () => {
    const { cluster, shards, dir } = setUp();
    await cluster.createTopic(spec('tuned', 2), false);
    shards.tasks.length = 0;
    const outcome = await cluster.alterTopicConfigs('tuned', { 'segment.bytes': '1048576' });
    assert.equal(outcome.errorCode, ErrorCode.NONE);
    assert.deepEqual(asked(shards.tasks, 'configure'), ['tuned-0', 'tuned-1']);
    const configure = shards.tasks[0]!.task;
    assert.ok(configure.op === 'configure' && configure.items[0]!.config.segmentBytes === 1048576);
    assert.deepEqual(TopicRegistry.load([dir]).get('tuned')?.configs, { 'segment.bytes': '1048576' });
    assert.equal((await cluster.alterTopicConfigs('nowhere', {})).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  test('deleteTopic unregisters the topic and deletes its partitions; unknown and internal topics are refused', async () => {
    const { cluster, shards, dir, topics } = setUp();
    await cluster.createTopic(spec('doomed', 2), false);
    await cluster.ensureTopic('__consumer_offsets', 1, true);
    const outcome = await cluster.deleteTopic('doomed');
    assert.equal(outcome.errorCode, ErrorCode.NONE);
    assert.deepEqual(asked(shards.tasks, 'delete'), ['doomed-0', 'doomed-1']);
    assert.equal(topics.get('doomed'), undefined);
    assert.equal(TopicRegistry.load([dir]).get('doomed'), undefined);
    assert.equal((await cluster.deleteTopic('doomed')).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    assert.equal((await cluster.deleteTopic('__consumer_offsets')).errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);
    assert.ok(shards.partitions.has('__consumer_offsets-0'));
  });
});
