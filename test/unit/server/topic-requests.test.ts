// What the topic and partition handlers share, run against in-memory stand-ins: askPartitions
// (early answers, one task per shard, results back in the request's shape) and eachTopicOnce
// (a topic named twice in CreateTopics or CreatePartitions is refused, the others acted on in order).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TopicInfo } from '../../../src/cluster/topics.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import type { CreatePartitionsResponseData } from '../../../src/protocol/messages/index.js';
import type { RequestOf } from '../../../src/server/dispatcher.js';
import { askPartitions, hasPartition, type PartitionsAsked } from '../../../src/server/handlers/partition-tasks.js';
import { eachTopicOnce } from '../../../src/server/handlers/common.js';
import type { DeleteRecordsItem, DeleteRecordsResult, ShardTask } from '../../../src/workers/messages.js';

const topic = (name: string, partitions: number): TopicInfo => ({ name, topicId: '0'.repeat(32), partitions, configs: {}, logDir: '/logs', internal: false });

/** Two shards (partition index modulo 2); each deleteRecords task answers its offsets as low watermarks. */
function standIn(topics: TopicInfo[]): PartitionsAsked & { tasks: { shard: number; task: ShardTask }[] } {
  const byName = new Map(topics.map((t) => [t.name, t]));
  const tasks: { shard: number; task: ShardTask }[] = [];
  return {
    tasks,
    topics: { get: (name) => byName.get(name) },
    partitions: {
      shardFor: (_topic, partition) => partition % 2,
      async scatter<I, R>(items: I[], shardOf: (item: I, index: number) => number, makeTask: (items: I[]) => ShardTask): Promise<R[]> {
        const out: unknown[] = [];
        for (const shard of [0, 1]) {
          const mine = items.map((item, i) => ({ item, i })).filter(({ item, i }) => shardOf(item, i) === shard);
          if (mine.length === 0) continue;
          const task = makeTask(mine.map((m) => m.item));
          tasks.push({ shard, task });
          if (task.op !== 'deleteRecords') throw new Error(`unexpected ${task.op}`);
          task.items.forEach((item: DeleteRecordsItem, j) => { out[mine[j]!.i] = { errorCode: ErrorCode.NONE, lowWatermark: item.offset }; });
        }
        // The pool's scatter trusts its caller for the result type (issue 13 item 2 types it).
        return out as R[];
      },
    },
  };
}

test('askPartitions asks each shard once and answers in the request\'s shape', async () => {
  const ctx = standIn([topic('a', 3)]);
  const request: RequestOf<'DeleteRecords'>['topics'] = [
    { name: 'a', partitions: [{ partitionIndex: 2, offset: 20 }, { partitionIndex: 5, offset: 1 }, { partitionIndex: 0, offset: 10 }, { partitionIndex: 1, offset: 11 }] },
    { name: 'missing', partitions: [{ partitionIndex: 0, offset: 0 }] },
  ];
  const fail = (errorCode: number): DeleteRecordsResult => ({ errorCode, lowWatermark: -1 });
  const results = await askPartitions(ctx, request, {
    name: (t) => t.name,
    partitions: (t) => t.partitions,
    early: (info, p) => (hasPartition(info, p.partitionIndex) ? null : fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)),
    index: (p) => p.partitionIndex,
    item: (key, p) => ({ key, offset: p.offset }),
    task: (items) => ({ op: 'deleteRecords', items }),
  });
  assert.deepEqual(results, [
    [{ errorCode: 0, lowWatermark: 20 }, fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION), { errorCode: 0, lowWatermark: 10 }, { errorCode: 0, lowWatermark: 11 }],
    [fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)],
  ]);
  assert.deepEqual(ctx.tasks, [
    { shard: 0, task: { op: 'deleteRecords', items: [{ key: 'a-2', offset: 20 }, { key: 'a-0', offset: 10 }] } },
    { shard: 1, task: { op: 'deleteRecords', items: [{ key: 'a-1', offset: 11 }] } },
  ]);
});

test('hasPartition: the topic exists and the index is in range', () => {
  assert.equal(hasPartition(undefined, 0), false);
  assert.equal(hasPartition(topic('a', 2), -1), false);
  assert.equal(hasPartition(topic('a', 2), 1), true);
  assert.equal(hasPartition(topic('a', 2), 2), false);
});

test('eachTopicOnce refuses a topic named twice and acts on the others in order', async () => {
  const acted: string[] = [];
  const results = await eachTopicOnce([{ name: 'x' }, { name: 'y' }, { name: 'x' }, { name: 'z' }], async (t): Promise<CreatePartitionsResponseData.CreatePartitionsTopicResult> => {
    acted.push(t.name);
    return { name: t.name, errorCode: ErrorCode.NONE, errorMessage: null };
  }, (t, error) => ({ name: t.name, ...error }));
  assert.deepEqual(acted, ['y', 'z']);
  const duplicate = { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate topic name x in the request.' };
  assert.deepEqual(results, [
    { name: 'x', ...duplicate },
    { name: 'y', errorCode: 0, errorMessage: null },
    { name: 'x', ...duplicate },
    { name: 'z', errorCode: 0, errorMessage: null },
  ]);
});
