// Topic administration over the wire against a real broker: DescribeConfigs, AlterConfigs,
// IncrementalAlterConfigs (changes in effect at once and after a restart), CreatePartitions,
// DeleteRecords (the log start offset moves, fetches below it are OFFSET_OUT_OF_RANGE, and it
// survives a restart), OffsetForLeaderEpoch, DescribeLogDirs, min.insync.replicas and
// compression.type (the broker recompresses).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApiKey } from '../../src/protocol/messages/index.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { loadCodecs, rebuildBatch, batchRecords } from '../../src/protocol/records/compression.js';
import { BrokerProcess } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { decodeBatches } from '../helpers/record-batch.js';
import { buildBatch, type BuildBatchOptions } from '../records/build-batch.js';

const TOPIC = 2;
const BROKER = 4;
let broker: BrokerProcess;
let client: RawClient;

async function connect(): Promise<void> {
  client = await RawClient.connect('127.0.0.1', broker.port);
}

async function createTopic(name: string, partitions = 1, configs: Record<string, string> = {}): Promise<void> {
  const res = await client.request(ApiKey.CreateTopics, 7, {
    topics: [{ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: Object.entries(configs).map(([n, value]) => ({ name: n, value })) }],
    timeoutMs: 5000, validateOnly: false,
  });
  assert.equal(res.topics[0].errorCode, 0, res.topics[0].errorMessage);
}

async function produce(topic: string, partition: number, batch: Buffer | BuildBatchOptions, acks = -1): Promise<{ errorCode: number; baseOffset: number }> {
  const records = Buffer.isBuffer(batch) ? batch : buildBatch({ baseTimestamp: Date.now(), ...batch });
  const res = await client.request(ApiKey.Produce, 9, { acks, timeoutMs: 5000, transactionalId: null, topicData: [{ name: topic, partitionData: [{ index: partition, records }] }] });
  return res.responses[0].partitionResponses[0];
}

async function fetchAt(topic: string, partition: number, fetchOffset: number) {
  const res = await client.request(ApiKey.Fetch, 12, {
    replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
    topics: [{ topic, partitions: [{ partition, fetchOffset, partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1, lastFetchedEpoch: -1, logStartOffset: -1 }] }],
    forgottenTopicsData: [], rackId: '',
  });
  return res.responses[0].partitions[0];
}

async function describeTopic(name: string, keys: string[] | null = null, version = 4, more = { includeSynonyms: true, includeDocumentation: true }) {
  const res = await client.request(ApiKey.DescribeConfigs, version, { resources: [{ resourceType: TOPIC, resourceName: name, configurationKeys: keys }], ...more });
  return res.results[0];
}

const configMap = (result: { configs: { name: string; value: string | null }[] }): Record<string, string | null> =>
  Object.fromEntries(result.configs.map((c) => [c.name, c.value]));

async function incremental(topic: string, configs: { name: string; configOperation: number; value: string | null }[], validateOnly = false) {
  const res = await client.request(ApiKey.IncrementalAlterConfigs, 1, { resources: [{ resourceType: TOPIC, resourceName: topic, configs }], validateOnly });
  return res.responses[0];
}

before(async () => {
  await loadCodecs();
  broker = await BrokerProcess.start({ overrides: { 'log.retention.bytes': 1073741824, 'log.retention.check.interval.ms': 300000 } });
  await connect();
});
after(async () => {
  await client.close();
  await broker.dispose();
});

describe('DescribeConfigs', () => {
  test('topic configs: defaults from the broker, overrides from the topic, with sources, synonyms, types and docs', async () => {
    await createTopic('dc', 1, { 'retention.ms': '123456', 'cleanup.policy': 'compact,delete' });
    const r = await describeTopic('dc');
    assert.equal(r.errorCode, 0);
    const byName = new Map(r.configs.map((c: any) => [c.name, c]));
    assert.ok(byName.size >= 25, `${byName.size} configs`);
    const retention: any = byName.get('retention.ms');
    assert.equal(retention.value, '123456');
    assert.equal(retention.configSource, 1);
    assert.equal(retention.readOnly, false);
    assert.equal(retention.configType, 5);
    assert.deepEqual(retention.synonyms.map((s: any) => [s.name, s.source]), [['retention.ms', 1], ['log.retention.ms', 5]]);
    assert.equal(retention.synonyms[1].value, '604800000');
    assert.match(retention.documentation, /deleted/);
    const bytes: any = byName.get('retention.bytes');
    assert.equal(bytes.value, '1073741824'); // log.retention.bytes set on the command line
    assert.equal(bytes.configSource, 4);
    assert.deepEqual(bytes.synonyms.map((s: any) => [s.name, s.value, s.source]), [['log.retention.bytes', '1073741824', 4], ['log.retention.bytes', '-1', 5]]);
    const compression: any = byName.get('compression.type');
    assert.deepEqual([compression.value, compression.configSource, compression.configType], ['producer', 5, 2]);
    assert.equal((byName.get('cleanup.policy') as any).value, 'compact,delete');
    assert.equal((byName.get('cleanup.policy') as any).configType, 7);
    assert.equal((byName.get('max.message.bytes') as any).value, '1048588');
  });

  test('only the keys asked for; no synonyms or docs unless asked; v1 and v2', async () => {
    const r = await describeTopic('dc', ['segment.bytes', 'min.insync.replicas', 'no.such.key'], 4, { includeSynonyms: false, includeDocumentation: false });
    assert.deepEqual(configMap(r), { 'min.insync.replicas': '1', 'segment.bytes': '1073741824' });
    assert.ok(r.configs.every((c: any) => c.synonyms.length === 0 && c.documentation === null));
    for (const v of [1, 2]) {
      const old = await describeTopic('dc', ['retention.ms'], v, { includeSynonyms: true, includeDocumentation: false });
      assert.equal(old.configs[0].value, '123456');
      assert.equal(old.configs[0].synonyms.length, 2);
    }
  });

  test('an empty configuration_keys list is every config, as null is; log.retention.ms is a synonym only when asked', async () => {
    for (const v of [1, 4]) {
      const all = await describeTopic('dc', null, v, { includeSynonyms: false, includeDocumentation: false });
      const empty = await describeTopic('dc', [], v, { includeSynonyms: false, includeDocumentation: false });
      assert.ok(all.configs.length >= 25, `${all.configs.length} configs`);
      assert.deepEqual(configMap(empty), configMap(all));
      assert.ok(empty.configs.every((c: any) => c.synonyms.length === 0));
      const asked = await describeTopic('dc', [], v, { includeSynonyms: true, includeDocumentation: false });
      const retention = asked.configs.find((c: any) => c.name === 'retention.ms');
      assert.deepEqual(retention.synonyms.map((s: any) => [s.name, s.source]), [['retention.ms', 1], ['log.retention.ms', 5]]);
    }
  });

  test('an unknown topic is UNKNOWN_TOPIC_OR_PARTITION; the broker resource lists its settings', async () => {
    assert.equal((await describeTopic('no-such-topic')).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const res = await client.request(ApiKey.DescribeConfigs, 4, {
      resources: [
        { resourceType: BROKER, resourceName: '1', configurationKeys: null },
        { resourceType: BROKER, resourceName: '', configurationKeys: null },
        { resourceType: BROKER, resourceName: '7', configurationKeys: null },
      ],
      includeSynonyms: true, includeDocumentation: false,
    });
    const [own, cluster, other] = res.results;
    assert.equal(own.errorCode, 0);
    const byName = new Map(own.configs.map((c: any) => [c.name, c]));
    const retentionBytes: any = byName.get('log.retention.bytes');
    // log.retention.bytes can change while the broker runs (a dynamic broker config); num.partitions cannot
    assert.deepEqual([retentionBytes.value, retentionBytes.configSource, retentionBytes.readOnly], ['1073741824', 4, false]);
    const partitions: any = byName.get('num.partitions');
    assert.deepEqual([partitions.value, partitions.configSource, partitions.configType, partitions.readOnly], ['1', 5, 3, true]);
    assert.equal((byName.get('compression.type') as any).value, 'producer');
    assert.deepEqual([cluster.errorCode, cluster.configs], [0, []]);
    assert.equal(other.errorCode, ErrorCode.INVALID_REQUEST);
  });
});

describe('AlterConfigs and IncrementalAlterConfigs', () => {
  test('AlterConfigs replaces the topic\'s set; validate-only changes nothing; bad input is refused', async () => {
    await createTopic('ac', 1, { 'retention.ms': '1000', 'segment.ms': '99999' });
    const alter = (configs: { name: string; value: string | null }[], validateOnly = false, version = 2) => client.request(ApiKey.AlterConfigs, version, {
      resources: [{ resourceType: TOPIC, resourceName: 'ac', configs }], validateOnly,
    }).then((r) => r.responses[0]);
    assert.equal((await alter([{ name: 'retention.ms', value: '5000' }], true)).errorCode, 0);
    assert.equal(configMap(await describeTopic('ac', ['retention.ms']))['retention.ms'], '1000');
    assert.equal((await alter([{ name: 'retention.ms', value: '5000' }, { name: 'max.message.bytes', value: '2000' }], false, 0)).errorCode, 0);
    const after = configMap(await describeTopic('ac', ['retention.ms', 'segment.ms', 'max.message.bytes']));
    assert.deepEqual(after, { 'max.message.bytes': '2000', 'retention.ms': '5000', 'segment.ms': '604800000' });
    // max.message.bytes is in effect at once
    const big = await produce('ac', 0, { records: [{ value: Buffer.alloc(3000) }] });
    assert.equal(big.errorCode, ErrorCode.MESSAGE_TOO_LARGE);
    const bad = await alter([{ name: 'retention.ms', value: 'soon' }]);
    assert.equal(bad.errorCode, ErrorCode.INVALID_CONFIG);
    assert.equal((await alter([{ name: 'no.such.config', value: '1' }])).errorCode, ErrorCode.INVALID_CONFIG);
    assert.equal((await alter([{ name: 'retention.ms', value: null }])).errorCode, ErrorCode.INVALID_REQUEST);
    const other = await client.request(ApiKey.AlterConfigs, 1, {
      resources: [{ resourceType: TOPIC, resourceName: 'nope', configs: [] }, { resourceType: BROKER, resourceName: '1', configs: [{ name: 'num.partitions', value: '3' }] }],
      validateOnly: false,
    });
    assert.deepEqual(other.responses.map((r: any) => r.errorCode), [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.INVALID_REQUEST]);
    assert.equal(configMap(await describeTopic('ac', ['retention.ms']))['retention.ms'], '5000');
  });

  test('IncrementalAlterConfigs: SET, DELETE, APPEND and SUBTRACT; duplicates and non-list appends are refused', async () => {
    await createTopic('iac', 1, { 'retention.ms': '1000' });
    const r1 = await incremental('iac', [
      { name: 'retention.ms', configOperation: 1, value: null },
      { name: 'min.insync.replicas', configOperation: 0, value: '2' },
      { name: 'cleanup.policy', configOperation: 2, value: 'compact' },
    ]);
    assert.equal(r1.errorCode, 0, r1.errorMessage);
    assert.deepEqual(configMap(await describeTopic('iac', ['retention.ms', 'min.insync.replicas', 'cleanup.policy'])),
      { 'cleanup.policy': 'delete,compact', 'min.insync.replicas': '2', 'retention.ms': '604800000' });
    assert.equal((await incremental('iac', [{ name: 'cleanup.policy', configOperation: 3, value: 'delete' }])).errorCode, 0);
    assert.equal(configMap(await describeTopic('iac', ['cleanup.policy']))['cleanup.policy'], 'compact');
    assert.equal((await incremental('iac', [{ name: 'retention.ms', configOperation: 2, value: '5' }])).errorCode, ErrorCode.INVALID_CONFIG);
    assert.equal((await incremental('iac', [{ name: 'retention.ms', configOperation: 0, value: '5' }, { name: 'retention.ms', configOperation: 1, value: null }])).errorCode, ErrorCode.INVALID_REQUEST);
    assert.equal((await incremental('iac', [{ name: 'retention.ms', configOperation: 9, value: '5' }])).errorCode, ErrorCode.INVALID_REQUEST);
    assert.equal((await incremental('iac', [{ name: 'segment.bytes', configOperation: 0, value: '-3' }])).errorCode, ErrorCode.INVALID_CONFIG);
    assert.equal((await incremental('iac', [{ name: 'segment.bytes', configOperation: 0, value: '1000' }], true)).errorCode, 0);
    assert.equal(configMap(await describeTopic('iac', ['segment.bytes']))['segment.bytes'], '1073741824');
  });

  test('min.insync.replicas above 1: acks=all is NOT_ENOUGH_REPLICAS and appends nothing; acks=1 is served', async () => {
    const refused = await produce('iac', 0, { records: 1 }, -1);
    assert.equal(refused.errorCode, ErrorCode.NOT_ENOUGH_REPLICAS);
    const served = await produce('iac', 0, { records: 1 }, 1);
    assert.deepEqual([served.errorCode, served.baseOffset], [0, 0]);
  });

  test('segment.bytes applies to the running partition at once', async () => {
    await createTopic('seg', 1);
    for (let i = 0; i < 3; i++) await produce('seg', 0, { records: 2, padding: 400 });
    const dir = path.join(broker.dataDir, 'seg-0');
    const segments = (): number => fs.readdirSync(dir).filter((n) => n.endsWith('.log')).length;
    assert.equal(segments(), 1);
    assert.equal((await incremental('seg', [{ name: 'segment.bytes', configOperation: 0, value: '1000' }])).errorCode, 0);
    for (let i = 0; i < 4; i++) await produce('seg', 0, { records: 2, padding: 400 });
    assert.ok(segments() >= 4, `${segments()} segments`);
  });
});

describe('CreatePartitions', () => {
  test('grows a topic; the new partitions take records and show in Metadata', async () => {
    await createTopic('cp', 1);
    const grow = (count: number, assignments: { brokerIds: number[] }[] | null = null, validateOnly = false, name = 'cp') =>
      client.request(ApiKey.CreatePartitions, 3, { topics: [{ name, count, assignments }], timeoutMs: 5000, validateOnly }).then((r) => r.results[0]);
    assert.equal((await grow(3, null, true)).errorCode, 0);
    assert.equal((await grow(3, [{ brokerIds: [1] }, { brokerIds: [1] }])).errorCode, 0);
    const meta = await client.request(ApiKey.Metadata, 12, { topics: [{ topicId: '00000000000000000000000000000000', name: 'cp' }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    assert.equal(meta.topics[0].partitions.length, 3);
    assert.equal((await produce('cp', 2, { records: 2 })).errorCode, 0);
    assert.equal((await grow(3)).errorCode, ErrorCode.INVALID_PARTITIONS);
    assert.equal((await grow(2)).errorCode, ErrorCode.INVALID_PARTITIONS);
    assert.equal((await grow(5, [{ brokerIds: [1] }])).errorCode, ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    assert.equal((await grow(5, [{ brokerIds: [2] }, { brokerIds: [1] }])).errorCode, ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    assert.equal((await grow(5, null, false, 'no-such')).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const dup = await client.request(ApiKey.CreatePartitions, 0, { topics: [{ name: 'cp', count: 9, assignments: null }, { name: 'cp', count: 9, assignments: null }], timeoutMs: 5000, validateOnly: false });
    assert.deepEqual(dup.results.map((r: any) => r.errorCode), [ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST]);
  });
});

describe('DeleteRecords, OffsetForLeaderEpoch and DescribeLogDirs', () => {
  test('DeleteRecords moves the log start offset; fetches below it are OFFSET_OUT_OF_RANGE', async () => {
    await createTopic('dr', 2, { 'segment.bytes': '1000' });
    for (let i = 0; i < 10; i++) await produce('dr', 0, { records: 3, padding: 100 });
    const del = (partitions: { partitionIndex: number; offset: number }[], topic = 'dr') =>
      client.request(ApiKey.DeleteRecords, 2, { topics: [{ name: topic, partitions }], timeoutMs: 5000 }).then((r) => r.topics[0].partitions);
    const segmentsBefore = fs.readdirSync(path.join(broker.dataDir, 'dr-0')).filter((n) => n.endsWith('.log')).length;
    const [p0] = await del([{ partitionIndex: 0, offset: 13 }]);
    assert.deepEqual([p0.errorCode, p0.lowWatermark], [0, 13]);
    const segmentsAfter = fs.readdirSync(path.join(broker.dataDir, 'dr-0')).filter((n) => n.endsWith('.log')).length;
    assert.ok(segmentsAfter < segmentsBefore, `${segmentsAfter} of ${segmentsBefore} segments left`);
    const below = await fetchAt('dr', 0, 12);
    assert.equal(below.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
    assert.equal(below.logStartOffset, 13);
    const at = await fetchAt('dr', 0, 13);
    assert.equal(at.errorCode, 0);
    assert.equal(at.logStartOffset, 13);
    assert.ok(decodeBatches(at.records).flatMap((b) => b.records.map((r) => r.offset)).includes(13));
    const earliest = await client.request(ApiKey.ListOffsets, 7, { replicaId: -1, isolationLevel: 0, topics: [{ name: 'dr', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -2 }] }] });
    assert.equal(earliest.topics[0].partitions[0].offset, 13);
    // lower than the log start offset: nothing changes; past the high watermark: OFFSET_OUT_OF_RANGE
    assert.equal((await del([{ partitionIndex: 0, offset: 5 }]))[0].lowWatermark, 13);
    const [past, other, unknown] = await del([{ partitionIndex: 0, offset: 31 }, { partitionIndex: 1, offset: -1 }, { partitionIndex: 7, offset: 0 }]);
    assert.equal(past.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
    assert.deepEqual([other.errorCode, other.lowWatermark], [0, 0]);
    assert.equal(unknown.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    // -1: up to the high watermark
    const [all] = await del([{ partitionIndex: 0, offset: -1 }]);
    assert.deepEqual([all.errorCode, all.lowWatermark], [0, 30]);
    assert.equal((await produce('dr', 0, { records: 1 })).baseOffset, 30);
    await client.request(ApiKey.FindCoordinator, 4, { key: '', keyType: 0, coordinatorKeys: ['g'] }); // __consumer_offsets exists from here
    assert.equal((await del([{ partitionIndex: 0, offset: 0 }], '__consumer_offsets'))[0].errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);
  });

  test('OffsetForLeaderEpoch answers from the leader epoch checkpoint', async () => {
    const ask = (partitions: { partition: number; currentLeaderEpoch: number; leaderEpoch: number }[], version = 4) =>
      client.request(ApiKey.OffsetForLeaderEpoch, version, { replicaId: -1, topics: [{ topic: 'dr', partitions }] }).then((r) => r.topics[0].partitions);
    const [current, undefinedEpoch, newer, unchecked, unknownEpoch, missing] = await ask([
      { partition: 0, currentLeaderEpoch: 0, leaderEpoch: 0 },
      { partition: 0, currentLeaderEpoch: -1, leaderEpoch: -1 },
      { partition: 0, currentLeaderEpoch: -1, leaderEpoch: 3 },
      { partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 },
      { partition: 0, currentLeaderEpoch: 1, leaderEpoch: 0 },
      { partition: 9, currentLeaderEpoch: -1, leaderEpoch: 0 },
    ]);
    assert.deepEqual([current.errorCode, current.leaderEpoch, current.endOffset], [0, 0, 31]);
    assert.deepEqual([undefinedEpoch.leaderEpoch, undefinedEpoch.endOffset], [-1, -1]);
    assert.deepEqual([newer.leaderEpoch, newer.endOffset], [-1, -1]);
    assert.deepEqual([unchecked.errorCode, unchecked.endOffset], [0, 31]); // current epoch -1: not checked
    assert.equal(unknownEpoch.errorCode, ErrorCode.UNKNOWN_LEADER_EPOCH);
    assert.equal(missing.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const [v2] = await ask([{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }], 2);
    assert.deepEqual([v2.leaderEpoch, v2.endOffset], [0, 31]);
    const checkpoint = fs.readFileSync(path.join(broker.dataDir, 'dr-0', 'leader-epoch-checkpoint'), 'utf8');
    assert.equal(checkpoint, '0\n1\n0 30\n');
  });

  test('DescribeLogDirs: each partition\'s size, and the file system\'s space at v4', async () => {
    for (const version of [1, 4]) {
      const res = await client.request(ApiKey.DescribeLogDirs, version, { topics: [{ topic: 'dr', partitions: [0, 1, 5] }, { topic: 'nope', partitions: [0] }] });
      assert.equal(res.results.length, 1);
      const dir = res.results[0];
      assert.equal(dir.errorCode, 0);
      assert.equal(dir.logDir, broker.dataDir);
      assert.deepEqual(dir.topics.map((t: any) => t.name), ['dr']);
      const sizes = dir.topics[0].partitions.map((p: any) => [p.partitionIndex, p.partitionSize]);
      const onDisk = (p: number): number => fs.readdirSync(path.join(broker.dataDir, `dr-${p}`)).filter((n) => n.endsWith('.log')).reduce((a, n) => a + fs.statSync(path.join(broker.dataDir, `dr-${p}`, n)).size, 0);
      assert.deepEqual(sizes, [[0, onDisk(0)], [1, 0]]);
      if (version === 4) assert.ok(dir.totalBytes > 0 && dir.usableBytes > 0 && dir.usableBytes <= dir.totalBytes);
    }
    const all = await client.request(ApiKey.DescribeLogDirs, 2, { topics: null });
    assert.ok(all.results[0].topics.some((t: any) => t.name === 'cp' && t.partitions.length === 3));
  });
});

describe('compression.type', () => {
  test('the broker recompresses batches into the topic\'s codec; producer keeps the producer\'s', async () => {
    const records = [{ key: 'k1', value: 'v1' }, { key: 'k2', value: 'v2'.repeat(100) }];
    for (const [type, codec] of [['gzip', 1], ['snappy', 2], ['lz4', 3], ['zstd', 4], ['uncompressed', 0]] as const) {
      const topic = `ct-${type}`;
      await createTopic(topic, 1, { 'compression.type': type });
      const plain = buildBatch({ records });
      const zstd = rebuildBatch(plain, 0, batchRecords(plain, 0), 4);
      assert.equal((await produce(topic, 0, plain)).errorCode, 0);
      assert.equal((await produce(topic, 0, zstd)).errorCode, 0);
      const batches = decodeBatches((await fetchAt(topic, 0, 0)).records);
      assert.deepEqual(batches.map((b) => b.compression), [codec, codec], type);
      assert.deepEqual(batches.flatMap((b) => b.records.map((r) => [r.offset, r.key!.toString(), r.value!.toString()])),
        [[0, 'k1', 'v1'], [1, 'k2', 'v2'.repeat(100)], [2, 'k1', 'v1'], [3, 'k2', 'v2'.repeat(100)]]);
    }
    await createTopic('ct-producer', 1);
    const lz4 = rebuildBatch(buildBatch({ records }), 0, batchRecords(buildBatch({ records }), 0), 3);
    assert.equal((await produce('ct-producer', 0, lz4)).errorCode, 0);
    assert.deepEqual(decodeBatches((await fetchAt('ct-producer', 0, 0)).records).map((b) => b.compression), [3]);
  });

  test('a batch whose records do not decompress is CORRUPT_MESSAGE when it would be recompressed', async () => {
    // says snappy (attributes 2), holds plain records: a valid CRC, but nothing snappy can read
    const fake = buildBatch({ records: 1, attributes: 2 });
    assert.equal((await produce('ct-gzip', 0, fake)).errorCode, ErrorCode.CORRUPT_MESSAGE);
    assert.equal((await produce('ct-producer', 0, fake)).errorCode, 0); // compression.type producer: stored as it came
  });
});

describe('after a restart', () => {
  test('altered configs, added partitions and the moved log start offset are all still there', async () => {
    await client.close();
    broker = await broker.restart();
    await connect();
    assert.equal(configMap(await describeTopic('ac', ['retention.ms']))['retention.ms'], '5000');
    assert.equal(configMap(await describeTopic('iac', ['min.insync.replicas']))['min.insync.replicas'], '2');
    assert.equal((await produce('iac', 0, { records: 1 }, -1)).errorCode, ErrorCode.NOT_ENOUGH_REPLICAS);
    const meta = await client.request(ApiKey.Metadata, 12, { topics: [{ topicId: '00000000000000000000000000000000', name: 'cp' }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    assert.equal(meta.topics[0].partitions.length, 3);
    const below = await fetchAt('dr', 0, 29);
    assert.deepEqual([below.errorCode, below.logStartOffset], [ErrorCode.OFFSET_OUT_OF_RANGE, 30]);
    const at = await fetchAt('dr', 0, 30);
    assert.deepEqual([at.errorCode, at.logStartOffset, at.highWatermark], [0, 30, 31]);
  });
});
