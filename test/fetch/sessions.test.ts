// Incremental fetch sessions (KIP-227) and long-poll Fetch, over the wire against a real broker.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey } from '../../src/protocol/messages/index.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { BrokerProcess } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { buildBatch } from '../records/build-batch.js';

const TOPIC = 'sessions';
let broker: BrokerProcess;
let client: RawClient;
let topicId: string;

async function produce(partition: number, value: string, via = client): Promise<number> {
  const res = await via.request(ApiKey.Produce, 9, {
    acks: -1, timeoutMs: 5000, transactionalId: null,
    topicData: [{ name: TOPIC, partitionData: [{ index: partition, records: buildBatch({ records: [{ value: Buffer.from(value) }] }) }] }],
  });
  const p = res.responses[0].partitionResponses[0];
  assert.equal(p.errorCode, 0);
  return p.baseOffset as number;
}

function fetchRequest(sessionId: number, sessionEpoch: number, partitions: { partition: number; fetchOffset: number }[], opts: { maxWaitMs?: number; minBytes?: number; forget?: number[] } = {}) {
  return client.request(ApiKey.Fetch, 13, {
    replicaId: -1, maxWaitMs: opts.maxWaitMs ?? 0, minBytes: opts.minBytes ?? 0, maxBytes: 1 << 20, isolationLevel: 0,
    sessionId, sessionEpoch,
    topics: partitions.length === 0 ? [] : [{ topicId, partitions: partitions.map((p) => ({ ...p, partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1, lastFetchedEpoch: -1, logStartOffset: -1 })) }],
    forgottenTopicsData: opts.forget === undefined ? [] : [{ topicId, partitions: opts.forget }],
    rackId: '',
  });
}

const partitionsOf = (res: Record<string, any>): number[] => res.responses.flatMap((t: any) => t.partitions.map((p: any) => p.partitionIndex)).sort();

before(async () => {
  broker = await BrokerProcess.start();
  client = await RawClient.connect('127.0.0.1', broker.port);
  const created = await client.request(ApiKey.CreateTopics, 7, { topics: [{ name: TOPIC, numPartitions: 3, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
  topicId = created.topics[0].topicId;
});
after(async () => {
  await client.close();
  await broker.dispose();
});

test('a session opens with a full response and then answers only what changed', async () => {
  await produce(0, 'a');
  const first = await fetchRequest(0, 0, [0, 1, 2].map((partition) => ({ partition, fetchOffset: 0 })));
  assert.equal(first.errorCode, 0);
  assert.notEqual(first.sessionId, 0);
  assert.deepEqual(partitionsOf(first), [0, 1, 2]);

  // Partition 0 moved on to offset 1; nothing new anywhere: an empty incremental answer.
  const quiet = await fetchRequest(first.sessionId, 1, [{ partition: 0, fetchOffset: 1 }]);
  assert.equal(quiet.errorCode, 0);
  assert.equal(quiet.sessionId, first.sessionId);
  assert.deepEqual(partitionsOf(quiet), []);

  // New data on partition 2 only: the answer holds partition 2 alone, read at the cached offset.
  await produce(2, 'b');
  const moved = await fetchRequest(first.sessionId, 2, []);
  assert.deepEqual(partitionsOf(moved), [2]);
  assert.ok(moved.responses[0].partitions[0].records.length > 0);
  assert.equal(moved.responses[0].partitions[0].highWatermark, 1);

  // Forgetting partition 2 removes it from the session.
  await produce(2, 'c');
  const forgot = await fetchRequest(first.sessionId, 3, [], { forget: [2] });
  assert.deepEqual(partitionsOf(forgot), []);
});

test('wrong epochs and unknown sessions get their errors', async () => {
  const first = await fetchRequest(0, 0, [{ partition: 1, fetchOffset: 0 }]);
  const stale = await fetchRequest(first.sessionId, 5, []);
  assert.equal(stale.errorCode, ErrorCode.INVALID_FETCH_SESSION_EPOCH);
  const unknown = await fetchRequest(0x7ffffff0, 1, []);
  assert.equal(unknown.errorCode, ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
  const bad = await fetchRequest(0, 3, []);
  assert.equal(bad.errorCode, ErrorCode.INVALID_FETCH_SESSION_EPOCH);
  // Epoch -1 closes the session and answers a sessionless full fetch.
  const closed = await fetchRequest(first.sessionId, -1, [{ partition: 1, fetchOffset: 0 }]);
  assert.equal(closed.errorCode, 0);
  assert.equal(closed.sessionId, 0);
  assert.deepEqual(partitionsOf(closed), [1]);
  const gone = await fetchRequest(first.sessionId, 1, []);
  assert.equal(gone.errorCode, ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
});

test('a long poll is answered by the append that brings min_bytes, not by its timeout', async () => {
  const end = (await fetchRequest(0, -1, [{ partition: 1, fetchOffset: 0 }])).responses[0].partitions[0].highWatermark as number;
  const other = await RawClient.connect('127.0.0.1', broker.port);
  try {
    const started = Date.now();
    const waiting = fetchRequest(0, -1, [{ partition: 1, fetchOffset: end }], { maxWaitMs: 20_000, minBytes: 1 });
    await new Promise((r) => setTimeout(r, 200));
    await produce(1, 'wake up', other);
    const res = await waiting;
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 10_000, `answered after ${elapsed} ms`);
    assert.ok(res.responses[0].partitions[0].records.length > 0);
  } finally {
    await other.close();
  }
});

test('a long poll with nothing to read is answered when max_wait_ms runs out', async () => {
  const end = (await fetchRequest(0, -1, [{ partition: 1, fetchOffset: 0 }])).responses[0].partitions[0].highWatermark as number;
  const started = Date.now();
  const res = await fetchRequest(0, -1, [{ partition: 1, fetchOffset: end }], { maxWaitMs: 300, minBytes: 1 });
  const elapsed = Date.now() - started;
  assert.ok(elapsed >= 250, `answered after ${elapsed} ms`);
  assert.equal(res.responses[0].partitions[0].records.length, 0);
});
