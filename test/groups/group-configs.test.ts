// The GROUP config resource (type 32, KIP-848) over the wire against a real broker process:
// DescribeConfigs shows a group's consumer.session.timeout.ms and consumer.heartbeat.interval.ms
// (its own, GROUP_CONFIG, else the broker's, DEFAULT_CONFIG); IncrementalAlterConfigs and
// AlterConfigs change them within the broker's bounds, the group's next ConsumerGroupHeartbeat
// answers the new interval, and a restart keeps them.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { BrokerProcess } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import type { Message } from '../../src/protocol/codec.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { ApiKey } from '../../src/protocol/messages/index.js';

const GROUP = 32;
const GROUP_CONFIG = 8;
const DEFAULT_CONFIG = 5;
const TOPIC = 'group-config-topic';
let broker: BrokerProcess;
let raw: RawClient;

before(async () => {
  broker = await BrokerProcess.start({ overrides: { 'group.consumer.heartbeat.interval.ms': 6000, 'offsets.topic.num.partitions': 1 } });
  raw = await RawClient.open(broker.bootstrap);
  await raw.request(ApiKey.CreateTopics, 7, { topics: [{ name: TOPIC, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
});

after(async () => {
  await raw?.close();
  await broker?.dispose();
});

function join(group: string, memberId = randomUUID()): Promise<Message> {
  return raw.request(ApiKey.ConsumerGroupHeartbeat, 1, {
    groupId: group, memberId, memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: 5000,
    subscribedTopicNames: [TOPIC], subscribedTopicRegex: null, serverAssignor: null, topicPartitions: [],
  });
}

function heartbeat(group: string, memberId: string, memberEpoch: number): Promise<Message> {
  return raw.request(ApiKey.ConsumerGroupHeartbeat, 1, {
    groupId: group, memberId, memberEpoch, instanceId: null, rackId: null, rebalanceTimeoutMs: -1,
    subscribedTopicNames: null, subscribedTopicRegex: null, serverAssignor: null, topicPartitions: null,
  });
}

async function describeGroup(group: string): Promise<Message> {
  const res = await raw.request(ApiKey.DescribeConfigs, 4, { resources: [{ resourceType: GROUP, resourceName: group, configurationKeys: null }], includeSynonyms: true, includeDocumentation: true });
  return (res.results as Message[])[0]!;
}

const entry = (r: Message, name: string): Message => (r.configs as Message[]).find((c) => c.name === name)!;

async function alterGroup(group: string, configs: { name: string; configOperation: number; value: string | null }[], validateOnly = false): Promise<Message> {
  const res = await raw.request(ApiKey.IncrementalAlterConfigs, 1, { resources: [{ resourceType: GROUP, resourceName: group, configs }], validateOnly });
  return (res.responses as Message[])[0]!;
}

test('DescribeConfigs on a group: the broker\'s values with source DEFAULT_CONFIG until the group sets its own', async () => {
  const r = await describeGroup('gc-none');
  assert.equal(r.errorCode, 0);
  assert.deepEqual((r.configs as Message[]).map((c) => [c.name, c.value, c.configSource, c.readOnly]).sort(), [
    ['consumer.heartbeat.interval.ms', '6000', DEFAULT_CONFIG, false],
    ['consumer.session.timeout.ms', '45000', DEFAULT_CONFIG, false],
  ]);
  assert.equal(entry(r, 'consumer.heartbeat.interval.ms').configType, 3);
});

test('IncrementalAlterConfigs on a group: the next heartbeat answers the new interval; DescribeConfigs shows GROUP_CONFIG', async () => {
  const joined = await join('gc-live');
  assert.equal(joined.errorCode, 0);
  assert.equal(joined.heartbeatIntervalMs, 6000);
  assert.deepEqual(await alterGroup('gc-live', [{ name: 'consumer.heartbeat.interval.ms', configOperation: 0, value: '9000' }]),
    { errorCode: 0, errorMessage: null, resourceType: GROUP, resourceName: 'gc-live' });
  const next = await heartbeat('gc-live', joined.memberId as string, joined.memberEpoch as number);
  assert.equal(next.errorCode, 0);
  assert.equal(next.heartbeatIntervalMs, 9000);
  const r = await describeGroup('gc-live');
  const hb = entry(r, 'consumer.heartbeat.interval.ms');
  assert.deepEqual([hb.value, hb.configSource], ['9000', GROUP_CONFIG]);
  assert.deepEqual((hb.synonyms as Message[]).map((s) => [s.name, s.value, s.source]), [['consumer.heartbeat.interval.ms', '9000', GROUP_CONFIG]]);
  assert.equal(entry(r, 'consumer.session.timeout.ms').configSource, DEFAULT_CONFIG);
  // A member that joins later gets it too.
  assert.equal((await join('gc-live')).heartbeatIntervalMs, 9000);
});

test('bad group configs are INVALID_CONFIG with Kafka\'s messages; an empty name INVALID_REQUEST; validate_only changes nothing', async () => {
  const cases: [{ name: string; configOperation: number; value: string | null }[], number, RegExp][] = [
    [[{ name: 'consumer.heartbeat.interval.ms', configOperation: 0, value: '20000' }], ErrorCode.INVALID_CONFIG, /consumer\.heartbeat\.interval\.ms must be less than or equal to group\.consumer\.max\.heartbeat\.interval\.ms/],
    [[{ name: 'consumer.heartbeat.interval.ms', configOperation: 0, value: '1000' }], ErrorCode.INVALID_CONFIG, /must be greater than or equal to group\.consumer\.min\.heartbeat\.interval\.ms/],
    [[{ name: 'consumer.session.timeout.ms', configOperation: 0, value: '90000' }], ErrorCode.INVALID_CONFIG, /consumer\.session\.timeout\.ms must be less than or equal to group\.consumer\.max\.session\.timeout\.ms/],
    [[{ name: 'consumer.session.timeout.ms', configOperation: 0, value: 'soon' }], ErrorCode.INVALID_CONFIG, /Invalid value soon/],
    [[{ name: 'share.session.timeout.ms', configOperation: 0, value: '45000' }], ErrorCode.INVALID_CONFIG, /Unknown group config name: share\.session\.timeout\.ms/],
    [[{ name: 'consumer.session.timeout.ms', configOperation: 2, value: '45000' }], ErrorCode.INVALID_CONFIG, /append\/subtract is not allowed/],
  ];
  for (const [configs, errorCode, message] of cases) {
    const r = await alterGroup('gc-bad', configs);
    assert.equal(r.errorCode, errorCode, JSON.stringify(configs));
    assert.match(r.errorMessage as string, message);
  }
  const empty = await alterGroup('', [{ name: 'consumer.session.timeout.ms', configOperation: 0, value: '50000' }]);
  assert.equal(empty.errorCode, ErrorCode.INVALID_REQUEST);
  assert.equal((await describeGroup('')).errorCode, ErrorCode.INVALID_REQUEST);
  assert.equal((await alterGroup('gc-bad', [{ name: 'consumer.session.timeout.ms', configOperation: 0, value: '50000' }], true)).errorCode, 0);
  assert.equal(entry(await describeGroup('gc-bad'), 'consumer.session.timeout.ms').value, '45000');
});

test('AlterConfigs replaces a group\'s set; a restart keeps group configs; DELETE returns to the default', async () => {
  const res = await raw.request(ApiKey.AlterConfigs, 2, {
    resources: [{ resourceType: GROUP, resourceName: 'gc-kept', configs: [{ name: 'consumer.session.timeout.ms', value: '55000' }, { name: 'consumer.heartbeat.interval.ms', value: '7000' }] }],
    validateOnly: false,
  });
  assert.equal((res.responses as Message[])[0]!.errorCode, 0);
  await raw.close();
  broker = await broker.restart();
  raw = await RawClient.open(broker.bootstrap);
  const r = await describeGroup('gc-kept');
  assert.deepEqual([entry(r, 'consumer.session.timeout.ms').value, entry(r, 'consumer.heartbeat.interval.ms').value], ['55000', '7000']);
  assert.equal(entry(await describeGroup('gc-live'), 'consumer.heartbeat.interval.ms').value, '9000');
  let joined = await join('gc-kept');
  for (let i = 0; joined.errorCode === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS && i < 100; i++) joined = await join('gc-kept');
  assert.equal(joined.heartbeatIntervalMs, 7000);
  assert.equal((await alterGroup('gc-kept', [{ name: 'consumer.heartbeat.interval.ms', configOperation: 1, value: null }])).errorCode, 0);
  const after = entry(await describeGroup('gc-kept'), 'consumer.heartbeat.interval.ms');
  assert.deepEqual([after.value, after.configSource], ['6000', DEFAULT_CONFIG]);
});
