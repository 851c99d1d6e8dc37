// ListOffsets run directly over stand-ins: earliest and latest come from the owning shards (one
// task per shard), unknown topics and partitions and v0's bad max_num_offsets are answered without
// asking a shard.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { ApiKey } from '../../../src/protocol/messages/index.js';
import type { RequestOf, ResponseOf } from '../../../src/server/dispatcher.js';
import { listOffsets } from '../../../src/server/handlers/list-offsets.js';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP } from '../../../src/workers/messages.js';
import { answered, MemoryShards, requestContext, services, TopicMap, call } from '../stand-ins.js';

type Topic = RequestOf<'ListOffsets'>['topics'][number];

function request(topics: Topic[], isolationLevel = 0): RequestOf<'ListOffsets'> {
  return { replicaId: -1, isolationLevel, topics, timeoutMs: 0 };
}
function topic(name: string, ...partitions: [index: number, timestamp: number][]): Topic {
  return { name, partitions: partitions.map(([partitionIndex, timestamp]) => ({ partitionIndex, timestamp, currentLeaderEpoch: -1, maxNumOffsets: 1 })) };
}

function rooms() {
  const topics = new TopicMap();
  topics.add('events', 4);
  const partitions = new MemoryShards(2);
  for (let p = 0; p < 4; p++) partitions.put('events', p, { logStartOffset: p, logEndOffset: 100 + p });
  return { partitions, rooms: services({ topics, partitions }) };
}

type Answer = ResponseOf<'ListOffsets'>['topics'][number]['partitions'][number];
const summary = (ps: Answer[]) => ps.map((p) => [p.partitionIndex, p.errorCode, p.offset, p.leaderEpoch]);

describe('ListOffsets handler', () => {
  test('earliest and latest from each partition\'s shard, one task per shard, in request order', async () => {
    const { rooms: r, partitions } = rooms();
    const res = answered('ListOffsets', await call(listOffsets, requestContext(r, ApiKey.ListOffsets, 7),
      request([topic('events', [3, LATEST_TIMESTAMP], [0, EARLIEST_TIMESTAMP], [1, LATEST_TIMESTAMP], [2, EARLIEST_TIMESTAMP])])));
    assert.deepEqual(summary(res.topics[0]!.partitions), [[3, 0, 103, 0], [0, 0, 0, 0], [1, 0, 101, 0], [2, 0, 2, 0]]);
    const shards = new Set([0, 1, 2, 3].map((p) => partitions.shardFor('events', p)));
    assert.equal(partitions.tasks.length, shards.size, 'one task per shard');
    assert.ok(partitions.tasks.every(({ task }) => task.op === 'listOffsets'));
  });

  test('an unknown topic or partition index is UNKNOWN_TOPIC_OR_PARTITION, with leader epoch -1, and no shard is asked for it', async () => {
    const { rooms: r, partitions } = rooms();
    const res = answered('ListOffsets', await call(listOffsets, requestContext(r, ApiKey.ListOffsets, 7),
      request([topic('events', [4, LATEST_TIMESTAMP], [-1, LATEST_TIMESTAMP]), topic('nowhere', [0, LATEST_TIMESTAMP])])));
    const unknown = [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1, -1];
    assert.deepEqual(summary(res.topics[0]!.partitions), [[4, ...unknown], [-1, ...unknown]]);
    assert.deepEqual(summary(res.topics[1]!.partitions), [[0, ...unknown]]);
    assert.equal(res.topics[1]!.name, 'nowhere');
    assert.equal(partitions.tasks.length, 0);
  });

  test('isolation level is passed to the shard from v2, ignored before', async () => {
    const { rooms: r, partitions } = rooms();
    await call(listOffsets, requestContext(r, ApiKey.ListOffsets, 2), request([topic('events', [0, LATEST_TIMESTAMP])], 1));
    await call(listOffsets, requestContext(r, ApiKey.ListOffsets, 1), request([topic('events', [0, LATEST_TIMESTAMP])], 1));
    const levels = partitions.tasks.map(({ task }) => (task.op === 'listOffsets' ? task.items[0]!.isolationLevel : undefined));
    assert.deepEqual(levels, [1, 0]);
  });

  test('v0: max_num_offsets goes to the shard; a negative one is INVALID_REQUEST', async () => {
    const { rooms: r, partitions } = rooms();
    const t = topic('events', [0, LATEST_TIMESTAMP], [1, LATEST_TIMESTAMP]);
    t.partitions[0]!.maxNumOffsets = 5;
    t.partitions[1]!.maxNumOffsets = -1;
    const res = answered('ListOffsets', await call(listOffsets, requestContext(r, ApiKey.ListOffsets, 0), request([t])));
    assert.deepEqual(res.topics[0]!.partitions.map((p) => p.errorCode), [ErrorCode.NONE, ErrorCode.INVALID_REQUEST]);
    const items = partitions.tasks.flatMap(({ task }) => (task.op === 'listOffsets' ? task.items : []));
    assert.deepEqual(items.map((i) => [i.key, i.maxNumOffsets]), [['events-0', 5]]);
  });
});
