// confluent-kafka-python (librdkafka 2.0.2) consuming about 20 MB over four partitions with
// fetch.max.bytes=1000000, max.partition.fetch.bytes=20000000 and receive.message.max.bytes=1000512
// (test/clients/python/confluent_kafka_fetch_limits.py): every Fetch response must stay within
// max_bytes across partitions, or librdkafka refuses it ("Invalid response size") and the consumer
// is stuck. Every message must come back once, in offset order per partition.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerProcess } from '../helpers/broker.js';
import { requirePythonModule, runPythonJson } from '../helpers/clients.js';

const skip = requirePythonModule('confluent_kafka', 'python3-confluent-kafka');
const TOPIC = 'confluent-fetch-limits';
const PARTITIONS = 4;
const COUNT = 20_000;
const SIZE = 1_000;

interface Result {
  create: { code: number | null; str: string } | null;
  unflushed: number;
  delivery_errors: string[];
  consumed: number;
  missing: number[];
  duplicates: number;
  out_of_order: number;
  consume_errors: string[];
  client_errors: string[];
  next_offsets: Record<string, number>;
}

describe('confluent-kafka-python with fetch.max.bytes below the data of a partition', { skip }, () => {
  let broker: BrokerProcess;
  let r: Result;

  before(async () => {
    broker = await BrokerProcess.start();
    r = await runPythonJson<Result>('confluent_kafka_fetch_limits.py', [broker.bootstrap, TOPIC, String(PARTITIONS), String(COUNT), String(SIZE)], 110_000);
  });
  after(async () => {
    await broker?.dispose();
  });

  it('produces 20 MB over four partitions', () => {
    assert.equal(r.create, null, `create: ${r.create?.str}`);
    assert.equal(r.unflushed, 0);
    assert.deepEqual(r.delivery_errors, []);
  });

  it('consumes every message once, in offset order, with no response refused', () => {
    assert.deepEqual(r.client_errors, []);
    assert.deepEqual(r.consume_errors, []);
    assert.equal(r.consumed, COUNT, `missing, the first of them: ${JSON.stringify(r.missing)}`);
    assert.equal(r.duplicates, 0);
    assert.equal(r.out_of_order, 0);
    assert.deepEqual(r.next_offsets, Object.fromEntries(Array.from({ length: PARTITIONS }, (_, p) => [String(p), COUNT / PARTITIONS])));
  });
});
