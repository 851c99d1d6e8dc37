// confluent-kafka-python (librdkafka 2.0.2) against a real broker process
// (test/clients/python/confluent_kafka_codecs.py): a producer in each codec (gzip, snappy, lz4,
// zstd) to a topic that stores batches as sent and to one whose compression.type makes the broker
// recompress them; everything reads back, and the stored batches are in the codec they should be.
// The AdminClient's describe_configs, alter_configs and create_partitions.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../src/protocol/errors.js';
import { loadCodecs } from '../../src/protocol/records/compression.js';
import { BrokerProcess } from '../helpers/broker.js';
import { requirePythonModule, runPythonJson } from '../helpers/clients.js';
import { RawClient } from '../helpers/raw-client.js';
import { decodeBatches } from '../helpers/record-batch.js';

const skip = requirePythonModule('confluent_kafka', 'python3-confluent-kafka');
const PREFIX = 'cc';
const COUNT = 30;
const CODECS = ['gzip', 'snappy', 'lz4', 'zstd'];
const CODEC_IDS: Record<string, number> = { gzip: 1, snappy: 2, lz4: 3, zstd: 4 };

type KafkaErr = { code: number | null; str: string } | null;
interface Result {
  create: Record<string, KafkaErr>;
  codecs: Record<string, { unflushed: number; sent: [string, string, string][]; back: Record<string, [number, string, string][]> }>;
  described: Record<string, { value: string; source: number; is_default: boolean; synonyms: [string, string, number][] }>;
  alter: KafkaErr;
  after_alter: Record<string, string>;
  grow: KafkaErr;
  shrink: KafkaErr;
  partitions_after_grow: number[];
}

describe('confluent-kafka-python: codecs and topic configs', { skip }, () => {
  let broker: BrokerProcess;
  let raw: RawClient;
  let r: Result;

  before(async () => {
    await loadCodecs();
    broker = await BrokerProcess.start();
    r = await runPythonJson<Result>('confluent_kafka_codecs.py', [broker.bootstrap, PREFIX, String(COUNT)], 90_000);
    raw = await RawClient.open(broker.bootstrap);
  });
  after(async () => {
    await raw?.close();
    await broker?.dispose();
  });

  it('creates the topics with their configs', () => {
    assert.equal(Object.keys(r.create).length, 8);
    for (const [name, err] of Object.entries(r.create)) assert.equal(err, null, `${name}: ${err?.str}`);
  });

  for (const codec of CODECS) {
    it(`round-trips ${codec} batches, stored as sent or recompressed into the topic's codec`, async () => {
      const c = r.codecs[codec]!;
      assert.equal(c.unflushed, 0);
      const next = CODECS[(CODECS.indexOf(codec) + 1) % CODECS.length]!;
      for (const suffix of ['as-sent', 'recompressed']) {
        const topic = `${PREFIX}-${codec}-${suffix}`;
        const sent = c.sent.filter(([t]) => t === topic).map(([, key, value], i) => [i, key, value]);
        assert.equal(sent.length, COUNT);
        assert.deepEqual(c.back[suffix], sent, `${topic}: read back`);
        const res = await raw.fetchOnce(topic, 0, 0);
        const batches = decodeBatches(res.responses[0].partitions[0].records);
        assert.ok(batches.length > 0);
        const stored = [...new Set(batches.map((b) => b.compression))].sort();
        // librdkafka sends a batch uncompressed when compressing would not make it smaller
        if (suffix === 'as-sent') assert.ok(stored.includes(CODEC_IDS[codec]!) && stored.every((x) => x === 0 || x === CODEC_IDS[codec]), `${topic}: stored codecs ${stored}`);
        else assert.deepEqual(stored, [CODEC_IDS[next]], `${topic}: stored codec`);
        assert.deepEqual(batches.flatMap((b) => b.records.map((x) => [x.offset, x.key!.toString(), x.value!.toString()])), sent);
      }
    });
  }

  it('describe_configs: the topic\'s own value and the defaults, with sources and synonyms', () => {
    const compression = r.described['compression.type']!;
    assert.deepEqual([compression.value, compression.source, compression.is_default], ['snappy', 1, false]);
    const retention = r.described['retention.ms']!;
    assert.deepEqual([retention.value, retention.source, retention.is_default], ['604800000', 5, true]);
    // (the Python client keeps synonyms in a dict by name: one entry per name survives)
    assert.deepEqual(retention.synonyms, [['log.retention.ms', '604800000', 5]]);
    assert.ok(Object.keys(r.described).length >= 25);
  });

  it('alter_configs replaces the topic\'s set; create_partitions grows it and refuses to shrink it', () => {
    assert.equal(r.alter, null, r.alter?.str);
    assert.deepEqual(r.after_alter, { 'retention.ms': '7200000', 'compression.type': 'producer' });
    assert.equal(r.grow, null, r.grow?.str);
    assert.equal(r.shrink?.code, ErrorCode.INVALID_PARTITIONS);
    assert.deepEqual(r.partitions_after_grow, [0, 1, 2]);
  });
});
