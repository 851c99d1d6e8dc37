// DeleteRecords run directly over stand-ins: log start offsets moved on the owning shards (-1: the
// high watermark), bad offsets, unknown partitions and internal topics answered with their errors.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { ApiKey } from '../../../src/protocol/messages/index.js';
import type { RequestOf, ResponseOf } from '../../../src/server/dispatcher.js';
import { deleteRecords } from '../../../src/server/handlers/delete-records.js';
import { answered, MemoryShards, requestContext, services, TopicMap, call } from '../stand-ins.js';

type Topic = RequestOf<'DeleteRecords'>['topics'][number];

const request = (topics: Topic[]): RequestOf<'DeleteRecords'> => ({ topics, timeoutMs: 1000 });
const topic = (name: string, ...partitions: [index: number, offset: number][]): Topic =>
  ({ name, partitions: partitions.map(([partitionIndex, offset]) => ({ partitionIndex, offset })) });

function rooms() {
  const topics = new TopicMap();
  topics.add('logs', 3);
  topics.add('__consumer_offsets', 1, { internal: true });
  const partitions = new MemoryShards(2);
  for (let p = 0; p < 3; p++) partitions.put('logs', p, { logStartOffset: 0, logEndOffset: 50 });
  partitions.put('__consumer_offsets', 0, { logStartOffset: 0, logEndOffset: 50 });
  return { partitions, rooms: services({ topics, partitions }) };
}

type Answer = ResponseOf<'DeleteRecords'>['topics'][number]['partitions'][number];
const summary = (ps: Answer[]) => ps.map((p) => [p.partitionIndex, p.errorCode, p.lowWatermark]);

describe('DeleteRecords handler', () => {
  test('moves each log start offset up (-1: to the high watermark) and logs it', async () => {
    const { rooms: r, partitions } = rooms();
    const ctx = requestContext(r, ApiKey.DeleteRecords, 2);
    const res = answered('DeleteRecords', await call(deleteRecords, ctx, request([topic('logs', [0, 10], [1, -1], [2, 0])])));
    assert.deepEqual(summary(res.topics[0]!.partitions), [[0, 0, 10], [1, 0, 50], [2, 0, 0]]);
    assert.equal(partitions.partitions.get('logs-0')!.logStartOffset, 10);
    const logged = ctx.conn.lines.filter((l) => l.msg === 'records deleted').map((l) => [l.partition, l.logStartOffset]);
    assert.deepEqual(logged, [[0, 10], [1, 50], [2, 0]]);
  });

  test('an offset past the high watermark or below -1 is OFFSET_OUT_OF_RANGE', async () => {
    const { rooms: r, partitions } = rooms();
    const res = answered('DeleteRecords', await call(deleteRecords, requestContext(r, ApiKey.DeleteRecords, 1), request([topic('logs', [0, 51], [1, -2])])));
    assert.deepEqual(summary(res.topics[0]!.partitions), [[0, ErrorCode.OFFSET_OUT_OF_RANGE, -1], [1, ErrorCode.OFFSET_OUT_OF_RANGE, -1]]);
    const asked = partitions.tasks.flatMap(({ task }) => (task.op === 'deleteRecords' ? task.items.map((i) => i.key) : []));
    assert.deepEqual(asked, ['logs-0'], 'below -1 is refused before the shard is asked');
    assert.equal(partitions.partitions.get('logs-0')!.logStartOffset, 0);
  });

  test('unknown topics and partitions, and internal topics, are refused without asking a shard', async () => {
    const { rooms: r, partitions } = rooms();
    const ctx = requestContext(r, ApiKey.DeleteRecords, 0);
    const res = answered('DeleteRecords', await call(deleteRecords, ctx, request([topic('logs', [3, 1], [-1, 1]), topic('gone', [0, 1]), topic('__consumer_offsets', [0, 1])])));
    assert.deepEqual(res.topics.map((t) => [t.name, summary(t.partitions)]), [
      ['logs', [[3, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1], [-1, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1]]],
      ['gone', [[0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1]]],
      ['__consumer_offsets', [[0, ErrorCode.INVALID_TOPIC_EXCEPTION, -1]]],
    ]);
    assert.equal(partitions.tasks.length, 0);
    assert.equal(ctx.conn.lines.length, 0);
  });
});
