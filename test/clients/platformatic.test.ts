// @platformatic/kafka 1.35 against a real Samsa broker process. This client speaks only flexible
// versions (ApiVersions v3+, Metadata v9+, CreateTopics v7, Produce v9+, Fetch v13+ by topic id,
// ListOffsets v6+). Covered: Admin (create/list/delete topics, metadata, listOffsets), Producer
// (keys, headers, partitions, acks, gzip/snappy/lz4), and reading back with the Consumer's
// group-free calls: fetch() (Fetch by topic id, long poll) and listOffsets(). Its group consumer
// (consume() with the classic protocol and with KIP-848) is tested in platformatic-groups.test.ts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Admin, Consumer, Producer, ProduceAcks, stringSerializers, type KafkaRecord } from '@platformatic/kafka';
import { BrokerProcess } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { errorTypes } from '../helpers/clients.js';

let broker: BrokerProcess;
let admin: Admin;
let producer: Producer<string, string, string, string>;
let consumer: Consumer;
let raw: RawClient;
let nodeId: number;

const clientOptions = (): { clientId: string; bootstrapBrokers: string[]; retries: number; retryDelay: number } => ({
  clientId: 'samsa-platformatic-test', bootstrapBrokers: [broker.bootstrap], retries: 2, retryDelay: 100,
});

before(async () => {
  broker = await BrokerProcess.start();
  admin = new Admin(clientOptions());
  producer = new Producer({ ...clientOptions(), serializers: stringSerializers, autocreateTopics: false });
  // groupId is mandatory, but fetch() and listOffsets() never touch the group
  consumer = new Consumer({ ...clientOptions(), groupId: 'samsa-unused-group' });
  raw = await RawClient.open(broker.bootstrap);
  const md = await raw.metadata(null);
  nodeId = md.brokers[0].nodeId;
});

after(async () => {
  await producer?.close().catch(() => {});
  await consumer?.close().catch(() => {});
  await admin?.close().catch(() => {});
  await raw?.close();
  await broker?.dispose();
});

const hex = (uuid: string): string => uuid.replace(/-/g, '').toLowerCase();

async function topicId(topic: string): Promise<string> {
  const md = await consumer.metadata({ topics: [topic], forceUpdate: true });
  return md.topics.get(topic)!.id;
}

interface ReadRecord { offset: number; key: string | null; value: string | null; headers: Array<[string, string]>; timestamp: bigint }

/** Reads a whole partition with the Consumer's fetch() (Fetch v13+ by topic id). */
async function fetchAll(topic: string, partition: number): Promise<{ records: ReadRecord[]; batches: Array<{ firstOffset: bigint; attributes: number; count: number }>; highWatermark: bigint }> {
  const id = await topicId(topic);
  const records: ReadRecord[] = [];
  const batches: Array<{ firstOffset: bigint; attributes: number; count: number }> = [];
  let next = 0n;
  let hw = -1n;
  for (let round = 0; round < 1000; round++) {
    const res = await consumer.fetch({
      node: nodeId,
      maxWaitTime: 0,
      minBytes: 0,
      topics: [{ topicId: id, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: next, lastFetchedEpoch: -1, partitionMaxBytes: 16 * 1024 }] }],
    });
    const p = res.responses[0]!.partitions[0]!;
    assert.equal(p.errorCode, 0, `fetch ${topic}-${partition}@${next}`);
    assert.equal(hex(res.responses[0]!.topicId), hex(id));
    hw = p.highWatermark;
    if (next >= hw) break;
    const before = next;
    for (const b of p.records ?? []) {
      batches.push({ firstOffset: b.firstOffset, attributes: b.attributes, count: b.records.length });
      for (const r of b.records as KafkaRecord[]) {
        const offset = b.firstOffset + BigInt(r.offsetDelta);
        if (offset < next) continue;
        records.push({
          offset: Number(offset),
          key: r.key === null ? null : r.key.toString(),
          value: r.value === null ? null : r.value.toString(),
          headers: r.headers.map(([k, v]) => [k?.toString() ?? '<null>', v?.toString() ?? '<null>']),
          timestamp: b.firstTimestamp + r.timestampDelta,
        });
        next = offset + 1n;
      }
    }
    assert.ok(next > before, `fetch ${topic}-${partition}@${next}: no progress below high watermark ${hw}`);
  }
  return { records, batches, highWatermark: hw };
}

describe('@platformatic/kafka admin', () => {
  test('createTopics (with and without configs), listTopics, metadata', async () => {
    const created = await admin.createTopics({ topics: ['pl-three'], partitions: 3, replicas: 1 });
    assert.equal(created.length, 1);
    assert.equal(created[0]!.name, 'pl-three');
    assert.equal(created[0]!.partitions, 3);
    assert.equal(created[0]!.replicas, 1);
    assert.match(hex(created[0]!.id), /^[0-9a-f]{32}$/);
    assert.notEqual(hex(created[0]!.id), '0'.repeat(32));

    const withConfigs = await admin.createTopics({
      topics: ['pl-configs'], partitions: 1,
      configs: [{ name: 'retention.ms', value: '3600000' }, { name: 'max.message.bytes', value: '4096' }],
    });
    assert.equal(withConfigs[0]!.configuration['retention.ms'], '3600000');
    assert.equal(withConfigs[0]!.configuration['max.message.bytes'], '4096');

    const names = await admin.listTopics();
    assert.ok(names.includes('pl-three') && names.includes('pl-configs'), names.join(','));

    const md = await admin.metadata({ topics: ['pl-three', 'pl-configs'], forceUpdate: true });
    assert.equal(md.brokers.size, 1);
    const b = md.brokers.get(nodeId)!;
    assert.equal(b.host, '127.0.0.1');
    assert.equal(b.port, broker.port);
    assert.equal(md.controllerId, nodeId);
    const three = md.topics.get('pl-three')!;
    assert.equal(three.partitionsCount, 3);
    assert.equal(hex(three.id), hex(created[0]!.id));
    for (const p of three.partitions) {
      assert.equal(p.leader, nodeId);
      assert.deepEqual(p.replicas, [nodeId]);
      assert.deepEqual(p.isr, [nodeId]);
    }
    // the same id as the broker reports to a raw Metadata v12
    assert.equal((await raw.describeTopic('pl-three')).topicId, hex(created[0]!.id));

    // the max.message.bytes config is in effect
    await assert.rejects(
      producer.send({ acks: ProduceAcks.ALL, messages: [{ topic: 'pl-configs', partition: 0, value: 'x'.repeat(10_000) }] }),
      (err: unknown) => {
        assert.ok(errorTypes(err).includes('MESSAGE_TOO_LARGE'), errorTypes(err).join(', '));
        return true;
      },
    );
  });

  test('createTopics of an existing topic fails with TOPIC_ALREADY_EXISTS', async () => {
    await admin.createTopics({ topics: ['pl-exists'], partitions: 2 });
    await assert.rejects(admin.createTopics({ topics: ['pl-exists'], partitions: 4 }), (err: unknown) => {
      assert.ok(errorTypes(err).includes('TOPIC_ALREADY_EXISTS'), errorTypes(err).join(', '));
      return true;
    });
    const md = await admin.metadata({ topics: ['pl-exists'], forceUpdate: true });
    assert.equal(md.topics.get('pl-exists')!.partitionsCount, 2);
  });

  test('deleteTopics: gone from listTopics and Metadata', async () => {
    await admin.createTopics({ topics: ['pl-doomed'], partitions: 1 });
    await producer.send({ acks: ProduceAcks.ALL, messages: [{ topic: 'pl-doomed', partition: 0, value: 'bye' }] });
    const id = (await raw.describeTopic('pl-doomed')).topicId;
    await admin.deleteTopics({ topics: ['pl-doomed'] });
    assert.ok(!(await admin.listTopics()).includes('pl-doomed'));
    // the client turns the broker's UNKNOWN_TOPIC_OR_PARTITION (code 3) into this UserError
    await assert.rejects(admin.metadata({ topics: ['pl-doomed'], forceUpdate: true, autocreateTopics: false }), /Unknown topic pl-doomed\./);
    assert.equal((await raw.metadata(['pl-doomed'])).topics[0].errorCode, 3);
    // a Fetch by the old topic id: UNKNOWN_TOPIC_ID
    const res = await raw.fetchOnce('pl-doomed', 0, 0, { version: 13, topicId: id });
    assert.equal(res.responses[0].partitions[0].errorCode, 100, 'UNKNOWN_TOPIC_ID');
  });
});

describe('@platformatic/kafka producer and fetch', () => {
  test('keys and headers to three partitions (acks all, then leader); fetch by topic id reads them at their offsets', async () => {
    const topic = 'pl-produce';
    await admin.createTopics({ topics: [topic], partitions: 3 });
    const per = 6;
    const messages = (round: number) => {
      const out = [];
      for (let p = 0; p < 3; p++) {
        for (let i = 0; i < per; i++) {
          const n = round * per + i;
          out.push({ topic, partition: p, key: `k-${p}-${n}`, value: `v-${p}-${n}`, headers: { trace: `t-${n}`, part: String(p) } });
        }
      }
      return out;
    };
    const first = await producer.send({ acks: ProduceAcks.ALL, messages: messages(0) });
    assert.deepEqual(first.offsets!.map((o) => [o.topic, o.partition, o.offset]).sort(), [[topic, 0, 0n], [topic, 1, 0n], [topic, 2, 0n]]);
    const second = await producer.send({ acks: ProduceAcks.LEADER, messages: messages(1) });
    assert.deepEqual(second.offsets!.map((o) => [o.topic, o.partition, o.offset]).sort(), [[topic, 0, BigInt(per)], [topic, 1, BigInt(per)], [topic, 2, BigInt(per)]]);

    for (let p = 0; p < 3; p++) {
      const { records, highWatermark } = await fetchAll(topic, p);
      assert.equal(highWatermark, BigInt(2 * per));
      assert.deepEqual(records.map((r) => [r.offset, r.key, r.value, r.headers]),
        Array.from({ length: 2 * per }, (_, n) => [n, `k-${p}-${n}`, `v-${p}-${n}`, [['trace', `t-${n}`], ['part', String(p)]]]));
      // and the raw helper, at Fetch v13 (by id) and v17, sees the same
      for (const version of [13, 17]) {
        const rawRead = await raw.readPartition(topic, p, { version });
        assert.deepEqual(rawRead.records.map((r) => [r.offset, r.key?.toString(), r.value?.toString()]),
          records.map((r) => [r.offset, r.key, r.value]), `Fetch v${version}`);
      }
    }

    const latest = await consumer.listOffsets({ topics: [topic] });
    assert.deepEqual(latest.get(topic), [BigInt(2 * per), BigInt(2 * per), BigInt(2 * per)]);
    const earliest = await consumer.listOffsets({ topics: [topic], timestamp: -2n });
    assert.deepEqual(earliest.get(topic), [0n, 0n, 0n]);
    const listed = await admin.listOffsets({ topics: [{ name: topic, partitions: [{ partitionIndex: 1, timestamp: -1n }, { partitionIndex: 2, timestamp: -2n }] }] });
    assert.deepEqual(listed[0]!.partitions.map((p) => [p.partitionIndex, p.offset]).sort(), [[1, BigInt(2 * per)], [2, 0n]]);
  });

  test('key-hashed partitioning without explicit partitions', async () => {
    const topic = 'pl-keyed';
    await admin.createTopics({ topics: [topic], partitions: 3 });
    const msgs = Array.from({ length: 30 }, (_, i) => ({ topic, key: `user-${i % 5}`, value: `e-${i}` }));
    const res = await producer.send({ acks: ProduceAcks.ALL, messages: msgs });
    assert.ok(res.offsets!.length >= 1);
    const where = new Map<string, number>();
    let total = 0;
    for (let p = 0; p < 3; p++) {
      const { records } = await fetchAll(topic, p);
      total += records.length;
      for (const r of records) {
        const seen = where.get(r.key!);
        assert.ok(seen === undefined || seen === p, `${r.key} in two partitions`);
        where.set(r.key!, p);
      }
      const perKey = new Map<string, string[]>();
      for (const r of records) perKey.set(r.key!, [...(perKey.get(r.key!) ?? []), r.value!]);
      for (const [k, values] of perKey) {
        const u = Number(k.slice(5));
        assert.deepEqual(values, [0, 1, 2, 3, 4, 5].map((j) => `e-${u + 5 * j}`), `order of ${k}`);
      }
    }
    assert.equal(total, 30);
  });

  for (const compression of ['gzip', 'snappy', 'lz4'] as const) {
    test(`${compression} batches are stored as sent and read back whole`, async () => {
      const topic = `pl-${compression}`;
      await admin.createTopics({ topics: [topic], partitions: 1 });
      await producer.send({ acks: ProduceAcks.ALL, messages: [{ topic, partition: 0, key: 'a', value: 'plain' }] });
      const msgs = Array.from({ length: 50 }, (_, i) => ({ topic, partition: 0, key: `c-${i}`, value: `${compression} payload ${i} `.repeat(10), headers: { i: String(i) } }));
      const res = await producer.send({ acks: ProduceAcks.ALL, compression, messages: msgs });
      assert.equal(res.offsets![0]!.offset, 1n);
      const { records, batches } = await fetchAll(topic, 0);
      const bitmask = { gzip: 1, snappy: 2, lz4: 3 }[compression];
      assert.deepEqual(batches.map((b) => [b.firstOffset, b.attributes & 7, b.count]), [[0n, 0, 1], [1n, bitmask, 50]]);
      assert.equal(records.length, 51);
      records.slice(1).forEach((r, i) => {
        assert.equal(r.offset, i + 1);
        assert.equal(r.key, `c-${i}`);
        assert.equal(r.value, `${compression} payload ${i} `.repeat(10));
        assert.deepEqual(r.headers, [['i', String(i)]]);
      });
      if (compression === 'gzip') {
        // the raw helper inflates gzip itself: an independent check of the stored bytes
        const rawRead = await raw.readPartition(topic, 0, { version: 16 });
        assert.deepEqual(rawRead.records.map((r) => r.value?.toString()), records.map((r) => r.value));
      }
    });
  }

  test('timestamps: listOffsetsWithTimestamps by time, max timestamp', async () => {
    const topic = 'pl-times';
    await admin.createTopics({ topics: [topic], partitions: 1 });
    const t0 = BigInt(Date.now() - 100_000);
    for (let i = 0; i < 4; i++) {
      await producer.send({ acks: ProduceAcks.ALL, messages: [{ topic, partition: 0, value: `at-${i}`, timestamp: t0 + BigInt(i * 1000) }] });
    }
    const byTime = async (ts: bigint): Promise<{ offset: bigint; timestamp: bigint }> =>
      (await consumer.listOffsetsWithTimestamps({ topics: [topic], timestamp: ts })).get(topic)!.get(0)!;
    assert.deepEqual(await byTime(t0 - 1n), { offset: 0n, timestamp: t0 });
    assert.deepEqual(await byTime(t0 + 1500n), { offset: 2n, timestamp: t0 + 2000n });
    assert.deepEqual(await byTime(t0 + 3000n), { offset: 3n, timestamp: t0 + 3000n });
    assert.deepEqual(await byTime(-3n), { offset: 3n, timestamp: t0 + 3000n });
    assert.equal((await byTime(t0 + 10_000n)).offset, -1n);
    const { records } = await fetchAll(topic, 0);
    assert.deepEqual(records.map((r) => r.timestamp), [0, 1, 2, 3].map((i) => t0 + BigInt(i * 1000)));
  });

  test('fetch long poll: waits at the log end and returns when a record arrives', async () => {
    const topic = 'pl-longpoll';
    await admin.createTopics({ topics: [topic], partitions: 1 });
    const id = await topicId(topic);
    const request = (fetchOffset: bigint, maxWaitTime: number) => consumer.fetch({
      node: nodeId, maxWaitTime, minBytes: 1,
      topics: [{ topicId: id, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset, lastFetchedEpoch: -1, partitionMaxBytes: 1 << 20 }] }],
    });
    // nothing arrives: the fetch waits out maxWaitTime and returns empty
    let start = Date.now();
    const empty = await request(0n, 300);
    assert.ok(Date.now() - start >= 250, `returned after ${Date.now() - start} ms`);
    assert.equal(empty.responses[0]!.partitions[0]!.records?.length ?? 0, 0);
    // a record arrives while the fetch waits: it returns early with it
    start = Date.now();
    const pending = request(0n, 10_000);
    await new Promise((r) => setTimeout(r, 200));
    await producer.send({ acks: ProduceAcks.ALL, messages: [{ topic, partition: 0, value: 'wake up' }] });
    const res = await pending;
    const took = Date.now() - start;
    assert.ok(took < 5000, `long poll returned after ${took} ms`);
    const batches = res.responses[0]!.partitions[0]!.records ?? [];
    assert.equal(batches.length, 1);
    assert.equal(batches[0]!.records[0]!.value?.toString(), 'wake up');
  });
});
