// confluent-kafka-python (librdkafka 2.0.2) against a real broker process
// (test/clients/python/confluent_kafka_roundtrip.py): AdminClient create_topics (plain,
// validate_only, already existing) and delete_topics (existing, unknown); list_topics; a Producer
// with keys, headers and explicit timestamps and its delivery reports; a Consumer that assigns at
// OFFSET_BEGINNING without subscribing or committing; get_watermark_offsets; offsets_for_times.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerProcess } from '../helpers/broker.js';
import { requirePythonModule, runPythonJson } from '../helpers/clients.js';

const skip = requirePythonModule('confluent_kafka', 'python3-confluent-kafka');
const TOPIC = 'confluent-roundtrip';
const PARTITIONS = 4;
const COUNT = 50;

type KafkaErr = { code: number | null; str: string } | null;
interface TopicDescription { partitions: number[]; leaders: number[]; error: number | null }
interface Delivered { error: number | null; partition: number; offset: number; key: string | null; value: string; timestamp: [number, number] }
interface Consumed {
  partition: number; offset: number; key: string | null; value: string | null;
  headers: [string, string][]; timestamp_type: number; timestamp: number;
}
interface Result {
  validate_only: KafkaErr;
  create: KafkaErr;
  create_again: KafkaErr;
  brokers: string[];
  controller_id: number;
  topics_after_create: Record<string, TopicDescription>;
  base_timestamp: number;
  unflushed: number;
  delivered: Delivered[];
  consumed: Consumed[];
  eof_partitions: number[];
  consume_errors: string[];
  watermarks: Record<string, [number, number]>;
  cached_watermarks: Record<string, [number, number]>;
  offsets_for_times: Record<string, Record<string, number>>;
  delete: KafkaErr;
  delete_unknown: KafkaErr;
  topics_after_delete: Record<string, TopicDescription>;
}

/** librdkafka's timestamp types. */
const TIMESTAMP_CREATE_TIME = 1;

describe('confluent-kafka-python', { skip }, () => {
  let broker: BrokerProcess;
  let r: Result;

  before(async () => {
    broker = await BrokerProcess.start();
    r = await runPythonJson<Result>('confluent_kafka_roundtrip.py', [broker.bootstrap, TOPIC, String(PARTITIONS), String(COUNT)], 55_000);
  });
  after(async () => {
    await broker?.dispose();
  });

  it('creates topics with the AdminClient: validate_only creates nothing, a second create is TOPIC_ALREADY_EXISTS', () => {
    assert.equal(r.validate_only, null, `validate_only: ${r.validate_only?.str}`);
    assert.equal(r.create, null, `create: ${r.create?.str}`);
    assert.equal(r.create_again?.code, 36, `second create: ${JSON.stringify(r.create_again)}`);
    assert.deepEqual(Object.keys(r.topics_after_create), [TOPIC], 'only the created topic exists (validate_only made none)');
    assert.deepEqual(r.topics_after_create[TOPIC], { partitions: [0, 1, 2, 3], leaders: [1], error: null });
    assert.deepEqual(r.brokers, [`1@${broker.bootstrap}`]);
    assert.equal(r.controller_id, 1);
  });

  it('delivers every message with a partition and an offset', () => {
    assert.equal(r.unflushed, 0);
    assert.equal(r.delivered.length, COUNT + 1);
    const where = new Set<string>();
    for (const d of r.delivered) {
      assert.equal(d.error, null, `delivery of ${d.value}: error ${d.error}`);
      assert.ok(d.partition >= 0 && d.partition < PARTITIONS);
      assert.ok(d.offset >= 0);
      assert.ok(!where.has(`${d.partition}:${d.offset}`), `two messages at ${d.partition}:${d.offset}`);
      where.add(`${d.partition}:${d.offset}`);
    }
    const last = r.delivered.find((d) => d.key === null);
    assert.ok(last !== undefined && last.partition === PARTITIONS - 1 && last.value === '', 'the explicit-partition message');
  });

  it('reads everything back from OFFSET_BEGINNING with keys, headers and timestamps, without a group', () => {
    assert.deepEqual(r.consume_errors, []);
    assert.deepEqual(r.eof_partitions, [0, 1, 2, 3]);
    assert.equal(r.consumed.length, COUNT + 1);
    for (const c of r.consumed) {
      const d = r.delivered.find((x) => x.partition === c.partition && x.offset === c.offset);
      assert.ok(d !== undefined, `consumed ${c.partition}:${c.offset} was delivered`);
      assert.equal(c.key, d.key);
      assert.equal(c.value, d.value);
      const i = Number(c.headers[0]?.[1]);
      if (c.key === null) {
        assert.equal(i, COUNT);
        assert.deepEqual(c.headers, [['idx', String(COUNT)]]);
      } else {
        assert.equal(c.key, `key-${i % 6}`);
        assert.equal(c.value, `value-${i} é✓`);
        assert.deepEqual(c.headers, [['idx', String(i)], ['src', 'confluent'], ['empty', '']]);
      }
      assert.equal(c.timestamp_type, TIMESTAMP_CREATE_TIME);
      assert.equal(c.timestamp, r.base_timestamp + i * 1000);
      assert.deepEqual(d.timestamp, [TIMESTAMP_CREATE_TIME, c.timestamp]);
    }
    for (let p = 0; p < PARTITIONS; p++) {
      const offsets = r.consumed.filter((c) => c.partition === p).map((c) => c.offset);
      assert.deepEqual(offsets, offsets.map((_, i) => i), `partition ${p} in order from 0`);
    }
  });

  it('answers watermark offsets (ListOffsets) and offsets_for_times', () => {
    for (let p = 0; p < PARTITIONS; p++) {
      const n = r.consumed.filter((c) => c.partition === p).length;
      assert.deepEqual(r.watermarks[String(p)], [0, n], `partition ${p} watermarks`);
      assert.deepEqual(r.cached_watermarks[String(p)], [0, n], `partition ${p} cached watermarks (from Fetch)`);
    }
    assert.equal(Object.keys(r.offsets_for_times).length, 3);
    for (const [ts, byPartition] of Object.entries(r.offsets_for_times)) {
      for (let p = 0; p < PARTITIONS; p++) {
        const first = r.consumed.filter((c) => c.partition === p).find((c) => c.timestamp >= Number(ts));
        assert.equal(byPartition[String(p)], first?.offset ?? -1, `partition ${p} at ${ts}`);
      }
    }
  });

  it('deletes the topic with the AdminClient; an unknown topic is UNKNOWN_TOPIC_OR_PARTITION', () => {
    assert.equal(r.delete, null, `delete: ${r.delete?.str}`);
    assert.equal(r.delete_unknown?.code, 3, `delete unknown: ${JSON.stringify(r.delete_unknown)}`);
    // Only internal topics are left (librdkafka's group.id makes the broker create __consumer_offsets).
    assert.deepEqual(Object.keys(r.topics_after_delete).filter((name) => !name.startsWith('__')), []);
  });
});
