// InitProducerId against a real broker process with the raw client, row by row of Kafka's decision
// table (TransactionCoordinator.handleInitProducerId, prepareInitProducerIdTransit,
// isValidProducerId, TransactionMetadata.prepareIncrementProducerEpoch): a transactional id
// without state takes any producer id and epoch; the current (id, epoch) is bumped; a retry of that
// bump (the epoch it came from) gets the same answer again; a fresh init forgets that epoch; any
// other epoch or id is PRODUCER_FENCED (INVALID_PRODUCER_EPOCH before v4); an open transaction is
// aborted first; an exhausted epoch moves to a new producer id, and a retry of that is answered the
// same. Also the request checks of KafkaApis (an id without an epoch, or the reverse: INVALID_REQUEST)
// and KIP-360 for idempotent producers (a new producer id at epoch 0 whatever they name).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey } from '../../src/protocol/messages/index.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { buildRecordBatch } from '../../src/protocol/records/build.js';
import { partitionForKey } from '../../src/groups/group-log.js';
import { encodeTransactionLogKey, encodeTransactionLogValue } from '../../src/transactions/log-records.js';
import { TRANSACTION_STATE_TOPIC, TxnState } from '../../src/transactions/coordinator.js';
import { BrokerProcess } from '../helpers/broker.js';
import { eventually } from '../helpers/clients.js';
import { RawClient } from '../helpers/raw-client.js';

const TOPIC = 'ipid';
const STATE_PARTITIONS = 3;
const NONE = ErrorCode.NONE;
const FENCED = ErrorCode.PRODUCER_FENCED;

describe('InitProducerId: Kafka\'s decision table', () => {
  let broker: BrokerProcess;
  let raw: RawClient;

  const init = async (transactionalId: string | null, producerId = -1, producerEpoch = -1, version = 5) => {
    const res = await raw.request(ApiKey.InitProducerId, version, { transactionalId, transactionTimeoutMs: 30_000, producerId, producerEpoch });
    return [res.errorCode as number, res.producerId as number, res.producerEpoch as number];
  };
  const refused = (errorCode: number) => [errorCode, -1, -1];

  before(async () => {
    broker = await BrokerProcess.start({ overrides: { 'transaction.state.log.num.partitions': STATE_PARTITIONS } });
    raw = await RawClient.open(broker.bootstrap);
    await raw.createTopic(TOPIC, 1);
  });
  after(async () => {
    await raw?.close();
    await broker?.dispose();
  });

  test('no state yet: a new producer id at epoch 0, whatever id and epoch the request names', async () => {
    const a = await init('ipid-new-a', 0, 0);
    assert.equal(a[0], NONE);
    assert.equal(a[2], 0);
    const b = await init('ipid-new-b', 12345, 77);
    assert.deepEqual([b[0], b[2]], [NONE, 0]);
    const c = await init('ipid-new-c');
    assert.deepEqual([c[0], c[2]], [NONE, 0]);
    assert.equal(new Set([a[1], b[1], c[1]]).size, 3, 'a producer id per transactional id');
    // v3, the first version that names a producer
    const d = await init('ipid-new-d', 0, 0, 3);
    assert.deepEqual([d[0], d[2]], [NONE, 0]);
  });

  test('the current id and epoch are bumped; a retry of that bump gets the same answer; other epochs and ids are fenced', async () => {
    const [, pid] = await init('ipid-bump');
    assert.deepEqual(await init('ipid-bump'), [NONE, pid, 1], 'no producer named: bumped');
    assert.deepEqual(await init('ipid-bump', pid, 1), [NONE, pid, 2], 'the current epoch: bumped');
    assert.deepEqual(await init('ipid-bump', pid, 1), [NONE, pid, 2], 'a retry of the same request: the same answer, no bump');
    assert.deepEqual(await init('ipid-bump', pid, 1), [NONE, pid, 2], 'and again');
    assert.deepEqual(await init('ipid-bump', pid, 2), [NONE, pid, 3], 'the current epoch again: bumped');
    assert.deepEqual(await init('ipid-bump', pid, 1), refused(FENCED), 'an epoch older than the last bump');
    assert.deepEqual(await init('ipid-bump', pid, 9), refused(FENCED), 'an epoch from the future');
    assert.deepEqual(await init('ipid-bump', pid, 1, 3), refused(ErrorCode.INVALID_PRODUCER_EPOCH), 'fenced, as v3 says it');
    assert.deepEqual(await init('ipid-bump', pid + 1000, 3), refused(FENCED), 'another producer id (never INVALID_PRODUCER_ID_MAPPING)');
    // a fresh init (no producer named) bumps and forgets the epoch the last bump came from
    assert.deepEqual(await init('ipid-bump'), [NONE, pid, 4]);
    assert.deepEqual(await init('ipid-bump', pid, 3), refused(FENCED), 'the old producer\'s retry after another producer took over');
    assert.deepEqual(await init('ipid-bump', pid, 4), [NONE, pid, 5], 'the new producer recovers (KIP-360)');
  });

  test('an open transaction is aborted first; the producer that named its own epoch is fenced by that abort', async () => {
    const [, pid] = await init('ipid-open');
    const open = async (epoch: number) => {
      const res = await raw.request(ApiKey.AddPartitionsToTxn, 3, {
        v3AndBelowTransactionalId: 'ipid-open', v3AndBelowProducerId: pid, v3AndBelowProducerEpoch: epoch, v3AndBelowTopics: [{ name: TOPIC, partitions: [0] }],
      });
      assert.equal(res.resultsByTopicV3AndBelow[0].resultsByPartition[0].partitionErrorCode, NONE);
    };
    const state = async () => (await raw.request(ApiKey.DescribeTransactions, 0, { transactionalIds: ['ipid-open'] })).transactionStates[0];
    await open(0);
    assert.deepEqual(await init('ipid-open'), [NONE, pid, 2], 'a fence to abort it, then the bump');
    assert.equal((await state()).transactionState, 'Empty');
    await open(2);
    // Kafka: the abort fences epoch 2 (epoch 3, no last epoch), and the client's retry with epoch 2 is fenced
    assert.deepEqual(await init('ipid-open', pid, 2), refused(FENCED));
    const s = await state();
    assert.deepEqual([s.transactionState, s.producerEpoch], ['CompleteAbort', 3]);
    assert.deepEqual(await init('ipid-open'), [NONE, pid, 4]);
  });

  test('request checks: a producer id without an epoch, or an epoch without an id, is INVALID_REQUEST; idempotent producers get a new id', async () => {
    for (const id of ['ipid-check', null]) {
      assert.deepEqual(await init(id, -1, 0), refused(ErrorCode.INVALID_REQUEST), `${id}: epoch without id`);
      assert.deepEqual(await init(id, 7, -1), refused(ErrorCode.INVALID_REQUEST), `${id}: id without epoch`);
    }
    assert.equal((await raw.request(ApiKey.DescribeTransactions, 0, { transactionalIds: ['ipid-check'] })).transactionStates[0].errorCode,
      ErrorCode.TRANSACTIONAL_ID_NOT_FOUND, 'a refused request leaves no state behind');
    // KIP-360 for an idempotent producer: whatever it names, a new producer id at epoch 0
    const [e1, p1, ep1] = await init(null);
    assert.deepEqual([e1, ep1], [NONE, 0]);
    const [e2, p2, ep2] = await init(null, p1, 0);
    assert.deepEqual([e2, ep2], [NONE, 0]);
    assert.notEqual(p2, p1);
    const [e3, p3, ep3] = await init(null, 0, 0);
    assert.deepEqual([e3, ep3], [NONE, 0]);
    assert.ok(p3 !== p1 && p3 !== p2);
  });

  test('an exhausted epoch moves to a new producer id; a retry of that is answered the same; a fresh init after exhaustion too', async () => {
    // Two transactional ids whose last __transaction_state record says epoch 32765, replayed by a restart.
    const ids = ['ipid-exhaust', 'ipid-exhaust-fresh'];
    const pids = new Map<string, number>();
    for (const id of ids) {
      const [errorCode, pid] = await init(id);
      assert.equal(errorCode, NONE);
      pids.set(id, pid);
      const value = encodeTransactionLogValue({
        producerId: pid, producerEpoch: 32765, transactionTimeoutMs: 30_000, transactionStatus: TxnState.Empty, transactionPartitions: null,
        transactionLastUpdateTimestampMs: Date.now(), transactionStartTimestampMs: -1,
      });
      const r = await raw.produce(TRANSACTION_STATE_TOPIC, partitionForKey(id, STATE_PARTITIONS), buildRecordBatch({ timestamp: Date.now(), records: [{ key: encodeTransactionLogKey(id), value }] }));
      assert.equal(r.errorCode, NONE);
    }
    await raw.close();
    broker = await broker.restart();
    raw = await RawClient.open(broker.bootstrap);
    const pid = pids.get('ipid-exhaust')!;
    const first = await eventually('the coordinator loaded', async () => {
      const r = await init('ipid-exhaust', pid, 32765);
      return r[0] === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS ? undefined : r;
    }, 15_000, 50);
    assert.deepEqual(first, [NONE, pid, 32766], 'the last epoch before exhaustion');
    assert.deepEqual(await init('ipid-exhaust', pid, 32765), [NONE, pid, 32766], 'a retry of it');
    const [errorCode, next, epoch] = await init('ipid-exhaust', pid, 32766);
    assert.deepEqual([errorCode, epoch], [NONE, 0], 'the exhausted epoch: a new producer id');
    assert.notEqual(next, pid);
    assert.deepEqual(await init('ipid-exhaust', pid, 32766), [NONE, next, 0], 'a retry with the old id and its exhausted epoch: the same answer');
    assert.deepEqual(await init('ipid-exhaust', pid, 32765), refused(FENCED), 'the old id with an epoch not exhausted');
    assert.deepEqual(await init('ipid-exhaust', next, 0), [NONE, next, 1]);

    const fresh = pids.get('ipid-exhaust-fresh')!;
    assert.deepEqual(await init('ipid-exhaust-fresh'), [NONE, fresh, 32766]);
    const [e2, next2, epoch2] = await init('ipid-exhaust-fresh');
    assert.deepEqual([e2, epoch2], [NONE, 0]);
    assert.ok(next2 !== fresh && next2 !== next);
    assert.deepEqual(await init('ipid-exhaust-fresh', fresh, 32766), refused(FENCED), 'after a fresh init, the old producer\'s retry is fenced');
  });
});
