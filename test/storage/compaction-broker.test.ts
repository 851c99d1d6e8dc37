// Log compaction end to end: a real broker process with a short log.cleaner.backoff.ms, a topic
// created by kafkajs with cleanup.policy=compact and the smallest segment.bytes (every batch its own
// segment), updates of a few keys and a tombstone produced with kafkajs. The cleaner removes the old
// values; the latest value per key is read back at its original offset with the raw client and with
// a kafkajs consumer, also after a restart. The same happens to __consumer_offsets: repeated commits
// of one group are compacted, and the last one is what the coordinator loads after a restart. kcat
// (librdkafka) writes updates and tombstones in every codec, and reads back the latest value per key.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Admin, Producer } from 'kafkajs';
import { BrokerProcess, runCommand } from '../helpers/broker.js';
import { connectKafkajs, disconnectAll, type KafkaClient } from '../helpers/kafkajs.js';
import { eventually, requireKcat } from '../helpers/clients.js';
import { RawClient } from '../helpers/raw-client.js';
import { decodeBatches } from '../helpers/record-batch.js';
import { loadCodecs } from '../../src/protocol/records/compression.js';
import { ApiKey } from '../../src/protocol/messages/index.js';

const TOPIC = 'compacted';
const noKcat = requireKcat();

let broker: BrokerProcess;
let kafka: KafkaClient;
let admin: Admin;
let producer: Producer;
let raw: RawClient;

async function connect(): Promise<void> {
  ({ kafka, admin, producer } = await connectKafkajs(broker.bootstrap, 'samsa-compaction-test'));
  raw = await RawClient.open(broker.bootstrap);
}

async function disconnect(): Promise<void> {
  await disconnectAll(producer, admin);
  await raw?.close();
}

before(async () => {
  await loadCodecs();
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

describe('log compaction of batches librdkafka compressed (kcat)', { skip: noKcat }, () => {
  const CODECS = ['gzip', 'snappy', 'lz4', 'zstd'];

  async function kcat(args: string[], input?: string): Promise<string> {
    const r = await runCommand('kcat', ['-b', broker.bootstrap, ...args], { input, timeoutMs: 20_000 });
    assert.equal(r.code, 0, `kcat ${args.join(' ')} failed (${r.code}):\n${r.stderr}`);
    return r.stdout;
  }

  test('updates and tombstones in every codec end with exactly the latest value per key', async () => {
    const topic = 'compacted-codecs';
    await admin.createTopics({
      topics: [{
        topic, numPartitions: 1,
        configEntries: [{ name: 'cleanup.policy', value: 'compact' }, { name: 'segment.bytes', value: '14' }, { name: 'delete.retention.ms', value: '0' }],
      }],
    });
    const latest = new Map<string, string | null>();
    for (let round = 0; round < 8; round++) {
      const codec = CODECS[round % CODECS.length]!;
      const lines: string[] = [];
      for (const key of ['a', 'b', 'c', 'd', 'e']) {
        // c is deleted in round 6; d is written in round 0 only; e gets a tombstone and then a value again
        if (key === 'd' && round > 0) continue;
        const tombstone = (key === 'c' && round === 6) || (key === 'e' && round === 3);
        const value = tombstone ? '' : `${codec}-round${round}-${key}-${'z'.repeat(round * 20)}`;
        lines.push(`${key}:${value}`);
        latest.set(key, tombstone ? null : value);
      }
      // -Z: an empty value is sent as null (a tombstone)
      await kcat(['-P', '-t', topic, '-p', '0', '-K:', '-Z', '-z', codec, '-X', 'linger.ms=50'], `${lines.join('\n')}\n`);
    }
    await kcat(['-P', '-t', topic, '-p', '0', '-K:'], 'end:marker\n'); // the active segment holds only this
    latest.set('end', 'marker');
    const want = [...latest].filter(([, v]) => v !== null).map(([k, v]) => `${k}:${v}`).sort();
    const seen = await eventually('the cleaner to leave the latest value of each key', async () => {
      const out = await kcat(['-C', '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-q', '-Z', '-f', '%k:%s\n']);
      const got = out.split('\n').filter((l) => l !== '');
      return JSON.stringify([...got].sort()) === JSON.stringify(want) ? got : undefined;
    }, 30_000, 200);
    assert.equal(seen.at(-1), 'end:marker');
    // the rewritten batches kept their codecs
    const stored = decodeBatches((await raw.fetchOnce(topic, 0, 0)).responses[0].partitions[0].records);
    assert.ok(stored.some((b) => b.compression > 0), `codecs ${stored.map((b) => b.compression)}`);
  });
});
