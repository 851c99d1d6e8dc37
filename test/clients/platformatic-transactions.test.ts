// @platformatic/kafka 1.35 transactions against a real Samsa broker process. Its first
// InitProducerId v5 for a transactional id names producer id 0 and epoch 0 (not -1 and -1): the
// coordinator must take that as a new producer (Kafka's isValidProducerId: the id has no state yet).
// Two producers with fresh transactional ids each commit one transaction and abort another; a
// read_committed Fetch (the client's own) sees the committed records only, with the aborted
// transactions listed and the last stable offset at the high watermark.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Admin, Consumer, Producer, ProduceAcks, stringSerializers, type KafkaRecord } from '@platformatic/kafka';
import { ApiKey } from '../../src/protocol/messages/index.js';
import { CONTROL_FLAG_MASK } from '../../src/protocol/records/batch.js';
import { BrokerProcess } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';

const TOPIC = 'pl-txn';
let broker: BrokerProcess;
let admin: Admin;
let consumer: Consumer;
let raw: RawClient;
let nodeId: number;
const producers: Producer<string, string, string, string>[] = [];

const clientOptions = (): { clientId: string; bootstrapBrokers: string[]; retries: number; retryDelay: number } => ({
  clientId: 'samsa-platformatic-txn-test', bootstrapBrokers: [broker.bootstrap], retries: 2, retryDelay: 100,
});

before(async () => {
  broker = await BrokerProcess.start();
  admin = new Admin(clientOptions());
  consumer = new Consumer({ ...clientOptions(), groupId: 'samsa-unused-group' });
  raw = await RawClient.open(broker.bootstrap);
  nodeId = (await raw.metadata(null)).brokers[0].nodeId;
  await admin.createTopics({ topics: [TOPIC], partitions: 1 });
});

after(async () => {
  for (const p of producers) await p.close().catch(() => {});
  await consumer?.close().catch(() => {});
  await admin?.close().catch(() => {});
  await raw?.close();
  await broker?.dispose();
});

describe('@platformatic/kafka transactions', () => {
  test('a new transactional id (InitProducerId v5 with producer id 0, epoch 0): commit and abort end to end, read_committed', async () => {
    const producerIds = new Set<number>();
    for (const transactionalId of ['pl-txn-a', 'pl-txn-b']) {
      const producer = new Producer({ ...clientOptions(), serializers: stringSerializers, autocreateTopics: false, idempotent: true, transactionalId });
      producers.push(producer);
      const committed = await producer.beginTransaction();
      await committed.send({ acks: ProduceAcks.ALL, messages: [{ topic: TOPIC, partition: 0, key: 'k', value: `${transactionalId}-commit-1` }, { topic: TOPIC, partition: 0, key: 'k', value: `${transactionalId}-commit-2` }] });
      await committed.commit();
      const aborted = await producer.beginTransaction();
      await aborted.send({ acks: ProduceAcks.ALL, messages: [{ topic: TOPIC, partition: 0, key: 'k', value: `${transactionalId}-abort` }] });
      await aborted.abort();

      const d = await raw.request(ApiKey.DescribeTransactions, 0, { transactionalIds: [transactionalId] });
      const state = d.transactionStates[0];
      assert.equal(state.errorCode, 0);
      assert.equal(state.transactionState, 'CompleteAbort');
      assert.equal(state.producerEpoch, 0, 'a new transactional id starts at epoch 0');
      producerIds.add(Number(state.producerId));
    }
    assert.equal(producerIds.size, 2, 'each transactional id has a producer id of its own');

    const md = await consumer.metadata({ topics: [TOPIC], forceUpdate: true });
    const res = await consumer.fetch({
      node: nodeId, maxWaitTime: 0, minBytes: 0, isolationLevel: 1,
      topics: [{ topicId: md.topics.get(TOPIC)!.id, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, partitionMaxBytes: 1 << 20 }] }],
    });
    const p = res.responses[0]!.partitions[0]!;
    assert.equal(p.errorCode, 0);
    assert.equal(p.lastStableOffset, p.highWatermark, 'no transaction is left open');
    // producer id -> first offset of its aborted transaction (each producer aborted its second one)
    const abortedFrom = new Map((p.abortedTransactions ?? []).map((a) => [Number(a.producerId), a.firstOffset]));
    assert.deepEqual([...abortedFrom.keys()].sort(), [...producerIds].sort(), 'one aborted transaction of each producer');
    const values: string[] = [];
    for (const b of p.records ?? []) {
      if ((b.attributes & CONTROL_FLAG_MASK) !== 0) continue;
      const from = abortedFrom.get(Number(b.producerId));
      if (from !== undefined && b.firstOffset >= from) continue;
      values.push(...(b.records as KafkaRecord[]).map((r) => r.value!.toString()));
    }
    assert.deepEqual(values, ['pl-txn-a-commit-1', 'pl-txn-a-commit-2', 'pl-txn-b-commit-1', 'pl-txn-b-commit-2']);
  });
});
