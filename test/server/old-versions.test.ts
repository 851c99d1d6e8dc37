// The oldest versions Kafka 3.9 still serves, over raw requests against a real broker: ListOffsets
// v0 (old-style offsets: segment base offsets dated by their files' mtimes, and the log end
// offset), OffsetCommit v0-1 and OffsetFetch v0 (the same offsets as every other version),
// CreateTopics v0-1, DeleteTopics v0, OffsetForLeaderEpoch v0-1, DescribeConfigs v0,
// DescribeLogDirs v0 and FindCoordinator v6. Fetch v0-3 (message format v0/v1) are not advertised:
// the connection is closed, with a log line.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApiKey } from '../../src/protocol/messages/index.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { brokerWithClient } from '../helpers/broker-with-client.js';
import { buildBatch } from '../records/build-batch.js';
import { RawConnection, encodeRequest } from '../helpers/raw-socket.js';

const env = brokerWithClient();

async function createTopic(name: string, configs: Record<string, string> = {}): Promise<void> {
  const res = await env.client.request(ApiKey.CreateTopics, 7, {
    topics: [{ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: Object.entries(configs).map(([n, value]) => ({ name: n, value })) }],
    timeoutMs: 5000, validateOnly: false,
  });
  assert.equal(res.topics[0].errorCode, 0, res.topics[0].errorMessage);
}

async function listOffsetsV0(topic: string, timestamp: number, maxNumOffsets: number, partitionIndex = 0) {
  const res = await env.client.request(ApiKey.ListOffsets, 0, { replicaId: -1, topics: [{ name: topic, partitions: [{ partitionIndex, timestamp, maxNumOffsets }] }] });
  const p = res.topics[0].partitions[0];
  return { errorCode: p.errorCode as number, offsets: p.oldStyleOffsets as number[] };
}

async function topicNames(): Promise<string[]> {
  const md = await env.client.metadata(null);
  return (md.topics as { name: string }[]).map((t) => t.name);
}

describe('ListOffsets v0', () => {
  const topic = 'old-list-offsets';
  let bases: number[];
  let logEnd: number;

  before(async () => {
    await createTopic(topic, { 'segment.bytes': '200' });
    for (let i = 0; i < 6; i++) {
      const r = await env.client.produce(topic, 0, buildBatch({ baseTimestamp: Date.now(), records: 1, padding: 60 }));
      assert.equal(r.errorCode, 0);
    }
    logEnd = (await env.client.listOffset(topic, 0, -1)).offset;
    assert.equal(logEnd, 6);
    const dir = path.join(env.broker.dataDir, `${topic}-0`);
    const logs = fs.readdirSync(dir).filter((f) => f.endsWith('.log')).sort();
    bases = logs.map((f) => Number(f.slice(0, -4)));
    assert.ok(bases.length >= 3, `several segments: ${logs.join(' ')}`);
    // Segment i last modified at 2020-01-01 + i hours: the timestamp lookups below depend on nothing else.
    logs.forEach((f, i) => {
      const t = new Date(Date.UTC(2020, 0, 1, i));
      fs.utimesSync(path.join(dir, f), t, t);
    });
  });

  test('latest: the log end offset, then the segments\' base offsets, newest first, at most max_num_offsets', async () => {
    const all = [...bases].reverse();
    if (bases.at(-1) !== logEnd) all.unshift(logEnd); // an active segment holding data adds the log end offset
    assert.deepEqual(await listOffsetsV0(topic, -1, 100), { errorCode: 0, offsets: all });
    assert.deepEqual(await listOffsetsV0(topic, -1, 1), { errorCode: 0, offsets: [all[0]] });
    assert.deepEqual(await listOffsetsV0(topic, -1, 0), { errorCode: 0, offsets: [] });
  });

  test('earliest: the log start offset', async () => {
    assert.deepEqual(await listOffsetsV0(topic, -2, 10), { errorCode: 0, offsets: [0] });
  });

  test('a timestamp: the segments last modified at or before it, newest first', async () => {
    const hour1 = Date.UTC(2020, 0, 1, 1, 30);
    assert.deepEqual(await listOffsetsV0(topic, hour1, 10), { errorCode: 0, offsets: [bases[1], bases[0]] });
    assert.deepEqual(await listOffsetsV0(topic, hour1, 1), { errorCode: 0, offsets: [bases[1]] });
    assert.deepEqual(await listOffsetsV0(topic, Date.UTC(2019, 0, 1), 10), { errorCode: 0, offsets: [] });
  });

  test('unknown partitions and a negative max_num_offsets are errors of their own', async () => {
    assert.deepEqual(await listOffsetsV0('no-such-topic', -1, 1), { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, offsets: [] });
    assert.deepEqual(await listOffsetsV0(topic, -1, 1, 7), { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, offsets: [] });
    assert.deepEqual(await listOffsetsV0(topic, -1, -1), { errorCode: ErrorCode.INVALID_REQUEST, offsets: [] });
  });
});

describe('OffsetCommit v0-1 and OffsetFetch v0', () => {
  const topic = 'old-offsets';
  before(() => createTopic(topic));

  async function fetchV(group: string, version: number) {
    const res = await env.client.request(ApiKey.OffsetFetch, version, { groupId: group, topics: [{ name: topic, partitionIndexes: [0] }] });
    return res.topics[0].partitions[0];
  }

  test('v0 commits and fetches the same offsets as every other version', async () => {
    const res = await env.client.request(ApiKey.OffsetCommit, 0, { groupId: 'old-g0', topics: [{ name: topic, partitions: [{ partitionIndex: 0, committedOffset: 42, committedMetadata: 'v0' }] }] });
    assert.equal(res.topics[0].partitions[0].errorCode, 0);
    for (const v of [0, 1, 7]) {
      const p = await fetchV('old-g0', v);
      assert.deepEqual([p.errorCode, p.committedOffset, p.metadata], [0, 42, 'v0'], `OffsetFetch v${v}`);
    }
    const none = await fetchV('old-g-none', 0);
    assert.deepEqual([none.errorCode, none.committedOffset], [0, -1]);
  });

  test('v1 commits without a generation from outside group management', async () => {
    const res = await env.client.request(ApiKey.OffsetCommit, 1, {
      groupId: 'old-g1', generationIdOrMemberEpoch: -1, memberId: '',
      topics: [{ name: topic, partitions: [{ partitionIndex: 0, committedOffset: 7, commitTimestamp: Date.now(), committedMetadata: null }, { partitionIndex: 9, committedOffset: 1, commitTimestamp: -1, committedMetadata: null }] }],
    });
    assert.deepEqual(res.topics[0].partitions.map((p: { errorCode: number }) => p.errorCode), [0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    assert.equal((await fetchV('old-g1', 0)).committedOffset, 7);
    const illegal = await env.client.request(ApiKey.OffsetCommit, 1, {
      groupId: 'old-g1', generationIdOrMemberEpoch: 3, memberId: 'nobody',
      topics: [{ name: topic, partitions: [{ partitionIndex: 0, committedOffset: 8, commitTimestamp: -1, committedMetadata: null }] }],
    });
    assert.notEqual(illegal.topics[0].partitions[0].errorCode, 0, 'a generation of a group that has none is refused');
  });
});

describe('CreateTopics v0-1 and DeleteTopics v0', () => {
  test('create at v0, validate only at v1, delete at v0', async () => {
    const v0 = await env.client.request(ApiKey.CreateTopics, 0, { topics: [{ name: 'old-created-0', numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000 });
    assert.deepEqual(v0.topics, [{ name: 'old-created-0', errorCode: 0, errorMessage: null, topicId: v0.topics[0].topicId, topicConfigErrorCode: 0, numPartitions: -1, replicationFactor: -1, configs: null }]);
    const again = await env.client.request(ApiKey.CreateTopics, 0, { topics: [{ name: 'old-created-0', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000 });
    assert.equal(again.topics[0].errorCode, ErrorCode.TOPIC_ALREADY_EXISTS);
    const v1 = await env.client.request(ApiKey.CreateTopics, 1, { topics: [{ name: 'old-created-1', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: true });
    assert.equal(v1.topics[0].errorCode, 0);
    const bad = await env.client.request(ApiKey.CreateTopics, 1, { topics: [{ name: 'old-created-1', numPartitions: 1, replicationFactor: 3, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
    assert.equal(bad.topics[0].errorCode, ErrorCode.INVALID_REPLICATION_FACTOR);
    assert.ok(typeof bad.topics[0].errorMessage === 'string');
    let names = await topicNames();
    assert.ok(names.includes('old-created-0'));
    assert.ok(!names.includes('old-created-1'), 'validate only creates nothing');

    const del = await env.client.request(ApiKey.DeleteTopics, 0, { topicNames: ['old-created-0', 'old-never'], timeoutMs: 5000 });
    assert.deepEqual(del.responses.map((r: { name: string; errorCode: number }) => [r.name, r.errorCode]), [['old-created-0', 0], ['old-never', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]);
    names = await topicNames();
    assert.ok(!names.includes('old-created-0'));
  });
});

describe('OffsetForLeaderEpoch v0-1, DescribeConfigs v0, DescribeLogDirs v0, FindCoordinator v6', () => {
  const topic = 'old-admin';
  before(async () => {
    await createTopic(topic, { 'retention.ms': '3600000' });
    await env.client.produce(topic, 0, buildBatch({ baseTimestamp: Date.now(), records: 3 }));
  });

  test('OffsetForLeaderEpoch v0 answers the end offset, v1 its epoch too', async () => {
    const ask = (version: number) => env.client.request(ApiKey.OffsetForLeaderEpoch, version, { topics: [{ topic, partitions: [{ partition: 0, leaderEpoch: 0 }, { partition: 5, leaderEpoch: 0 }] }] });
    const v0 = await ask(0);
    assert.deepEqual(v0.topics[0].partitions.map((p: { errorCode: number; endOffset: number }) => [p.errorCode, p.endOffset]), [[0, 3], [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1]]);
    const v1 = await ask(1);
    assert.deepEqual([v1.topics[0].partitions[0].leaderEpoch, v1.topics[0].partitions[0].endOffset], [0, 3]);
  });

  test('DescribeConfigs v0 tells set configs from defaults by is_default', async () => {
    const res = await env.client.request(ApiKey.DescribeConfigs, 0, { resources: [{ resourceType: 2, resourceName: topic, configurationKeys: ['retention.ms', 'segment.bytes'] }] });
    const configs = Object.fromEntries((res.results[0].configs as { name: string; value: string; isDefault: boolean }[]).map((c) => [c.name, [c.value, c.isDefault]]));
    assert.deepEqual(configs['retention.ms'], ['3600000', false]);
    assert.equal(configs['segment.bytes']![1], true);
  });

  test('DescribeLogDirs v0 lists the partition and its size', async () => {
    const res = await env.client.request(ApiKey.DescribeLogDirs, 0, { topics: [{ topic, partitions: [0] }] });
    assert.equal(res.results[0].errorCode, 0);
    const p = res.results[0].topics[0].partitions[0];
    assert.equal(res.results[0].topics[0].name, topic);
    assert.ok(p.partitionSize > 0);
  });

  test('FindCoordinator v6 finds group and transaction coordinators; share groups are not served', async () => {
    for (const keyType of [0, 1]) {
      const res = await env.client.request(ApiKey.FindCoordinator, 6, { keyType, coordinatorKeys: ['old-g6'] });
      assert.deepEqual([res.coordinators[0].errorCode, res.coordinators[0].port], [0, env.broker.port]);
    }
    const share = await env.client.request(ApiKey.FindCoordinator, 6, { keyType: 2, coordinatorKeys: ['old-g6:AAAAAAAAAAAAAAAAAAAAAA:0'] });
    assert.deepEqual([share.coordinators[0].errorCode, share.coordinators[0].nodeId], [ErrorCode.INVALID_REQUEST, -1]);
  });
});

test('Fetch v0-3 are not advertised, and a request for one closes the connection with a log line', async () => {
  const av = await env.client.request(ApiKey.ApiVersions, 3, { clientSoftwareName: 'old-versions', clientSoftwareVersion: '1' });
  assert.equal((av.apiKeys as { apiKey: number; minVersion: number }[]).find((k) => k.apiKey === ApiKey.Fetch)!.minVersion, 4);
  for (const version of [0, 3]) {
    const c = await RawConnection.connect(env.broker.port);
    await c.write(encodeRequest(ApiKey.Fetch, version, 5, {
      replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1024, topics: [{ topic: 'old-admin', partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 1024 }] }],
    }));
    assert.ok(await c.waitClosed(10_000), `Fetch v${version}: closed`);
    await env.broker.waitForLine(new RegExp(`"remote":"${c.localAddress}".*unsupported version ${version} of Fetch`), 5_000);
  }
});
