// kafkajs 2.2.4 against a real Samsa broker process: admin (create/list/describe/delete topics,
// offsets by time, describe and alter configs, create partitions, delete records), producing with keys, headers, explicit and key-hashed partitions, acks -1/1/0
// and gzip. kafkajs has no assign-only consumer, so what it produced is read back with the
// raw-protocol helper and compared record by record; its group consumer is tested in
// kafkajs-groups.test.ts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import type { Admin, Producer, Message as KafkaMessage } from 'kafkajs';
import { BrokerProcess } from '../helpers/broker.js';
import { connectKafkajs, disconnectAll, type KafkaClient } from '../helpers/kafkajs.js';
import { RawClient } from '../helpers/raw-client.js';
import { errorTypes, eventually } from '../helpers/clients.js';
import { decodeBatches, type DecodedRecord } from '../helpers/record-batch.js';
import { ApiKey } from '../../src/protocol/messages/index.js';

const { CompressionTypes, ConfigResourceTypes, Partitioners } = kafkajs;

let broker: BrokerProcess;
let kafka: KafkaClient;
let admin: Admin;
let producer: Producer;
let raw: RawClient;

before(async () => {
  broker = await BrokerProcess.start();
  ({ kafka, admin, producer } = await connectKafkajs(broker.bootstrap, 'samsa-kafkajs-test', 3));
  raw = await RawClient.open(broker.bootstrap);
});

after(async () => {
  await disconnectAll(producer, admin);
  await raw?.close();
  await broker?.dispose();
});

function headerMap(r: DecodedRecord): Array<[string, string]> {
  return r.headers.map((h) => [h.key, h.value === null ? '<null>' : h.value.toString('hex')]);
}

async function readAll(topic: string, partition: number): Promise<DecodedRecord[]> {
  return (await raw.readPartition(topic, partition)).records;
}

describe('kafkajs admin', () => {
  test('createTopics, listTopics and fetchTopicMetadata', async () => {
    const created = await admin.createTopics({
      topics: [
        { topic: 'kj-admin-three', numPartitions: 3 },
        { topic: 'kj-admin-one', numPartitions: 1, replicationFactor: 1 },
      ],
    });
    assert.equal(created, true);

    const names = await admin.listTopics();
    assert.ok(names.includes('kj-admin-three'), `listTopics: ${names.join(',')}`);
    assert.ok(names.includes('kj-admin-one'), `listTopics: ${names.join(',')}`);

    const md = await admin.fetchTopicMetadata({ topics: ['kj-admin-three', 'kj-admin-one'] });
    const three = md.topics.find((t) => t.name === 'kj-admin-three');
    const one = md.topics.find((t) => t.name === 'kj-admin-one');
    assert.ok(three && one);
    assert.deepEqual(three.partitions.map((p) => p.partitionId).sort(), [0, 1, 2]);
    assert.equal(one.partitions.length, 1);
    const cluster = await admin.describeCluster();
    assert.equal(cluster.brokers.length, 1);
    const nodeId = cluster.brokers[0]!.nodeId;
    assert.equal(cluster.controller, nodeId);
    assert.equal(cluster.brokers[0]!.port, broker.port);
    for (const p of [...three.partitions, ...one.partitions]) {
      assert.equal(p.partitionErrorCode, 0);
      assert.equal(p.leader, nodeId);
      assert.deepEqual(p.replicas, [nodeId]);
      assert.deepEqual(p.isr, [nodeId]);
    }
  });

  test('createTopics of an existing topic: TOPIC_ALREADY_EXISTS, the topic unchanged', async () => {
    assert.equal(await admin.createTopics({ topics: [{ topic: 'kj-exists', numPartitions: 2 }] }), true);
    // kafkajs turns "every topic already exists" into `false` instead of an error
    assert.equal(await admin.createTopics({ topics: [{ topic: 'kj-exists', numPartitions: 5 }] }), false);
    // the error code itself, as a client sees it on the wire
    const res = await raw.request(ApiKey.CreateTopics, 5, {
      topics: [{ name: 'kj-exists', numPartitions: 5, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 5000,
      validateOnly: false,
    });
    assert.equal(res.topics[0].errorCode, 36, 'TOPIC_ALREADY_EXISTS');
    const md = await admin.fetchTopicMetadata({ topics: ['kj-exists'] });
    assert.equal(md.topics[0]!.partitions.length, 2);
  });

  test('createTopics with configs: accepted and in effect (max.message.bytes)', async () => {
    const created = await admin.createTopics({
      topics: [{
        topic: 'kj-configs',
        numPartitions: 1,
        configEntries: [
          { name: 'max.message.bytes', value: '2048' },
          { name: 'retention.ms', value: '86400000' },
          { name: 'cleanup.policy', value: 'delete' },
        ],
      }],
    });
    assert.equal(created, true);
    const ok = await producer.send({ topic: 'kj-configs', acks: -1, messages: [{ value: 'small enough' }] });
    assert.equal(ok[0]!.errorCode, 0);
    await assert.rejects(
      producer.send({ topic: 'kj-configs', acks: -1, messages: [{ value: Buffer.alloc(8192, 1) }] }),
      (err: unknown) => {
        assert.ok(errorTypes(err).includes('MESSAGE_TOO_LARGE'), `expected MESSAGE_TOO_LARGE in ${errorTypes(err).join(', ')}`);
        return true;
      },
    );
    const [p0] = await admin.fetchTopicOffsets('kj-configs');
    assert.equal(p0!.high, '1', 'the rejected batch was not appended');
  });

  test('createTopics with an unknown config is refused with INVALID_CONFIG', async () => {
    await assert.rejects(
      admin.createTopics({ topics: [{ topic: 'kj-bad-config', numPartitions: 1, configEntries: [{ name: 'no.such.config', value: '1' }] }] }),
      (err: unknown) => {
        assert.ok(errorTypes(err).includes('INVALID_CONFIG'), `expected INVALID_CONFIG in ${errorTypes(err).join(', ')}`);
        return true;
      },
    );
    assert.ok(!(await admin.listTopics()).includes('kj-bad-config'));
  });

  test('deleteTopics: the topic is gone from listTopics and Metadata', async () => {
    assert.equal(await admin.createTopics({ topics: [{ topic: 'kj-doomed', numPartitions: 2 }] }), true);
    await producer.send({ topic: 'kj-doomed', acks: -1, messages: [{ value: 'x' }, { value: 'y' }] });
    assert.ok((await admin.listTopics()).includes('kj-doomed'));
    await admin.deleteTopics({ topics: ['kj-doomed'] });
    assert.ok(!(await admin.listTopics()).includes('kj-doomed'));
    const md = await raw.metadata(['kj-doomed']);
    assert.equal(md.topics[0].errorCode, 3, 'UNKNOWN_TOPIC_OR_PARTITION');
    // deleting it again: UNKNOWN_TOPIC_OR_PARTITION
    const res = await raw.request(ApiKey.DeleteTopics, 4, { topicNames: ['kj-doomed'], timeoutMs: 5000 });
    assert.equal(res.responses[0].errorCode, 3);
    // and a topic of the same name starts again from offset 0
    assert.equal(await admin.createTopics({ topics: [{ topic: 'kj-doomed', numPartitions: 1 }] }), true);
    const sent = await producer.send({ topic: 'kj-doomed', acks: -1, messages: [{ value: 'again' }] });
    assert.equal(sent[0]!.baseOffset, '0');
  });
});

describe('kafkajs admin: configs, partitions and records', () => {
  const configsOf = async (topic: string, names?: string[]) => {
    const res = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: names }], includeSynonyms: true });
    assert.equal(res.resources[0]!.errorCode, 0);
    return new Map(res.resources[0]!.configEntries.map((e) => [e.configName, e]));
  };

  test('describeConfigs: every topic config with its value, source and synonyms; the broker\'s too', async () => {
    await admin.createTopics({ topics: [{ topic: 'kj-described', numPartitions: 1, configEntries: [{ name: 'retention.ms', value: '86400000' }] }] });
    const configs = await configsOf('kj-described');
    assert.ok(configs.size >= 25, `${configs.size} configs`);
    const retention = configs.get('retention.ms')!;
    assert.deepEqual([retention.configValue, retention.isDefault, retention.readOnly, retention.configSource], ['86400000', false, false, 1]);
    assert.deepEqual(retention.configSynonyms.map((s) => [s.configName, s.configValue, s.configSource]), [['retention.ms', '86400000', 1], ['log.retention.ms', '604800000', 5]]);
    const cleanup = configs.get('cleanup.policy')!;
    assert.deepEqual([cleanup.configValue, cleanup.isDefault, cleanup.configSource], ['delete', true, 5]);
    const only = await configsOf('kj-described', ['max.message.bytes']);
    assert.deepEqual([...only.keys()], ['max.message.bytes']);
    const brokerConfigs = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.BROKER, name: '1' }], includeSynonyms: false });
    const names = brokerConfigs.resources[0]!.configEntries.map((e) => e.configName);
    assert.ok(names.includes('log.retention.bytes') && names.includes('num.partitions'));
  });

  test('alterConfigs: in effect at once (max.message.bytes), a bad value refused with INVALID_CONFIG', async () => {
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'kj-described', configEntries: [{ name: 'max.message.bytes', value: '1000' }, { name: 'retention.ms', value: '3600000' }] }] });
    const configs = await configsOf('kj-described', ['max.message.bytes', 'retention.ms']);
    assert.equal(configs.get('max.message.bytes')!.configValue, '1000');
    assert.equal(configs.get('retention.ms')!.configValue, '3600000');
    await assert.rejects(producer.send({ topic: 'kj-described', acks: -1, messages: [{ value: 'x'.repeat(2000) }] }), (err: unknown) => {
      assert.ok(errorTypes(err).includes('MESSAGE_TOO_LARGE'), errorTypes(err).join(', '));
      return true;
    });
    await producer.send({ topic: 'kj-described', acks: -1, messages: [{ value: 'small' }] });
    await assert.rejects(
      admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'kj-described', configEntries: [{ name: 'segment.bytes', value: 'big' }] }] }),
      (err: unknown) => errorTypes(err).includes('INVALID_CONFIG'),
    );
  });

  test('createPartitions: the producer spreads over the new partitions', async () => {
    await admin.createTopics({ topics: [{ topic: 'kj-grow', numPartitions: 1 }] });
    await admin.createPartitions({ topicPartitions: [{ topic: 'kj-grow', count: 4 }] });
    const md = await admin.fetchTopicMetadata({ topics: ['kj-grow'] });
    assert.equal(md.topics[0]!.partitions.length, 4);
    const sent = await producer.send({ topic: 'kj-grow', acks: -1, messages: [0, 1, 2, 3].map((partition) => ({ partition, value: `p${partition}` })) });
    assert.deepEqual(sent.map((r) => r.partition).sort(), [0, 1, 2, 3]);
    for (const partition of [0, 1, 2, 3]) assert.deepEqual((await readAll('kj-grow', partition)).map((r) => r.value!.toString()), [`p${partition}`]);
    await assert.rejects(admin.createPartitions({ topicPartitions: [{ topic: 'kj-grow', count: 2 }] }), (err: unknown) => errorTypes(err).includes('INVALID_PARTITIONS'));
  });

  test('deleteTopicRecords: the log start offset moves; fetchTopicOffsets and readers see it', async () => {
    await admin.createTopics({ topics: [{ topic: 'kj-trim', numPartitions: 2 }] });
    await producer.send({ topic: 'kj-trim', acks: -1, messages: Array.from({ length: 10 }, (_, i) => ({ partition: 0, value: `m${i}` })) });
    await producer.send({ topic: 'kj-trim', acks: -1, messages: Array.from({ length: 4 }, (_, i) => ({ partition: 1, value: `n${i}` })) });
    await admin.fetchTopicMetadata({ topics: ['kj-trim'] }); // deleteTopicRecords looks for leaders in what the admin already knows
    await admin.deleteTopicRecords({ topic: 'kj-trim', partitions: [{ partition: 0, offset: '6' }, { partition: 1, offset: '-1' }] }).catch((err) => {
      throw new Error(`${String(err)}: ${JSON.stringify(err.partitions)}`);
    });
    const offsets = await admin.fetchTopicOffsets('kj-trim');
    assert.deepEqual(offsets.map((o) => [o.partition, o.low, o.high]).sort(), [[0, '6', '10'], [1, '4', '4']]);
    const left = await raw.readPartition('kj-trim', 0, { from: 6 });
    assert.equal(left.logStartOffset, 6);
    assert.deepEqual(left.records.map((r) => r.value!.toString()), ['m6', 'm7', 'm8', 'm9']);
  });
});

describe('kafkajs producer', () => {
  const headersFor = (p: number, i: number): Record<string, string | Buffer | string[]> => ({
    'h-str': `hello-${p}-${i}`,
    'h-bin': Buffer.from([0, 1, 2, 0xff, p, i]),
    'h-multi': ['first', 'second'],
  });
  const expectedHeaders = (p: number, i: number): Array<[string, string]> => [
    ['h-str', Buffer.from(`hello-${p}-${i}`).toString('hex')],
    ['h-bin', Buffer.from([0, 1, 2, 0xff, p, i]).toString('hex')],
    ['h-multi', Buffer.from('first').toString('hex')],
    ['h-multi', Buffer.from('second').toString('hex')],
  ];

  test('keys, values and headers to explicit partitions with acks -1 then acks 1 read back at their offsets', async () => {
    const topic = 'kj-produce';
    assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: 3 }] }), true);
    const per = 7;
    const batch = (round: number): KafkaMessage[] => {
      const out: KafkaMessage[] = [];
      for (let p = 0; p < 3; p++) {
        for (let i = 0; i < per; i++) {
          const n = round * per + i;
          out.push({ partition: p, key: `key-${p}-${n}`, value: `value-${p}-${n}`, headers: headersFor(p, n) });
        }
      }
      return out;
    };

    const first = await producer.send({ topic, acks: -1, messages: batch(0) });
    assert.deepEqual(first.map((r) => [r.partition, r.errorCode, r.baseOffset]).sort(), [[0, 0, '0'], [1, 0, '0'], [2, 0, '0']]);
    const second = await producer.send({ topic, acks: 1, messages: batch(1) });
    assert.deepEqual(second.map((r) => [r.partition, r.errorCode, r.baseOffset]).sort(), [[0, 0, String(per)], [1, 0, String(per)], [2, 0, String(per)]]);

    for (let p = 0; p < 3; p++) {
      const records = await readAll(topic, p);
      assert.equal(records.length, 2 * per, `partition ${p}`);
      records.forEach((r, n) => {
        assert.equal(r.offset, n);
        assert.equal(r.key?.toString(), `key-${p}-${n}`);
        assert.equal(r.value?.toString(), `value-${p}-${n}`);
        assert.deepEqual(headerMap(r), expectedHeaders(p, n));
      });
      // the same records through the oldest served Fetch (v4) and by topic id (v17)
      for (const version of [4, 17]) {
        const other = (await raw.readPartition(topic, p, { version })).records;
        assert.deepEqual(other.map((r) => [r.offset, r.key?.toString(), r.value?.toString(), headerMap(r)]),
          records.map((r) => [r.offset, r.key?.toString(), r.value?.toString(), headerMap(r)]), `Fetch v${version}`);
      }
    }

    const offsets = await admin.fetchTopicOffsets(topic);
    assert.deepEqual(offsets.map((o) => [o.partition, o.low, o.high, o.offset]).sort(), [
      [0, '0', String(2 * per), String(2 * per)],
      [1, '0', String(2 * per), String(2 * per)],
      [2, '0', String(2 * per), String(2 * per)],
    ]);
  });

  test('key-hashed partitioning, null keys and empty values: every record where kafkajs said it went', async () => {
    const topic = 'kj-keyed';
    assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: 4 }] }), true);
    const messages: KafkaMessage[] = [];
    for (let i = 0; i < 40; i++) messages.push({ key: `user-${i % 10}`, value: `event-${i}` });
    messages.push({ key: null, value: 'no key' });
    messages.push({ key: 'empty-value', value: '' });
    messages.push({ key: 'null-value', value: null });
    const meta = await producer.send({ topic, acks: -1, messages });
    assert.ok(meta.every((m) => m.errorCode === 0));

    const all: DecodedRecord[] = [];
    const byKeyPartition = new Map<string, number>();
    for (let p = 0; p < 4; p++) {
      const records = await readAll(topic, p);
      const reported = meta.find((m) => m.partition === p);
      if (reported !== undefined) assert.equal(reported.baseOffset, '0');
      records.forEach((r, i) => {
        assert.equal(r.offset, i);
        const key = r.key === null ? '<null>' : r.key.toString();
        if (key.startsWith('user-')) {
          // one key, one partition
          const seen = byKeyPartition.get(key);
          assert.ok(seen === undefined || seen === p, `${key} in partitions ${seen} and ${p}`);
          byKeyPartition.set(key, p);
        }
        all.push(r);
      });
    }
    assert.equal(all.length, messages.length);
    const values = (k: string): Array<string | null> => all.filter((r) => (r.key?.toString() ?? '<null>') === k).map((r) => r.value === null ? null : r.value.toString());
    for (let u = 0; u < 10; u++) {
      assert.deepEqual(values(`user-${u}`), [0, 1, 2, 3].map((j) => `event-${u + 10 * j}`), `order of user-${u}`);
    }
    assert.deepEqual(values('<null>'), ['no key']);
    assert.deepEqual(values('empty-value'), ['']);
    assert.deepEqual(values('null-value'), [null]);
  });

  test('sendBatch across topics, and acks 0', async () => {
    assert.equal(await admin.createTopics({ topics: [{ topic: 'kj-batch-a', numPartitions: 2 }, { topic: 'kj-batch-b', numPartitions: 1 }] }), true);
    const res = await producer.sendBatch({
      acks: -1,
      topicMessages: [
        { topic: 'kj-batch-a', messages: [{ partition: 0, value: 'a0' }, { partition: 1, value: 'a1' }] },
        { topic: 'kj-batch-b', messages: [{ partition: 0, value: 'b0' }, { partition: 0, value: 'b1' }] },
      ],
    });
    assert.deepEqual(res.map((r) => [r.topicName, r.partition, r.errorCode, r.baseOffset]).sort(), [
      ['kj-batch-a', 0, 0, '0'], ['kj-batch-a', 1, 0, '0'], ['kj-batch-b', 0, 0, '0'],
    ]);

    // acks 0: no response from the broker; the records still arrive
    const none = await producer.send({ topic: 'kj-batch-b', acks: 0, messages: [{ partition: 0, value: 'fire' }, { partition: 0, value: 'forget' }] });
    assert.deepEqual(none, []);
    await eventually('acks-0 records to land', async () => ((await admin.fetchTopicOffsets('kj-batch-b'))[0]!.high === '4' ? true : undefined), 5000);
    assert.deepEqual((await readAll('kj-batch-b', 0)).map((r) => [r.offset, r.value?.toString()]), [[0, 'b0'], [1, 'b1'], [2, 'fire'], [3, 'forget']]);
    assert.deepEqual((await readAll('kj-batch-a', 1)).map((r) => [r.offset, r.value?.toString()]), [[0, 'a1']]);
  });

  test('a gzip batch is stored compressed and reads back whole', async () => {
    const topic = 'kj-gzip';
    assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] }), true);
    await producer.send({ topic, acks: -1, messages: [{ key: 'plain', value: 'before' }] });
    const messages: KafkaMessage[] = [];
    for (let i = 0; i < 100; i++) messages.push({ key: `gz-${i}`, value: `compressible value ${i} `.repeat(20), headers: { n: String(i) } });
    const res = await producer.send({ topic, acks: -1, compression: CompressionTypes.GZIP, messages });
    assert.equal(res[0]!.baseOffset, '1');
    await producer.send({ topic, acks: 1, messages: [{ key: 'plain', value: 'after' }] });

    const fetched = await raw.fetchOnce(topic, 0, 0);
    const batches = decodeBatches(fetched.responses[0].partitions[0].records);
    assert.deepEqual(batches.map((b) => [b.baseOffset, b.lastOffset, b.compression]), [[0, 0, 0], [1, 100, 1], [101, 101, 0]]);

    const records = await readAll(topic, 0);
    assert.equal(records.length, 102);
    assert.equal(records[0]!.value?.toString(), 'before');
    assert.equal(records[101]!.value?.toString(), 'after');
    for (let i = 0; i < 100; i++) {
      const r = records[i + 1]!;
      assert.equal(r.offset, i + 1);
      assert.equal(r.key?.toString(), `gz-${i}`);
      assert.equal(r.value?.toString(), `compressible value ${i} `.repeat(20));
      assert.deepEqual(r.headers.map((h) => [h.key, h.value?.toString()]), [['n', String(i)]]);
    }
    const offsets = await admin.fetchTopicOffsets(topic);
    assert.equal(offsets[0]!.high, '102');
  });

  test('a producer auto-creates a topic through Metadata', async () => {
    const auto = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: true });
    await auto.connect();
    try {
      const res = await auto.send({ topic: 'kj-auto-created', acks: -1, messages: [{ key: 'a', value: 'first' }, { key: 'b', value: 'second' }] });
      assert.ok(res.every((r) => r.errorCode === 0));
    } finally {
      await auto.disconnect();
    }
    assert.ok((await admin.listTopics()).includes('kj-auto-created'));
    const md = await admin.fetchTopicMetadata({ topics: ['kj-auto-created'] });
    assert.equal(md.topics[0]!.partitions.length, 1, 'num.partitions defaults to 1');
    assert.deepEqual((await readAll('kj-auto-created', 0)).map((r) => [r.offset, r.key?.toString(), r.value?.toString()]), [[0, 'a', 'first'], [1, 'b', 'second']]);
  });

  test('fetchTopicOffsets and fetchTopicOffsetsByTimestamp', async () => {
    const topic = 'kj-times';
    assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] }), true);
    const empty = await admin.fetchTopicOffsets(topic);
    assert.deepEqual(empty.map((o) => [o.partition, o.low, o.high]).sort(), [[0, '0', '0'], [1, '0', '0']]);

    const t0 = Date.now() - 60_000;
    // partition 0: one batch per send, timestamps t0, t0+1000, ... ; partition 1: one batch of 5
    for (let i = 0; i < 5; i++) {
      await producer.send({ topic, acks: -1, messages: [{ partition: 0, value: `p0-${i}`, timestamp: String(t0 + i * 1000) }] });
    }
    await producer.send({
      topic, acks: -1,
      messages: [0, 1, 2, 3, 4].map((i) => ({ partition: 1, value: `p1-${i}`, timestamp: String(t0 + i * 1000 + 500) })),
    });

    const offsets = await admin.fetchTopicOffsets(topic);
    assert.deepEqual(offsets.map((o) => [o.partition, o.low, o.high]).sort(), [[0, '0', '5'], [1, '0', '5']]);

    const at = async (ts: number): Promise<Array<[number, string]>> =>
      (await admin.fetchTopicOffsetsByTimestamp(topic, ts)).map((o) => [o.partition, o.offset] as [number, string]).sort();
    assert.deepEqual(await at(t0 - 10_000), [[0, '0'], [1, '0']]);
    assert.deepEqual(await at(t0), [[0, '0'], [1, '0']]);
    assert.deepEqual(await at(t0 + 1), [[0, '1'], [1, '0']]);
    assert.deepEqual(await at(t0 + 2000), [[0, '2'], [1, '2']]);
    assert.deepEqual(await at(t0 + 2600), [[0, '3'], [1, '3']]);
    assert.deepEqual(await at(t0 + 4000), [[0, '4'], [1, '4']]);
    // past the last record: the broker answers -1 and kafkajs substitutes the high watermark
    assert.deepEqual(await at(t0 + 9000), [[0, '5'], [1, '5']]);
    const past = await raw.listOffset(topic, 0, t0 + 9000);
    assert.deepEqual(past, { errorCode: 0, offset: -1, timestamp: -1 });
    const exact = await raw.listOffset(topic, 1, t0 + 2000);
    assert.deepEqual(exact, { errorCode: 0, offset: 2, timestamp: t0 + 2500 });
    const maxTs = await raw.listOffset(topic, 0, -3);
    assert.deepEqual(maxTs, { errorCode: 0, offset: 4, timestamp: t0 + 4000 });

    // the record timestamps themselves came through
    const p1 = await readAll(topic, 1);
    assert.deepEqual(p1.map((r) => [r.offset, r.timestamp]), [0, 1, 2, 3, 4].map((i) => [i, t0 + i * 1000 + 500]));
  });

  test('fetchTopicOffsetsByTimestamp inside a gzip batch: the first record at or after the time, as Kafka answers', async () => {
    const topic = 'kj-times-gzip';
    assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] }), true);
    const t0 = Date.now() - 60_000;
    await producer.send({
      topic, acks: -1, compression: CompressionTypes.GZIP,
      messages: [0, 1, 2, 3, 4].map((i) => ({ value: `gz-${i}`, timestamp: String(t0 + i * 1000) })),
    });
    const [at] = await admin.fetchTopicOffsetsByTimestamp(topic, t0 + 2500);
    assert.equal(at!.offset, '3');
    assert.deepEqual(await raw.listOffset(topic, 0, t0 + 2500), { errorCode: 0, offset: 3, timestamp: t0 + 3000 });
    assert.deepEqual(await raw.listOffset(topic, 0, t0), { errorCode: 0, offset: 0, timestamp: t0 });
  });

  test('a topic with message.timestamp.type=LogAppendTime gets the broker\'s append time', async () => {
    const topic = 'kj-log-append-time';
    assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'message.timestamp.type', value: 'LogAppendTime' }] }] }), true);
    const before = Date.now();
    const res = await producer.send({ topic, acks: -1, messages: [{ value: 'old', timestamp: String(before - 86_400_000) }] });
    const after = Date.now();
    const appendTime = Number(res[0]!.logAppendTime);
    assert.ok(appendTime >= before - 1000 && appendTime <= after + 1000, `logAppendTime ${res[0]!.logAppendTime}`);
    const [batch] = decodeBatches((await raw.fetchOnce(topic, 0, 0)).responses[0].partitions[0].records);
    assert.equal(batch!.attributes & 0x08, 0x08, 'timestamp type bit set to LogAppendTime');
    assert.equal(batch!.maxTimestamp, appendTime);
  });
});
