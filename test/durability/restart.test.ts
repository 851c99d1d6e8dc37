// Restart durability: what kafkajs produced (acks -1) before a clean stop (SIGTERM) is all there
// after a new broker process opens the same data directory: every record at its offset, the same
// topic ids and partition counts, offsets by timestamp, and producing continues from the old log
// end offset. One topic uses small segments so the logs span several segment files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import kafkajs from 'kafkajs';
import type { Message as KafkaMessage } from 'kafkajs';
import { BrokerProcess } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import type { DecodedRecord } from '../helpers/record-batch.js';
import { kafkaClient, type KafkaClient } from '../helpers/kafkajs.js';

const { Partitioners, CompressionTypes } = kafkajs;

function client(bootstrap: string): KafkaClient {
  return kafkaClient(bootstrap, 'samsa-restart-test', 2);
}

interface Expected { key: string; value: string; header: string }

const summary = (records: DecodedRecord[]): Array<[number, string | undefined, string | undefined, string | undefined]> =>
  records.map((r) => [r.offset, r.key?.toString(), r.value?.toString(), r.headers[0]?.value?.toString()]);

test('a clean restart keeps every record, topic ids and partition counts; offsets continue', async () => {
  let broker = await BrokerProcess.start();
  const dataDir = broker.dataDir;
  const clients: Array<{ disconnect(): Promise<void> }> = [];
  const raws: RawClient[] = [];
  try {
    const topics = { 'restart-three': 3, 'restart-small-segments': 2 } as const;
    let kafka = client(broker.bootstrap);
    let admin = kafka.admin();
    await admin.connect();
    clients.push(admin);
    assert.equal(await admin.createTopics({
      topics: [
        { topic: 'restart-three', numPartitions: 3 },
        { topic: 'restart-small-segments', numPartitions: 2, configEntries: [{ name: 'segment.bytes', value: '16384' }] },
      ],
    }), true);
    let producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
    await producer.connect();
    clients.push(producer);

    // expected[topic][partition][offset]
    const expected = new Map<string, Expected[][]>();
    for (const [t, n] of Object.entries(topics)) expected.set(t, Array.from({ length: n }, () => []));
    const t0 = Date.now() - 3_600_000;
    let seq = 0;
    const sendRound = async (round: number, compression?: number): Promise<void> => {
      for (const [topic, partitions] of Object.entries(topics)) {
        const messages: KafkaMessage[] = [];
        for (let p = 0; p < partitions; p++) {
          for (let i = 0; i < 10; i++) {
            const n = seq++;
            const m = { key: `k-${n}`, value: `${topic}/${p}/round-${round}/${n} `.padEnd(120, '#'), header: `h-${n}` };
            messages.push({ partition: p, key: m.key, value: m.value, headers: { h: m.header }, timestamp: String(t0 + round * 1000) });
            expected.get(topic)![p]!.push(m);
          }
        }
        const res = await producer.send({ topic, acks: -1, messages, compression });
        for (const r of res) {
          assert.equal(r.errorCode, 0);
          assert.equal(Number(r.baseOffset), expected.get(topic)![r.partition]!.length - 10, `${topic}-${r.partition} base offset`);
        }
      }
    };
    const rounds = 40;
    for (let round = 0; round < rounds; round++) await sendRound(round, round % 5 === 4 ? CompressionTypes.GZIP : undefined);

    let raw = await RawClient.open(broker.bootstrap);
    raws.push(raw);
    const idsBefore = new Map<string, { topicId: string; partitions: number }>();
    const snapshot = new Map<string, DecodedRecord[][]>();
    const byTimeBefore = new Map<string, unknown>();
    for (const topic of Object.keys(topics)) {
      idsBefore.set(topic, await raw.describeTopic(topic));
      const parts: DecodedRecord[][] = [];
      for (let p = 0; p < topics[topic as keyof typeof topics]; p++) parts.push((await raw.readPartition(topic, p)).records);
      snapshot.set(topic, parts);
      byTimeBefore.set(topic, await admin.fetchTopicOffsetsByTimestamp(topic, t0 + 17_500));
    }
    const segmentFiles = fs.readdirSync(`${dataDir}/restart-small-segments-0`).filter((f) => f.endsWith('.log'));
    assert.ok(segmentFiles.length > 3, `expected several segments, found ${segmentFiles.join(', ')}`);

    await producer.disconnect();
    await admin.disconnect();
    await raw.close();
    clients.length = 0;

    broker = await broker.restart();
    assert.equal(broker.dataDir, dataDir);

    raw = await RawClient.open(broker.bootstrap);
    raws.push(raw);
    kafka = client(broker.bootstrap);
    admin = kafka.admin();
    await admin.connect();
    clients.push(admin);

    for (const [topic, partitions] of Object.entries(topics)) {
      assert.deepEqual(await raw.describeTopic(topic), idsBefore.get(topic), `${topic}: id and partition count after the restart`);
      const md = await admin.fetchTopicMetadata({ topics: [topic] });
      assert.equal(md.topics[0]!.partitions.length, partitions);
      const offsets = await admin.fetchTopicOffsets(topic);
      for (const o of offsets) {
        assert.equal(o.low, '0');
        assert.equal(o.high, String(expected.get(topic)![o.partition]!.length), `${topic}-${o.partition} high watermark`);
      }
      for (let p = 0; p < partitions; p++) {
        const { records } = await raw.readPartition(topic, p);
        const want = expected.get(topic)![p]!;
        assert.equal(records.length, want.length, `${topic}-${p} record count`);
        assert.deepEqual(summary(records), want.map((m, offset) => [offset, m.key, m.value, m.header]), `${topic}-${p} records`);
        assert.deepEqual(summary(records), summary(snapshot.get(topic)![p]!), `${topic}-${p}: same as before the restart`);
      }
      assert.deepEqual(await admin.fetchTopicOffsetsByTimestamp(topic, t0 + 17_500), byTimeBefore.get(topic), `${topic}: offsets by timestamp`);
    }

    // producing continues at the old log end offsets
    producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
    await producer.connect();
    clients.push(producer);
    await sendRound(rounds);
    await sendRound(rounds + 1, CompressionTypes.GZIP);
    for (const [topic, partitions] of Object.entries(topics)) {
      for (let p = 0; p < partitions; p++) {
        const { records } = await raw.readPartition(topic, p);
        const want = expected.get(topic)![p]!;
        assert.equal(records.length, (rounds + 2) * 10);
        assert.deepEqual(summary(records), want.map((m, offset) => [offset, m.key, m.value, m.header]), `${topic}-${p} after producing again`);
      }
    }

    // a second restart, right after those appends, loses nothing either
    await producer.disconnect();
    await admin.disconnect();
    clients.length = 0;
    await raw.close();
    broker = await broker.restart();
    raw = await RawClient.open(broker.bootstrap);
    raws.push(raw);
    for (const [topic, partitions] of Object.entries(topics)) {
      for (let p = 0; p < partitions; p++) {
        const { records, highWatermark } = await raw.readPartition(topic, p);
        assert.equal(highWatermark, (rounds + 2) * 10);
        assert.deepEqual(summary(records), expected.get(topic)![p]!.map((m, offset) => [offset, m.key, m.value, m.header]));
      }
    }
  } finally {
    for (const c of clients) await c.disconnect().catch(() => {});
    for (const r of raws) await r.close();
    await broker.dispose();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a topic deleted before the restart stays deleted; one created after it gets a new id', async () => {
  let broker = await BrokerProcess.start();
  const dataDir = broker.dataDir;
  let raw: RawClient | undefined;
  try {
    const kafka = client(broker.bootstrap);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'restart-keep', numPartitions: 1 }, { topic: 'restart-drop', numPartitions: 2 }] });
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
    await producer.connect();
    await producer.send({ topic: 'restart-keep', acks: -1, messages: [{ value: 'kept' }] });
    await producer.send({ topic: 'restart-drop', acks: -1, messages: [{ partition: 1, value: 'dropped' }] });
    raw = await RawClient.open(broker.bootstrap);
    const dropId = (await raw.describeTopic('restart-drop')).topicId;
    await admin.deleteTopics({ topics: ['restart-drop'] });
    await producer.disconnect();
    await admin.disconnect();
    await raw.close();

    broker = await broker.restart();
    raw = await RawClient.open(broker.bootstrap);
    const md = await raw.metadata(null);
    const names = md.topics.map((t: { name: string }) => t.name);
    assert.ok(names.includes('restart-keep'));
    assert.ok(!names.includes('restart-drop'), `deleted topic came back: ${names.join(',')}`);
    assert.deepEqual((await raw.readPartition('restart-keep', 0)).records.map((r) => r.value?.toString()), ['kept']);

    const res = await raw.request(19, 5, { topics: [{ name: 'restart-drop', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
    assert.equal(res.topics[0].errorCode, 0);
    const again = await raw.describeTopic('restart-drop');
    assert.notEqual(again.topicId, dropId);
    assert.equal(again.partitions, 1);
    const read = await raw.readPartition('restart-drop', 0);
    assert.equal(read.highWatermark, 0, 'the re-created topic starts empty');
  } finally {
    await raw?.close();
    await broker.dispose();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
