// Transactions with real clients against a real broker process.
// confluent-kafka-python (librdkafka 2.0.2, test/clients/python/confluent_kafka_txn.py): a
// transactional producer commits a transaction, aborts one and commits another; read_committed
// sees only the committed records, read_uncommitted all of them; a consume-transform-produce step
// commits its input offsets with send_offsets_to_transaction (an aborted one leaves no offsets
// and no output); a second producer with the same transactional.id fences the first.
// kafkajs 2.2.4: a consume-transform-produce loop (a group consumer, a transactional producer,
// sendOffsets) where one transaction is aborted and redone; the output read back read_committed
// holds each input once, the group's offsets are the input's ends, and a restarted member of the
// group finds nothing left to do.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import type { Consumer, Producer } from 'kafkajs';
import { BrokerProcess } from '../helpers/broker.js';
import { eventually, requirePythonModule, runPythonJson } from '../helpers/clients.js';
import { kafkaClient, type KafkaClient } from '../helpers/kafkajs.js';

const { Partitioners } = kafkajs;

interface TxnResult {
  errors: string[];
  delivery_errors: string[];
  transform_input: string[];
  transform_positions: Record<string, number>;
  group_committed: Record<string, number>;
  read_committed: string[];
  read_uncommitted: string[];
  out_read_committed: string[];
  out_read_uncommitted: string[];
  zombie_error: string | null;
  after_fence: string[];
}

const BROKER_OVERRIDES = {
  'group.initial.rebalance.delay.ms': 0,
  'group.min.session.timeout.ms': 1000,
  'transaction.state.log.num.partitions': 5,
};

describe('confluent-kafka-python transactions', { skip: requirePythonModule('confluent_kafka', 'python3-confluent-kafka') }, () => {
  const PARTITIONS = 3;
  const COUNT = 12;
  let broker: BrokerProcess;
  let r: TxnResult;

  before(async () => {
    broker = await BrokerProcess.start({ overrides: BROKER_OVERRIDES });
    r = await runPythonJson<TxnResult>('confluent_kafka_txn.py', [broker.bootstrap, 'cktxn', String(PARTITIONS), String(COUNT)], 120_000);
  });
  after(async () => {
    await broker?.dispose();
  });

  const values = (prefix: string) => Array.from({ length: COUNT }, (_, i) => `${prefix}-${i}`);
  const sorted = (xs: string[]) => [...xs].sort();

  test('the transactional producer ran without errors', () => {
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.delivery_errors, []);
  });

  test('read_committed sees the committed transactions only; read_uncommitted sees the aborted one too', () => {
    assert.deepEqual(sorted(r.read_committed), sorted([...values('first'), ...values('third')]));
    assert.deepEqual(sorted(r.read_uncommitted), sorted([...values('first'), ...values('aborted'), ...values('third')]));
  });

  test('each partition keeps produce order, the aborted records between the committed ones', () => {
    // read_all reads partition by partition; within one, the records come in offset order
    const order = (xs: string[], p: number) => xs.filter((v) => Number(v.split('-')[1]) % PARTITIONS === p);
    for (let p = 0; p < PARTITIONS; p++) {
      const mine = (prefix: string) => values(prefix).filter((v) => Number(v.split('-')[1]) % PARTITIONS === p);
      assert.deepEqual(order(r.read_uncommitted, p), [...mine('first'), ...mine('aborted'), ...mine('third')]);
    }
  });

  test('consume-transform-produce: the output and the input offsets commit together; an aborted step leaves neither', () => {
    assert.deepEqual(r.transform_input, sorted([...values('first'), ...values('third')]), 'the group consumer (read_committed) skipped the aborted records');
    assert.deepEqual(sorted(r.out_read_committed), sorted([...values('first'), ...values('third')].map((v) => v.toUpperCase())));
    assert.deepEqual(sorted(r.out_read_uncommitted), sorted([...r.out_read_committed, 'NEVER']));
    assert.deepEqual(r.group_committed, r.transform_positions, 'the committed offsets are those of the committed transaction, not the aborted one');
    for (const offset of Object.values(r.group_committed)) assert.ok(offset > 0 && offset < 999999);
  });

  test('a newer producer with the same transactional.id fences the old one', () => {
    assert.equal(r.zombie_error, '_FENCED');
    assert.deepEqual(r.after_fence, ['newer']);
  });
});

describe('kafkajs consume-transform-produce with sendOffsets', () => {
  const PARTITIONS = 3;
  const COUNT = 30;
  const IN = 'eos-in';
  const OUT = 'eos-out';
  const GROUP = 'eos-group';
  /** The input whose first transaction is aborted (and then done again). */
  const REDONE = 'in-7';
  let broker: BrokerProcess;
  let kafka: KafkaClient;
  let producer: Producer;
  const consumers: Consumer[] = [];

  before(async () => {
    broker = await BrokerProcess.start({ overrides: BROKER_OVERRIDES });
    kafka = kafkaClient(broker.bootstrap, 'samsa-eos');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [IN, OUT].map((topic) => ({ topic, numPartitions: PARTITIONS })) });
    await admin.disconnect();
    const plain = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await plain.connect();
    await plain.send({ topic: IN, messages: Array.from({ length: COUNT }, (_, i) => ({ key: `k${i}`, value: `in-${i}` })) });
    await plain.disconnect();
    producer = kafka.producer({ transactionalId: 'eos-loop', idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
  });
  after(async () => {
    for (const c of consumers) await c.disconnect().catch(() => {});
    await producer?.disconnect().catch(() => {});
    await broker?.dispose();
  });

  const groupConsumer = async (groupId: string, topic: string, readUncommitted: boolean) => {
    const c = kafka.consumer({ groupId, readUncommitted, sessionTimeout: 6000, heartbeatInterval: 300, maxWaitTimeInMs: 300 });
    consumers.push(c);
    await c.connect();
    await c.subscribe({ topic, fromBeginning: true });
    return c;
  };
  /** Every value of topic, read by a new group from the beginning, once `count` have come. */
  const readAll = async (topic: string, readUncommitted: boolean, count: number) => {
    const c = await groupConsumer(`eos-verify-${topic}-${readUncommitted}`, topic, readUncommitted);
    const seen: string[] = [];
    await c.run({ eachMessage: async ({ message }) => { seen.push(message.value!.toString()); } });
    await eventually(`${count} values of ${topic}`, async () => (seen.length >= count ? true : undefined), 20_000);
    await new Promise((r) => setTimeout(r, 500)); // anything beyond count would show by now
    await c.disconnect();
    return seen;
  };

  test('each input is transformed once; the aborted transaction leaves no output and no offsets', async () => {
    const c = await groupConsumer(GROUP, IN, false);
    const done = new Set<string>();
    let aborted = 0;
    await c.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        const value = message.value!.toString();
        const offsets = { consumerGroupId: GROUP, topics: [{ topic, partitions: [{ partition, offset: String(Number(message.offset) + 1) }] }] };
        if (value === REDONE && aborted === 0) {
          const txn = await producer.transaction();
          await txn.send({ topic: OUT, messages: [{ key: message.key, value: `ABORTED-${value}` }] });
          await txn.sendOffsets(offsets);
          await txn.abort();
          aborted++;
        }
        const txn = await producer.transaction();
        await txn.send({ topic: OUT, messages: [{ key: message.key, value: value.toUpperCase() }] });
        await txn.sendOffsets(offsets);
        await txn.commit();
        done.add(value);
      },
    });
    await eventually('every input transformed', async () => (done.size === COUNT ? true : undefined), 30_000);
    await c.disconnect();

    const expected = Array.from({ length: COUNT }, (_, i) => `IN-${i}`).sort();
    assert.deepEqual((await readAll(OUT, false, COUNT)).sort(), expected, 'read_committed: each input once, nothing of the aborted transaction');
    assert.deepEqual((await readAll(OUT, true, COUNT + 1)).sort(), [...expected, `ABORTED-${REDONE}`].sort(), 'read_uncommitted sees the aborted record');

    const admin = kafka.admin();
    await admin.connect();
    const committed = await admin.fetchOffsets({ groupId: GROUP, topics: [IN] });
    const ends = await admin.fetchTopicOffsets(IN);
    await admin.disconnect();
    assert.deepEqual(
      committed[0]!.partitions.map((p) => [p.partition, p.offset]).sort(),
      ends.map((p) => [p.partition, p.high]).sort(),
      'the group committed each partition\'s end through the transactions',
    );
  });

  test('a restarted member of the group resumes after the committed input and finds nothing to do', async () => {
    const c = await groupConsumer(GROUP, IN, false);
    const again: string[] = [];
    let joined = false;
    c.on(c.events.GROUP_JOIN, () => { joined = true; });
    await c.run({ autoCommit: false, eachMessage: async ({ message }) => { again.push(message.value!.toString()); } });
    await eventually('the member to join', async () => (joined ? true : undefined), 20_000);
    await new Promise((r) => setTimeout(r, 1500));
    assert.deepEqual(again, []);
  });
});
