// kafkajs 2.2.4's own request and response code at the oldest versions it has, over its own
// Connection against a real broker: ListOffsets v0, OffsetCommit v0-1 then OffsetFetch v1,
// CreateTopics v0-1, DeleteTopics v0, DescribeConfigs v0; and Produce v0-2 (message format v0/v1,
// not served): UNSUPPORTED_VERSION for each partition, nothing appended, acks 0 closes. kafkajs picks the highest version both
// sides know (lookup() in kafkajs/src/protocol/requests/index.js takes the broker's max, never its
// min), so it sends these only to brokers whose newest version they are (ListOffsets v0 to a
// 0.10.0 broker); here each version is pinned to send exactly what it would.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { BrokerProcess } from '../helpers/broker.js';
import { buildBatch } from '../records/build-batch.js';
import { RawClient } from '../helpers/raw-client.js';
import { eventually } from '../helpers/clients.js';

const require = createRequire(import.meta.url);
const Connection = require('kafkajs/src/network/connection');
const socketFactory = require('kafkajs/src/network/socketFactory');
const { createLogger, LEVELS } = require('kafkajs/src/loggers');
const requests = (api: string): any => require(`kafkajs/src/protocol/requests/${api}/index.js`);

let broker: BrokerProcess;
let connection: any;

/** One request of kafkajs's at a pinned version; answers what kafkajs's parser makes of the response. */
async function send(api: string, version: number, args: Record<string, unknown>): Promise<any> {
  return connection.send(requests(api).protocol({ version })(args));
}

async function connect(): Promise<any> {
  const logger = createLogger({ level: LEVELS.NOTHING, logCreator: () => () => {} });
  const c = new Connection({ host: '127.0.0.1', port: broker.port, logger, socketFactory: socketFactory(), requestTimeout: 15_000, connectionTimeout: 5_000, clientId: 'kafkajs-old' });
  await c.connect();
  return c;
}

before(async () => {
  broker = await BrokerProcess.start();
  connection = await connect();
});
after(async () => {
  await connection.disconnect();
  await broker.dispose();
});

test('kafkajs CreateTopics v0 and v1, then DeleteTopics v0', async () => {
  await send('createTopics', 0, { topics: [{ topic: 'kjs-old-0', numPartitions: 2, replicationFactor: 1 }], timeout: 5000 });
  await send('createTopics', 1, { topics: [{ topic: 'kjs-old-1', numPartitions: 1, replicationFactor: 1 }], validateOnly: true, timeout: 5000 });
  await assert.rejects(send('createTopics', 1, { topics: [{ topic: 'kjs-old-0', numPartitions: 1, replicationFactor: 1 }], validateOnly: false, timeout: 5000 }), (err: Error & { errors?: { type: string }[] }) => err.name === 'KafkaJSAggregateError' && err.errors?.[0]?.type === 'TOPIC_ALREADY_EXISTS');
  const md = await send('metadata', 0, { topics: [] });
  const names = md.topicMetadata.map((t: { topic: string }) => t.topic);
  assert.ok(names.includes('kjs-old-0'));
  assert.ok(!names.includes('kjs-old-1'), 'validate only creates nothing');
  await send('deleteTopics', 0, { topics: ['kjs-old-0'], timeout: 5000 });
  const after = await send('metadata', 0, { topics: [] });
  assert.ok(!after.topicMetadata.some((t: { topic: string }) => t.topic === 'kjs-old-0'));
});

test('kafkajs ListOffsets v0: latest and earliest as old-style offsets', async () => {
  await send('createTopics', 0, { topics: [{ topic: 'kjs-old-offsets', numPartitions: 1, replicationFactor: 1 }], timeout: 5000 });
  const raw = await RawClient.connect('127.0.0.1', broker.port);
  assert.equal((await raw.produce('kjs-old-offsets', 0, buildBatch({ baseTimestamp: Date.now(), records: 5 }))).errorCode, 0);
  await raw.close();
  const res = await send('listOffsets', 0, { replicaId: -1, topics: [{ topic: 'kjs-old-offsets', partitions: [{ partition: 0, timestamp: -1, maxNumOffsets: 1 }, { partition: 0, timestamp: -2 }] }] });
  assert.deepEqual(res.responses, [{ topic: 'kjs-old-offsets', partitions: [{ partition: 0, errorCode: 0, offsets: ['5'] }, { partition: 0, errorCode: 0, offsets: ['0'] }] }]);
});

test('kafkajs OffsetCommit v0 and v1, read back with OffsetFetch v1', async () => {
  const fetched = async (groupId: string) => {
    const res = await send('offsetFetch', 1, { groupId, topics: [{ topic: 'kjs-old-offsets', partitions: [{ partition: 0 }] }] });
    return res.responses[0].partitions[0];
  };
  await send('offsetCommit', 0, { groupId: 'kjs-old-g0', topics: [{ topic: 'kjs-old-offsets', partitions: [{ partition: 0, offset: '3' }] }] });
  assert.equal((await fetched('kjs-old-g0')).offset, '3');
  await send('offsetCommit', 1, { groupId: 'kjs-old-g1', groupGenerationId: -1, memberId: '', topics: [{ topic: 'kjs-old-offsets', partitions: [{ partition: 0, offset: '4' }] }] });
  assert.equal((await fetched('kjs-old-g1')).offset, '4');
});

test('kafkajs DescribeConfigs v0', async () => {
  const res = await send('describeConfigs', 0, { resources: [{ type: 2, name: 'kjs-old-offsets', configNames: ['cleanup.policy'] }] });
  assert.deepEqual(res.resources[0].configEntries.map((e: { configName: string; configValue: string; isDefault: boolean }) => [e.configName, e.configValue, e.isDefault]), [['cleanup.policy', 'delete', true]]);
});

test('kafkajs Produce v0-2 (magic 0 and 1 message sets): UNSUPPORTED_VERSION, nothing appended; acks 0 closes the connection', async () => {
  await send('createTopics', 0, { topics: [{ topic: 'kjs-old-produce', numPartitions: 1, replicationFactor: 1 }], timeout: 5000 });
  const topicData = [{ topic: 'kjs-old-produce', partitions: [{ partition: 0, messages: [{ key: 'k', value: 'v', timestamp: Date.now() }] }] }];
  for (const version of [0, 1, 2]) {
    await assert.rejects(send('produce', version, { acks: -1, timeout: 5000, topicData }), (err: Error & { type?: string }) => err.type === 'UNSUPPORTED_VERSION', `Produce v${version}`);
  }
  const latest = await send('listOffsets', 0, { replicaId: -1, topics: [{ topic: 'kjs-old-produce', partitions: [{ partition: 0, timestamp: -1 }] }] });
  assert.deepEqual(latest.responses[0].partitions[0].offsets, ['0'], 'nothing appended');

  const before = broker.output.length;
  await send('produce', 1, { acks: 0, timeout: 5000, topicData });
  await broker.waitForLine(/Produce v1 \(message format v0\/v1\) is not served/, 10_000);
  await eventually('the broker closes the connection', async () => (broker.output.slice(before).some((l) => /connection closed/.test(l)) ? true : undefined));
  connection = await connect();
});
