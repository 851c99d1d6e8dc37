// Log compaction end to end: a real broker process with a short log.cleaner.backoff.ms, a topic
// created by kafkajs with cleanup.policy=compact and the smallest segment.bytes (every batch its own
// segment), updates of a few keys and a tombstone produced with kafkajs. The cleaner removes the old
// values; the latest value per key is read back at its original offset with the raw client and with
// a kafkajs consumer, also after a restart. The same happens to __consumer_offsets: repeated commits
// of one group are compacted, and the last one is what the coordinator loads after a restart.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import type { Admin, Producer } from 'kafkajs';
import { BrokerProcess } from '../helpers/broker.js';
import { eventually } from '../helpers/clients.js';
import { RawClient } from '../helpers/raw-client.js';
import { ApiKey } from '../../src/protocol/messages/index.js';

const { Kafka, logLevel, Partitioners } = kafkajs;
const TOPIC = 'compacted';

let broker: BrokerProcess;
let kafka: InstanceType<typeof Kafka>;
let admin: Admin;
let producer: Producer;
let raw: RawClient;

async function connect(): Promise<void> {
  kafka = new Kafka({ clientId: 'samsa-compaction-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 100 } });
  admin = kafka.admin();
  await admin.connect();
  producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  raw = await RawClient.open(broker.bootstrap);
}

async function disconnect(): Promise<void> {
  await producer?.disconnect().catch(() => {});
  await admin?.disconnect().catch(() => {});
  await raw?.close();
}

before(async () => {
  broker = await BrokerProcess.start({
    overrides: {
      'log.cleaner.backoff.ms': 100, 'group.initial.rebalance.delay.ms': 0,
      'offsets.topic.num.partitions': 1, 'offsets.topic.segment.bytes': 100,
    },
  });
  await connect();
});

after(async () => {
  await disconnect();
  await broker?.dispose();
});

interface Rec { offset: number; key: string; value: string | null }

async function readBack(topic: string): Promise<{ records: Rec[]; highWatermark: number; logStartOffset: number }> {
  const r = await raw.readPartition(topic, 0);
  return {
    ...r,
    records: r.records.map((x) => ({ offset: x.offset, key: x.key?.toString() ?? '', value: x.value === null ? null : x.value.toString() })),
  };
}

describe('log compaction in a running broker', () => {
  const sent: Rec[] = [];
  let latest: Rec[] = [];

  test('old values and an expired tombstone go; the latest value per key stays at its original offset', async () => {
    await admin.createTopics({
      topics: [{
        topic: TOPIC, numPartitions: 1,
        configEntries: [
          { name: 'cleanup.policy', value: 'compact' }, { name: 'segment.bytes', value: '14' },
          { name: 'delete.retention.ms', value: '0' },
        ],
      }],
    });
    const send = async (messages: Array<{ key: string; value: string | null }>): Promise<void> => {
      const [meta] = await producer.send({ topic: TOPIC, acks: -1, messages });
      const base = Number(meta!.baseOffset);
      messages.forEach((m, i) => sent.push({ offset: base + i, key: m.key, value: m.value }));
    };
    await send([{ key: 'a', value: 'a0' }, { key: 'b', value: 'b0' }, { key: 'c', value: 'c0' }, { key: 'only-once', value: 'x' }]);
    await send([{ key: 'gone', value: 'g0' }]);
    for (let i = 1; i <= 12; i++) await send([{ key: ['a', 'b', 'c'][i % 3]!, value: `${['a', 'b', 'c'][i % 3]}${i}` }]);
    await send([{ key: 'gone', value: null }]);
    await send([{ key: 'a', value: 'a-last' }, { key: 'b', value: 'b-last' }]);
    const last = new Map<string, Rec>();
    for (const r of sent) last.set(r.key, r);
    latest = [...last.values()].filter((r) => r.value !== null).sort((x, y) => x.offset - y.offset);
    assert.equal(latest.length, 4);

    const seen = await eventually('the cleaner to leave one record per key', async () => {
      const r = await readBack(TOPIC);
      return JSON.stringify(r.records) === JSON.stringify(latest) ? r : undefined;
    }, 20_000, 100);
    assert.equal(seen.highWatermark, sent.length);
    assert.equal(seen.logStartOffset, 0);
    const line = broker.output.find((l) => l.includes('log cleaner compacted a partition') && l.includes(`"partition":"${TOPIC}-0"`));
    assert.ok(line !== undefined, 'a log line for the partition');
    const pass = JSON.parse(line) as { bytesBefore: number; bytesAfter: number };
    assert.ok(pass.bytesAfter < pass.bytesBefore, line);
  });

  test('a kafkajs consumer reads exactly the latest values, across the offset gaps', async () => {
    const consumer = kafka.consumer({ groupId: 'compaction-reader', maxWaitTimeInMs: 200 });
    const got: Rec[] = [];
    try {
      await consumer.connect();
      await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          got.push({ offset: Number(message.offset), key: message.key!.toString(), value: message.value === null ? null : message.value.toString() });
        },
      });
      await eventually('the consumer to read every record', async () => (got.length >= latest.length ? true : undefined), 20_000, 100);
    } finally {
      await consumer.disconnect().catch(() => {});
    }
    assert.deepEqual(got, latest);
  });

  test('repeated commits in __consumer_offsets are compacted; the last commit survives a restart', async () => {
    const groupId = 'compaction-commits';
    for (let i = 1; i <= 15; i++) {
      const r = await raw.request(ApiKey.OffsetCommit, 8, {
        groupId, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null,
        topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, committedOffset: i, committedLeaderEpoch: -1, committedMetadata: null }] }],
      });
      assert.equal(r.topics[0].partitions[0].errorCode, 0);
    }
    await eventually('__consumer_offsets to be compacted', async () => {
      const r = await readBack('__consumer_offsets');
      const ours = r.records.filter((x) => x.key.includes(groupId));
      return r.highWatermark >= 15 && ours.length === 1 ? true : undefined;
    }, 20_000, 100);

    await disconnect();
    broker = await broker.restart();
    await connect();
    const [t] = await eventually('the coordinator to load', async () => {
      const offsets = await admin.fetchOffsets({ groupId, topics: [TOPIC] });
      return offsets[0]?.partitions[0]?.offset === '15' ? offsets : undefined;
    }, 20_000, 200);
    assert.equal(t!.partitions[0]!.offset, '15');
    // the compacted topic reads the same after recovery
    assert.deepEqual((await readBack(TOPIC)).records, latest);
  });
});
