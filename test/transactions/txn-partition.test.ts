// The partition side of transactions. Over the wire, against a real broker process with the raw
// client: InitProducerId for idempotent producers, transactional batches of two producers, Fetch
// read_committed stopping at the last stable offset (and waiting there), ListOffsets by isolation
// level, DescribeProducers, duplicates and sequence errors on Produce, and all of it again after a
// kill -9. Transaction markers are reached by no API of their own yet (the coordinator's EndTxn
// writes them through src/transactions/markers.ts), so the markers are driven at the shard: its
// task function run in this process on a temporary directory.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Piscina } from 'piscina';
import { ApiKey } from '../../src/protocol/messages/index.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { TRANSACTIONAL_FLAG_MASK } from '../../src/protocol/records/batch.js';
import { buildRecordBatch } from '../../src/protocol/records/build.js';
import runShard from '../../src/workers/shard.js';
import type { DescribeProducersResult, FetchResult, ListOffsetsResult, ProduceResult, ShardTask, WriteTxnMarkersResult } from '../../src/workers/messages.js';
import { BrokerProcess } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { decodeBatches } from '../helpers/record-batch.js';

const TOPIC = 'txn-partition';

interface Batch { producerId: number; producerEpoch?: number; baseSequence: number; count: number; transactional?: boolean; tag: string }

function records(b: Batch): Buffer {
  return buildRecordBatch({
    timestamp: Date.now(), producerId: b.producerId, producerEpoch: b.producerEpoch ?? 0, baseSequence: b.baseSequence,
    attributes: b.transactional === false ? 0 : TRANSACTIONAL_FLAG_MASK,
    records: Array.from({ length: b.count }, (_, i) => ({ key: null, value: Buffer.from(`${b.tag}-${i}`) })),
  });
}

describe('transactions over the wire: the last stable offset', () => {
  let broker: BrokerProcess;
  let raw: RawClient;
  let p1 = -1;
  let p2 = -1;

  const fetch = async (fetchOffset: number, isolationLevel: 0 | 1, wait: { maxWaitMs?: number; minBytes?: number } = {}) => {
    const res = await raw.request(ApiKey.Fetch, 12, {
      replicaId: -1, maxWaitMs: wait.maxWaitMs ?? 0, minBytes: wait.minBytes ?? 0, maxBytes: 1 << 20, isolationLevel, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic: TOPIC, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] }],
      forgottenTopicsData: [], rackId: '',
    });
    const p = res.responses[0].partitions[0];
    assert.equal(p.errorCode, 0);
    const batches = decodeBatches(p.records);
    return { ...p, batches, values: batches.flatMap((b) => b.records.map((r) => r.value!.toString())) };
  };
  const listOffset = async (isolationLevel: number, timestamp = -1): Promise<number> => {
    const res = await raw.request(ApiKey.ListOffsets, 7, { replicaId: -1, isolationLevel, topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp }] }] });
    assert.equal(res.topics[0].partitions[0].errorCode, 0);
    return res.topics[0].partitions[0].offset;
  };
  const produce = async (b: Batch): Promise<{ errorCode: number; baseOffset: number }> => raw.produce(TOPIC, 0, records(b));
  const describeProducers = async () => {
    const res = await raw.request(ApiKey.DescribeProducers, 0, { topics: [{ name: TOPIC, partitionIndexes: [0, 7] }] });
    const [p0, p7] = res.topics[0].partitions;
    assert.equal(p7.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    assert.equal(p0.errorCode, 0);
    return (p0.activeProducers as { producerId: number; producerEpoch: number; lastSequence: number; currentTxnStartOffset: number; coordinatorEpoch: number }[])
      .map(({ producerId, producerEpoch, lastSequence, currentTxnStartOffset, coordinatorEpoch }) => ({ producerId, producerEpoch, lastSequence, currentTxnStartOffset, coordinatorEpoch }))
      .sort((a, b) => a.producerId - b.producerId);
  };

  before(async () => {
    broker = await BrokerProcess.start();
    raw = await RawClient.open(broker.bootstrap);
    await raw.createTopic(TOPIC, 1);
  });
  after(async () => {
    await raw?.close();
    await broker?.dispose();
  });

  test('InitProducerId gives idempotent producers new ids at epoch 0, at every version', async () => {
    const ids: number[] = [];
    for (const version of [0, 1, 2, 3, 4, 5]) {
      const res = await raw.request(ApiKey.InitProducerId, version, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
      assert.equal(res.errorCode, 0);
      assert.equal(res.producerEpoch, 0);
      ids.push(res.producerId);
    }
    assert.equal(new Set(ids).size, ids.length, `distinct ids ${ids.join(',')}`);
    [p1, p2] = ids.slice(-2) as [number, number];
  });

  test('read_committed stops at the first offset of the oldest open transaction', async () => {
    assert.deepEqual(await produce({ producerId: -1, baseSequence: -1, count: 2, transactional: false, tag: 'plain' }), { errorCode: 0, baseOffset: 0 });
    assert.deepEqual(await produce({ producerId: p1, baseSequence: 0, count: 3, tag: 'p1a' }), { errorCode: 0, baseOffset: 2 });
    assert.deepEqual(await produce({ producerId: p2, baseSequence: 0, count: 2, tag: 'p2a' }), { errorCode: 0, baseOffset: 5 });
    assert.deepEqual(await produce({ producerId: p1, baseSequence: 3, count: 1, tag: 'p1b' }), { errorCode: 0, baseOffset: 7 });
    assert.deepEqual(await produce({ producerId: -1, baseSequence: -1, count: 1, transactional: false, tag: 'after' }), { errorCode: 0, baseOffset: 8 });

    const committed = await fetch(0, 1);
    assert.equal(committed.highWatermark, 9);
    assert.equal(committed.lastStableOffset, 2);
    assert.deepEqual(committed.values, ['plain-0', 'plain-1']);
    assert.deepEqual(committed.abortedTransactions, []);
    const uncommitted = await fetch(0, 0);
    assert.equal(uncommitted.lastStableOffset, 2);
    assert.equal(uncommitted.abortedTransactions, null);
    assert.deepEqual(uncommitted.values, ['plain-0', 'plain-1', 'p1a-0', 'p1a-1', 'p1a-2', 'p2a-0', 'p2a-1', 'p1b-0', 'after-0']);
    assert.equal(uncommitted.batches[1]!.attributes & TRANSACTIONAL_FLAG_MASK, TRANSACTIONAL_FLAG_MASK);
    assert.equal(uncommitted.batches[1]!.producerId, p1);
    assert.deepEqual((await fetch(5, 1)).values, [], 'past the LSO: nothing');
  });

  test('a read_committed fetch at the last stable offset waits like an empty fetch', async () => {
    const started = Date.now();
    const res = await fetch(2, 1, { maxWaitMs: 600, minBytes: 1 });
    assert.deepEqual(res.values, []);
    assert.ok(Date.now() - started >= 500, `answered after ${Date.now() - started} ms`);
  });

  test('ListOffsets: latest is the LSO for read_committed, the log end for read_uncommitted', async () => {
    assert.equal(await listOffset(1), 2);
    assert.equal(await listOffset(0), 9);
    assert.equal(await listOffset(1, -2), 0);
    // by timestamp: the first offset is 0 either way; past the LSO read_committed is told of nothing
    assert.equal(await listOffset(1, 0), 0);
  });

  test('DescribeProducers lists both producers with their open transactions', async () => {
    assert.deepEqual(await describeProducers(), [
      { producerId: p1, producerEpoch: 0, lastSequence: 3, currentTxnStartOffset: 2, coordinatorEpoch: -1 },
      { producerId: p2, producerEpoch: 0, lastSequence: 1, currentTxnStartOffset: 5, coordinatorEpoch: -1 },
    ].sort((a, b) => a.producerId - b.producerId));
  });

  test('Produce: a retried batch answers its first offset; gaps and stale epochs are refused', async () => {
    assert.deepEqual(await produce({ producerId: p1, baseSequence: 3, count: 1, tag: 'p1b' }), { errorCode: 0, baseOffset: 7 });
    assert.deepEqual(await produce({ producerId: p2, baseSequence: 0, count: 2, tag: 'p2a' }), { errorCode: 0, baseOffset: 5 });
    assert.equal((await produce({ producerId: p2, baseSequence: 5, count: 1, tag: 'gap' })).errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    assert.equal((await produce({ producerId: p2, producerEpoch: -1, baseSequence: 2, count: 1, tag: 'stale' })).errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
    assert.equal((await produce({ producerId: p2, baseSequence: 2, count: 1, transactional: false, tag: 'plain' })).errorCode, ErrorCode.INVALID_TXN_STATE);
    assert.equal(await listOffset(0), 9, 'nothing was appended');
  });

  test('after kill -9 the producer state and the last stable offset are rebuilt', async () => {
    await raw.close();
    await broker.kill();
    broker = await BrokerProcess.start({ ...broker.options, port: broker.port, dataDir: broker.dataDir });
    raw = await RawClient.open(broker.bootstrap);
    assert.equal(await listOffset(1), 2);
    assert.equal((await fetch(0, 1)).lastStableOffset, 2);
    assert.equal((await describeProducers()).length, 2);
    assert.deepEqual(await produce({ producerId: p1, baseSequence: 3, count: 1, tag: 'p1b' }), { errorCode: 0, baseOffset: 7 });
    assert.deepEqual(await produce({ producerId: p1, baseSequence: 4, count: 1, tag: 'p1c' }), { errorCode: 0, baseOffset: 9 });
    // ids handed out before the crash are never handed out again
    const res = await raw.request(ApiKey.InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
    assert.ok(res.producerId > Math.max(p1, p2), `new id ${res.producerId} after ${p1}, ${p2}`);
  });
});

/** Runs one task on the shard's task function in this process; unwraps a transfer wrapper. */
function shard<T>(task: ShardTask): T {
  const out = runShard(task) as Record<symbol, unknown>;
  return (out !== null && typeof out === 'object' && Piscina.valueSymbol in out ? out[Piscina.valueSymbol] : out) as T;
}

describe('transaction markers at the shard', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'samsa-txn-shard-'));
  const KEY = 'markers-0';
  const open = () => shard<{ errorCode: number }[]>({ op: 'open', partitions: [{ key: KEY, dir: path.join(dir, KEY), config: { segmentBytes: 1 << 20, segmentMs: 604800000, retentionMs: -1, retentionBytes: -1, flushIntervalMessages: Number.MAX_SAFE_INTEGER, indexIntervalBytes: 4096 } }] });
  const produce = (b: Batch): ProduceResult => {
    const buf = records(b);
    const sab = new SharedArrayBuffer(buf.length + 16);
    buf.copy(Buffer.from(sab), 16);
    return shard<ProduceResult[]>({ op: 'produce', sab, items: [{ key: KEY, start: 16, length: buf.length, maxMessageBytes: 1 << 20, logAppendTime: false }] })[0]!;
  };
  const marker = (producerId: number, commit: boolean, producerEpoch = 0, coordinatorEpoch = 0): WriteTxnMarkersResult =>
    shard<WriteTxnMarkersResult[]>({ op: 'writeTxnMarkers', items: [{ key: KEY, producerId, producerEpoch, commit, coordinatorEpoch }] })[0]!;
  const fetch = (fetchOffset: number, isolationLevel: 0 | 1) => {
    const r = shard<FetchResult[]>({ op: 'fetch', items: [{ key: KEY, fetchOffset, maxBytes: 1 << 20, isolationLevel }] })[0]!;
    const batches = decodeBatches(r.records === null ? null : Buffer.from(r.records.buffer, r.records.byteOffset, r.records.byteLength));
    return { ...r, batches, values: batches.filter((b) => (b.attributes & 0x20) === 0).flatMap((b) => b.records.map((x) => x.value!.toString())) };
  };
  const latest = (isolationLevel: number): number => shard<ListOffsetsResult[]>({ op: 'listOffsets', items: [{ key: KEY, timestamp: -1, isolationLevel }] })[0]!.offset;

  after(() => {
    shard({ op: 'close' });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('commit and abort markers move the LSO; read_committed gets the aborted transactions', () => {
    assert.equal(open()[0]!.errorCode, 0);
    assert.equal(produce({ producerId: 1, baseSequence: 0, count: 2, tag: 'one' }).baseOffset, 0); // 0-1
    assert.equal(produce({ producerId: 2, baseSequence: 0, count: 2, tag: 'two' }).baseOffset, 2); // 2-3
    assert.equal(latest(1), 0);
    const abort = marker(1, false); // at 4
    assert.deepEqual([abort.errorCode, abort.offset], [0, 4]);
    assert.ok(abort.bytes > 0);
    assert.equal(latest(1), 2);
    assert.deepEqual(fetch(0, 1).values, ['one-0', 'one-1']);
    assert.deepEqual(fetch(0, 1).abortedTransactions, [{ producerId: 1, firstOffset: 0 }]);
    assert.equal(fetch(0, 1).lastStableOffset, 2);
    assert.equal(marker(2, true).offset, 5);
    assert.equal(latest(1), 6);
    const all = fetch(0, 1);
    assert.deepEqual(all.values, ['one-0', 'one-1', 'two-0', 'two-1']);
    assert.deepEqual(all.batches.map((b) => [b.baseOffset, b.lastOffset, b.attributes & 0x30]), [[0, 1, 0x10], [2, 3, 0x10], [4, 4, 0x30], [5, 5, 0x30]]);
    assert.deepEqual(all.abortedTransactions, [{ producerId: 1, firstOffset: 0 }]);
    assert.deepEqual(fetch(5, 1).abortedTransactions, []);
    assert.equal(fetch(0, 0).abortedTransactions, null);
  });

  test('markers: stale epochs are refused, a marker with no open transaction is written', () => {
    assert.equal(marker(1, true, 1).errorCode, 0); // epoch 1, nothing open: written, ends nothing
    assert.equal(marker(1, true, 0).errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
    assert.equal(marker(2, false, 0, -1).errorCode, ErrorCode.TRANSACTION_COORDINATOR_FENCED);
    assert.equal(latest(0), 7);
    assert.equal(latest(1), 7);
    const missing = shard<WriteTxnMarkersResult[]>({ op: 'writeTxnMarkers', items: [{ key: 'nope-0', producerId: 1, producerEpoch: 0, commit: true, coordinatorEpoch: 0 }] })[0]!;
    assert.equal(missing.errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);
  });

  test('DescribeProducers at the shard, and producer expiry on the retention task', () => {
    const [described] = shard<DescribeProducersResult[]>({ op: 'describeProducers', keys: [KEY] });
    assert.deepEqual(described!.activeProducers.map((p) => [p.producerId, p.producerEpoch, p.lastSequence, p.coordinatorEpoch, p.currentTxnStartOffset]).sort(), [
      [1, 1, -1, 0, -1], [2, 0, 1, 0, -1],
    ]);
    shard({ op: 'retention', nowMs: Date.now() + 3_600_000, producerIdExpirationMs: 60_000 });
    assert.deepEqual(shard<DescribeProducersResult[]>({ op: 'describeProducers', keys: [KEY] })[0]!.activeProducers, []);
  });

  test('the state survives close and open', () => {
    assert.equal(produce({ producerId: 3, baseSequence: 0, count: 1, tag: 'three' }).baseOffset, 7);
    shard({ op: 'close' });
    assert.equal(open()[0]!.errorCode, 0);
    assert.equal(latest(1), 7);
    assert.deepEqual(fetch(0, 1).abortedTransactions, [{ producerId: 1, firstOffset: 0 }]);
    assert.equal(produce({ producerId: 3, baseSequence: 0, count: 1, tag: 'three' }).baseOffset, 7, 'a duplicate after reopen');
    assert.equal(marker(3, false).offset, 8);
    assert.deepEqual(fetch(0, 1).abortedTransactions, [{ producerId: 1, firstOffset: 0 }, { producerId: 3, firstOffset: 7 }]);
  });
});
