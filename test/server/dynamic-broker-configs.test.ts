// Dynamic broker configs against a real broker process: AlterConfigs (kafkajs admin) and
// IncrementalAlterConfigs (raw) on the BROKER resource, per broker (node id) and cluster-wide ('');
// DescribeConfigs shows DYNAMIC_BROKER_CONFIG and DYNAMIC_DEFAULT_BROKER_CONFIG in Kafka's order of
// precedence; a change reaches the produce path and the running partitions at once (a dynamic
// log.retention.ms deletes old segments of a topic without its own retention.ms); Kafka's errors
// for keys that cannot change, unknown keys, bad values and other brokers; a restart keeps them.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import kafkajs from 'kafkajs';
import type { Admin, Producer } from 'kafkajs';
import { ApiKey } from '../../src/protocol/messages/index.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import type { Message } from '../../src/protocol/codec.js';
import { BrokerProcess } from '../helpers/broker.js';
import { connectKafkajs, disconnectAll } from '../helpers/kafkajs.js';
import { eventually } from '../helpers/clients.js';
import { RawClient } from '../helpers/raw-client.js';

const { ConfigResourceTypes } = kafkajs;
const BROKER = 4;
const Source = { DYNAMIC_BROKER_CONFIG: 2, DYNAMIC_DEFAULT_BROKER_CONFIG: 3, STATIC_BROKER_CONFIG: 4, DEFAULT_CONFIG: 5 };

let broker: BrokerProcess;
let admin: Admin;
let producer: Producer;
let raw: RawClient;

async function connect(): Promise<void> {
  ({ admin, producer } = await connectKafkajs(broker.bootstrap, 'samsa-dynamic-test', 2));
  raw = await RawClient.open(broker.bootstrap);
}

async function disconnect(): Promise<void> {
  await disconnectAll(producer, admin);
  await raw?.close().catch(() => {});
}

before(async () => {
  broker = await BrokerProcess.start({ overrides: { 'log.retention.check.interval.ms': 200, 'log.retention.bytes': 1073741824 } });
  await connect();
});

after(async () => {
  await disconnect();
  await broker?.dispose();
});

async function describeBroker(name: string, keys: string[] | null = null): Promise<Map<string, Message>> {
  const res = await raw.request(ApiKey.DescribeConfigs, 4, { resources: [{ resourceType: BROKER, resourceName: name, configurationKeys: keys }], includeSynonyms: true, includeDocumentation: false });
  const result = (res.results as Message[])[0]!;
  assert.equal(result.errorCode, 0, result.errorMessage as string);
  return new Map((result.configs as Message[]).map((c) => [c.name as string, c]));
}

async function incremental(name: string, configs: { name: string; configOperation: number; value: string | null }[], validateOnly = false): Promise<Message> {
  const res = await raw.request(ApiKey.IncrementalAlterConfigs, 1, { resources: [{ resourceType: BROKER, resourceName: name, configs }], validateOnly });
  return (res.responses as Message[])[0]!;
}

const chain = (c: Message | undefined): [string, string | null, number][] => (c!.synonyms as Message[]).map((s) => [s.name as string, s.value as string | null, s.source as number]);

test('kafkajs alterConfigs on the broker: message.max.bytes takes effect at once; describeConfigs shows DYNAMIC_BROKER_CONFIG', async () => {
  await admin.createTopics({ topics: [{ topic: 'dyn-size', numPartitions: 1 }] });
  await producer.send({ topic: 'dyn-size', acks: -1, messages: [{ value: 'x'.repeat(3000) }] });
  await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.BROKER, name: '1', configEntries: [{ name: 'message.max.bytes', value: '2000' }] }] });
  await assert.rejects(producer.send({ topic: 'dyn-size', acks: -1, messages: [{ value: 'x'.repeat(3000) }] }), (err: Error & { type?: string }) => err.type === 'MESSAGE_TOO_LARGE');

  const described = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.BROKER, name: '1', configNames: ['message.max.bytes', 'log.retention.bytes', 'num.partitions'] }], includeSynonyms: true });
  const byName = new Map(described.resources[0]!.configEntries.map((e) => [e.configName, e]));
  const size = byName.get('message.max.bytes')!;
  assert.deepEqual([size.configValue, size.configSource, size.readOnly], ['2000', Source.DYNAMIC_BROKER_CONFIG, false]);
  assert.deepEqual(size.configSynonyms.map((s) => [s.configName, s.configValue, s.configSource]), [
    ['message.max.bytes', '2000', Source.DYNAMIC_BROKER_CONFIG], ['message.max.bytes', '1048588', Source.DEFAULT_CONFIG],
  ]);
  assert.equal(byName.get('log.retention.bytes')!.configSource, Source.STATIC_BROKER_CONFIG);
  assert.equal(byName.get('num.partitions')!.readOnly, true);
  // the topic's max.message.bytes follows its broker default
  const topic = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: 'dyn-size', configNames: ['max.message.bytes'] }], includeSynonyms: true });
  const max = topic.resources[0]!.configEntries[0]!;
  assert.deepEqual([max.configValue, max.configSource], ['2000', Source.DYNAMIC_BROKER_CONFIG]);
});

test('IncrementalAlterConfigs: cluster-wide defaults under per-broker values, in Kafka\'s precedence', async () => {
  assert.equal((await incremental('', [{ name: 'message.max.bytes', configOperation: 0, value: '5000' }])).errorCode, 0);
  let size = (await describeBroker('1', ['message.max.bytes'])).get('message.max.bytes');
  assert.deepEqual(chain(size), [
    ['message.max.bytes', '2000', Source.DYNAMIC_BROKER_CONFIG], ['message.max.bytes', '5000', Source.DYNAMIC_DEFAULT_BROKER_CONFIG],
    ['message.max.bytes', '1048588', Source.DEFAULT_CONFIG],
  ]);
  const cluster = await describeBroker('');
  assert.deepEqual([...cluster.keys()], ['message.max.bytes']);
  assert.equal(cluster.get('message.max.bytes')!.configSource, Source.DYNAMIC_DEFAULT_BROKER_CONFIG);

  assert.equal((await incremental('1', [{ name: 'message.max.bytes', configOperation: 1, value: null }])).errorCode, 0);
  size = (await describeBroker('1', ['message.max.bytes'])).get('message.max.bytes');
  assert.deepEqual([size!.value, size!.configSource], ['5000', Source.DYNAMIC_DEFAULT_BROKER_CONFIG]);
  await producer.send({ topic: 'dyn-size', acks: -1, messages: [{ value: 'x'.repeat(3000) }] });

  // APPEND to a list config starts from the value in effect
  assert.equal((await incremental('', [{ name: 'log.cleanup.policy', configOperation: 2, value: 'compact' }])).errorCode, 0);
  const policy = (await describeBroker('1', ['log.cleanup.policy'])).get('log.cleanup.policy')!;
  assert.deepEqual([policy.value, policy.configSource], ['delete,compact', Source.DYNAMIC_DEFAULT_BROKER_CONFIG]);
  assert.equal((await incremental('', [{ name: 'log.cleanup.policy', configOperation: 1, value: null }])).errorCode, 0);
});

test('Kafka\'s errors: a key that cannot change, an unknown key, a bad value, another broker; validate_only changes nothing', async () => {
  const fixed = await incremental('1', [{ name: 'num.partitions', configOperation: 0, value: '3' }]);
  assert.deepEqual([fixed.errorCode, fixed.errorMessage], [ErrorCode.INVALID_REQUEST, 'Cannot update these configs dynamically: Set(num.partitions)']);
  const unknown = await incremental('', [{ name: 'no.such.config', configOperation: 0, value: '1' }]);
  assert.equal(unknown.errorCode, ErrorCode.INVALID_CONFIG);
  const bad = await incremental('1', [{ name: 'log.retention.ms', configOperation: 0, value: 'soon' }]);
  assert.equal(bad.errorCode, ErrorCode.INVALID_CONFIG);
  assert.match(bad.errorMessage as string, /log\.retention\.ms/);
  const small = await incremental('1', [{ name: 'log.segment.bytes', configOperation: 0, value: '10' }]);
  assert.equal(small.errorCode, ErrorCode.INVALID_CONFIG);
  const other = await incremental('7', [{ name: 'log.retention.ms', configOperation: 0, value: '1000' }]);
  assert.equal(other.errorCode, ErrorCode.INVALID_REQUEST);
  assert.equal((await incremental('1', [{ name: 'log.retention.ms', configOperation: 0, value: '1000' }], true)).errorCode, 0);
  const retention = (await describeBroker('1', ['log.retention.ms'])).get('log.retention.ms')!;
  assert.deepEqual([retention.value, retention.configSource], [null, Source.DEFAULT_CONFIG]);
});

test('a dynamic log.retention.ms deletes the old segments of a topic without its own retention.ms, at once', async () => {
  const segments = (topic: string): number => fs.readdirSync(path.join(broker.dataDir, `${topic}-0`)).filter((n) => n.endsWith('.log')).length;
  const lowOf = async (topic: string): Promise<number> => Number((await admin.fetchTopicOffsets(topic))[0]!.low);
  await admin.createTopics({ topics: [
    { topic: 'dyn-ret', numPartitions: 1, configEntries: [{ name: 'segment.bytes', value: '1000' }] },
    { topic: 'dyn-ret-own', numPartitions: 1, configEntries: [{ name: 'segment.bytes', value: '1000' }, { name: 'retention.ms', value: '-1' }] },
  ] });
  const old = Date.now() - 2 * 3_600_000;
  for (const topic of ['dyn-ret', 'dyn-ret-own']) {
    for (let i = 0; i < 30; i++) await producer.send({ topic, acks: -1, messages: [{ partition: 0, value: `old ${i} ${'.'.repeat(150)}`, timestamp: String(old) }] });
    for (let i = 0; i < 10; i++) await producer.send({ topic, acks: -1, messages: [{ partition: 0, value: `new ${i} ${'.'.repeat(150)}` }] });
  }
  assert.ok(segments('dyn-ret') > 3);
  assert.equal(await lowOf('dyn-ret'), 0, 'the default retention keeps everything');

  await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.BROKER, name: '1', configEntries: [{ name: 'log.retention.ms', value: '3600000' }] }] });
  const low = await eventually('the dynamic log.retention.ms to delete the old segments', async () => {
    const l = await lowOf('dyn-ret');
    return l > 0 ? l : undefined;
  }, 20_000, 100);
  assert.ok(low > 20 && low <= 30, `log start offset ${low}`);
  assert.equal(await lowOf('dyn-ret-own'), 0, 'a topic\'s own retention.ms beats the broker\'s');
  const topic = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: 'dyn-ret', configNames: ['retention.ms'] }], includeSynonyms: true });
  const entry = topic.resources[0]!.configEntries[0]!;
  assert.deepEqual([entry.configValue, entry.configSource], ['3600000', Source.DYNAMIC_BROKER_CONFIG]);
  assert.deepEqual(entry.configSynonyms.map((s) => [s.configName, s.configSource]), [
    ['log.retention.ms', Source.DYNAMIC_BROKER_CONFIG], ['log.retention.ms', Source.DEFAULT_CONFIG],
  ]);
});

test('a restart keeps the dynamic configs, per broker and cluster-wide', async () => {
  await disconnect();
  broker = await broker.restart();
  await connect();
  assert.ok(fs.existsSync(path.join(broker.dataDir, 'samsa-broker-configs.json')));
  const configs = await describeBroker('1', ['log.retention.ms', 'message.max.bytes']);
  assert.deepEqual([configs.get('log.retention.ms')!.value, configs.get('log.retention.ms')!.configSource], ['3600000', Source.DYNAMIC_BROKER_CONFIG]);
  assert.deepEqual([configs.get('message.max.bytes')!.value, configs.get('message.max.bytes')!.configSource], ['5000', Source.DYNAMIC_DEFAULT_BROKER_CONFIG]);
  await assert.rejects(producer.send({ topic: 'dyn-size', acks: -1, messages: [{ value: 'x'.repeat(6000) }] }), (err: Error & { type?: string }) => err.type === 'MESSAGE_TOO_LARGE');
});
