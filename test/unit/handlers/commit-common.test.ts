// commitOffsets, what OffsetCommit and TxnOffsetCommit share, over an in-memory topic catalog: a
// refused request answers its error for every partition and writes nothing; otherwise each
// partition is checked (known topic and partition, metadata size) and those that pass are written
// at once, answered with the write's error code, in the request's order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TopicInfo } from '../../../src/cluster/topics.js';
import type { CommittedOffset, OffsetKey } from '../../../src/groups/offsets.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import type { RequestOf } from '../../../src/server/dispatcher.js';
import { commitOffsets, type CommitChecks } from '../../../src/server/handlers/commit-common.js';

type Topic = RequestOf<'TxnOffsetCommit'>['topics'][number];
type Commit = OffsetKey & CommittedOffset;

const topic = (name: string, partitions: number): TopicInfo => ({ name, topicId: '0'.repeat(32), partitions, configs: {}, logDir: '/nowhere', internal: false });
const catalog = new Map([['orders', topic('orders', 2)]]);
const checks: CommitChecks = { topics: { get: (name) => catalog.get(name) }, config: { offsetMetadataMaxBytes: 4 } };

const partition = (partitionIndex: number, committedMetadata: string | null = null) =>
  ({ partitionIndex, committedOffset: 10 + partitionIndex, committedLeaderEpoch: 3, committedMetadata });

/** Runs commitOffsets, answering `code` for a write; the writes it asked for. */
async function run(topics: Topic[], problem: number = ErrorCode.NONE, code: number = ErrorCode.NONE) {
  const writes: Commit[][] = [];
  const answer = await commitOffsets(checks, topics, problem, () => 77, async (commits) => {
    writes.push(commits);
    return code;
  });
  return { answer, writes };
}

const codes = (answer: Awaited<ReturnType<typeof run>>['answer']) => answer.map((t) => [t.name, t.partitions.map((p) => [p.partitionIndex, p.errorCode])]);

test('a refused request answers its error for every partition and writes nothing', async () => {
  const { answer, writes } = await run([{ name: 'orders', partitions: [partition(0), partition(1)] }, { name: 'nope', partitions: [partition(0)] }], ErrorCode.ILLEGAL_GENERATION);
  assert.deepEqual(codes(answer), [['orders', [[0, ErrorCode.ILLEGAL_GENERATION], [1, ErrorCode.ILLEGAL_GENERATION]]], ['nope', [[0, ErrorCode.ILLEGAL_GENERATION]]]]);
  assert.deepEqual(writes, []);
});

test('each partition is checked; those that pass are written together and answered in order', async () => {
  const { answer, writes } = await run([
    { name: 'orders', partitions: [partition(1, 'ok'), partition(-1), partition(2), partition(0, 'too long')] },
    { name: 'nope', partitions: [partition(0)] },
    { name: 'orders', partitions: [partition(0)] },
  ]);
  assert.deepEqual(codes(answer), [
    ['orders', [[1, ErrorCode.NONE], [-1, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION], [2, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION], [0, ErrorCode.OFFSET_METADATA_TOO_LARGE]]],
    ['nope', [[0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]],
    ['orders', [[0, ErrorCode.NONE]]],
  ]);
  assert.deepEqual(writes, [[
    { topic: 'orders', partition: 1, offset: 11, leaderEpoch: 3, metadata: 'ok', commitTimestamp: 77 },
    { topic: 'orders', partition: 0, offset: 10, leaderEpoch: 3, metadata: '', commitTimestamp: 77 },
  ]]);
});

test('the written partitions answer the write\'s error code, the others their own', async () => {
  const { answer } = await run([{ name: 'orders', partitions: [partition(0), partition(5)] }], ErrorCode.NONE, ErrorCode.NOT_COORDINATOR);
  assert.deepEqual(codes(answer), [['orders', [[0, ErrorCode.NOT_COORDINATOR], [5, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]]]);
});

test('nothing to write, no write', async () => {
  const { answer, writes } = await run([{ name: 'nope', partitions: [partition(0)] }]);
  assert.deepEqual(codes(answer), [['nope', [[0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]]]);
  assert.deepEqual(writes, []);
});
