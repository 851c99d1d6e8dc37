// Fetch's size limits (KIP-74) over the wire, with the raw client at every served Fetch version:
// the response's max_bytes across partitions in request order and each partition's
// partition_max_bytes, cut at whole batches; the first batch of the first partition with data
// whole even when larger than both (so a consumer makes progress), and nothing larger after it.
// Also within an incremental fetch session (whose order rotates, as Kafka's does) and with
// read_committed (the aborted transactions follow the cut). Long polls: min_bytes beyond what
// max_bytes lets in does not hold a full response back, and appends to a partition that already
// had data count. (A long poll that waits wrongly fails on the raw client's 15 s request timeout,
// well before its max_wait_ms of 60 s: no timing is asserted.)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey, ZERO_UUID } from '../../src/protocol/messages/index.js';
import { TRANSACTIONAL_FLAG_MASK, batchSizeAt } from '../../src/protocol/records/batch.js';
import { buildRecordBatch } from '../../src/protocol/records/build.js';
import { BrokerProcess } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { decodeBatches } from '../helpers/record-batch.js';

const VERSIONS = Array.from({ length: 17 - 4 + 1 }, (_, i) => 4 + i);
/** Batches of one record of this many value bytes (about 60 KB each). */
const VALUE_BYTES = 60_000;
const BATCHES = 5;
/** The response overhead allowed on top of max_bytes: headers and partition fields. */
const OVERHEAD = 1_000;

let broker: BrokerProcess;
let raw: RawClient;
const topicIds = new Map<string, string>();

function batch(tag: string, bytes = VALUE_BYTES, producer?: { producerId: number; producerEpoch: number; baseSequence: number }): Buffer {
  return buildRecordBatch({
    timestamp: Date.now(),
    ...(producer === undefined ? {} : { ...producer, attributes: TRANSACTIONAL_FLAG_MASK }),
    records: [{ key: Buffer.from(tag), value: Buffer.alloc(bytes, tag.charCodeAt(0)) }],
  });
}

async function createTopic(name: string, partitions: number): Promise<void> {
  const res = await raw.request(ApiKey.CreateTopics, 7, { topics: [{ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
  assert.equal(res.topics[0].errorCode, 0);
  topicIds.set(name, res.topics[0].topicId);
}

interface Want { partition: number; fetchOffset: number }
interface Got { partition: number; errorCode: number; bytes: number; batches: { baseOffset: number; lastOffset: number; size: number }[]; aborted: { producerId: number; firstOffset: number }[] | null; highWatermark: number }

async function fetch(version: number, topic: string, wants: Want[], limits: { maxBytes: number; partitionMaxBytes: number; isolationLevel?: 0 | 1; sessionId?: number; sessionEpoch?: number; maxWaitMs?: number; minBytes?: number }): Promise<{ parts: Got[]; total: number; frame: number; sessionId: number }> {
  const res = await raw.request(ApiKey.Fetch, version, {
    replicaId: -1, maxWaitMs: limits.maxWaitMs ?? 0, minBytes: limits.minBytes ?? 0, maxBytes: limits.maxBytes, isolationLevel: limits.isolationLevel ?? 0,
    sessionId: limits.sessionId ?? 0, sessionEpoch: limits.sessionEpoch ?? -1,
    topics: wants.length === 0 ? [] : [{
      topic, topicId: version >= 13 ? topicIds.get(topic)! : ZERO_UUID,
      partitions: wants.map((w) => ({ ...w, currentLeaderEpoch: -1, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: limits.partitionMaxBytes })),
    }],
    forgottenTopicsData: [], rackId: '',
  });
  assert.equal(res.errorCode, 0);
  const parts: Got[] = res.responses.flatMap((t: any) => t.partitions.map((p: any): Got => {
    const records = p.records as Buffer;
    const batches = decodeBatches(records).map((b) => ({ baseOffset: b.baseOffset, lastOffset: b.lastOffset, size: 0 }));
    for (let at = 0, i = 0; at < records.length; at += batchSizeAt(records, at), i++) batches[i]!.size = batchSizeAt(records, at);
    // whole batches only: every byte belongs to a batch that decoded
    assert.equal(batches.reduce((n, b) => n + b.size, 0), records.length, `partition ${p.partitionIndex}: whole batches`);
    return { partition: p.partitionIndex, errorCode: p.errorCode, bytes: records.length, batches, aborted: p.abortedTransactions, highWatermark: p.highWatermark };
  }));
  for (const p of parts) assert.equal(p.errorCode, 0, `partition ${p.partition}`);
  return { parts, total: parts.reduce((n, p) => n + p.bytes, 0), frame: raw.lastResponseBytes, sessionId: res.sessionId };
}

const part = (got: { parts: Got[] }, partition: number): Got => got.parts.find((p) => p.partition === partition)!;
const batchesOf = (got: { parts: Got[] }): number[] => got.parts.map((p) => p.batches.length);

before(async () => {
  broker = await BrokerProcess.start();
  raw = await RawClient.open(broker.bootstrap);
  // four partitions of BATCHES batches of about 60 KB each (over both shard workers)
  await createTopic('limits', 4);
  for (let p = 0; p < 4; p++) {
    for (let i = 0; i < BATCHES; i++) assert.equal((await raw.produce('limits', p, batch(`p${p}-${i}`))).errorCode, 0);
  }
  // partition 0: one 300 KB batch; partition 1: five 10 KB batches
  await createTopic('limits-big', 2);
  assert.equal((await raw.produce('limits-big', 0, batch('big', 300_000))).errorCode, 0);
  for (let i = 0; i < 5; i++) assert.equal((await raw.produce('limits-big', 1, batch(`small-${i}`, 10_000))).errorCode, 0);
});
after(async () => {
  await raw.close();
  await broker.dispose();
});

describe('Fetch max_bytes and partition_max_bytes at every version', () => {
  for (const version of VERSIONS) {
    test(`v${version}: max_bytes caps the response across partitions, in request order`, async () => {
      const all = [0, 1, 2, 3].map((partition) => ({ partition, fetchOffset: 0 }));
      // 150 KB across partitions of 300 KB each, partition limit 20 MB: two whole batches of partition 0
      const got = await fetch(version, 'limits', all, { maxBytes: 150_000, partitionMaxBytes: 20_000_000 });
      assert.ok(got.total <= 150_000, `${got.total} bytes of records`);
      assert.ok(got.frame <= 150_000 + OVERHEAD, `a ${got.frame}-byte response`);
      assert.deepEqual(batchesOf(got), [2, 0, 0, 0]);
      assert.deepEqual(part(got, 0).batches.map((b) => b.baseOffset), [0, 1]);
      // the same from offset 4 of partition 0: its last batch, then one more from partition 1
      const later = await fetch(version, 'limits', [{ partition: 0, fetchOffset: 4 }, ...all.slice(1)], { maxBytes: 150_000, partitionMaxBytes: 20_000_000 });
      assert.deepEqual(batchesOf(later), [1, 1, 0, 0]);
      assert.ok(later.total <= 150_000);
      // partition_max_bytes of 100 KB: one batch of each partition, within max_bytes
      const each = await fetch(version, 'limits', all, { maxBytes: 1_000_000, partitionMaxBytes: 100_000 });
      assert.deepEqual(batchesOf(each), [1, 1, 1, 1]);
      // max_bytes larger than everything: all of it
      const everything = await fetch(version, 'limits', all, { maxBytes: 50_000_000, partitionMaxBytes: 20_000_000 });
      assert.deepEqual(batchesOf(everything), [BATCHES, BATCHES, BATCHES, BATCHES]);
    });

    test(`v${version}: a first batch larger than both limits comes whole; after other data it does not`, async () => {
      const first = await fetch(version, 'limits-big', [{ partition: 0, fetchOffset: 0 }, { partition: 1, fetchOffset: 0 }], { maxBytes: 100_000, partitionMaxBytes: 50_000 });
      assert.equal(part(first, 0).batches.length, 1);
      assert.ok(part(first, 0).bytes > 300_000);
      assert.equal(part(first, 1).bytes, 0, 'max_bytes is spent after the oversized first batch');
      // partition 1 first: its whole batches within 50 KB; then no room for partition 0's batch
      const second = await fetch(version, 'limits-big', [{ partition: 1, fetchOffset: 0 }, { partition: 0, fetchOffset: 0 }], { maxBytes: 100_000, partitionMaxBytes: 50_000 });
      assert.equal(part(second, 1).batches.length, 4);
      assert.ok(part(second, 1).bytes <= 50_000);
      assert.equal(part(second, 0).bytes, 0);
      // max_bytes 0: still the first batch, so a consumer moves on
      const zero = await fetch(version, 'limits-big', [{ partition: 1, fetchOffset: 2 }], { maxBytes: 0, partitionMaxBytes: 0 });
      assert.deepEqual(part(zero, 1).batches.map((b) => b.baseOffset), [2]);
    });
  }
});

describe('Fetch limits within an incremental fetch session', () => {
  for (const version of VERSIONS.filter((v) => v >= 7)) {
    test(`v${version}: every response within max_bytes, partitions served in turn, all data read`, async () => {
      const next = [0, 0, 0, 0];
      const limits = { maxBytes: 150_000, partitionMaxBytes: 20_000_000 };
      let got = await fetch(version, 'limits', next.map((fetchOffset, partition) => ({ partition, fetchOffset })), { ...limits, sessionEpoch: 0 });
      const sessionId = got.sessionId;
      assert.notEqual(sessionId, 0);
      const served: number[][] = [];
      for (let epoch = 1; ; epoch++) {
        assert.ok(got.total <= limits.maxBytes, `epoch ${epoch - 1}: ${got.total} bytes`);
        const moved = got.parts.filter((p) => p.batches.length > 0);
        served.push(moved.map((p) => p.partition));
        for (const p of moved) next[p.partition] = p.batches.at(-1)!.lastOffset + 1;
        if (next.every((n) => n === BATCHES)) break;
        assert.ok(epoch < 20, `no progress: ${JSON.stringify(served)}`);
        got = await fetch(version, 'limits', moved.map((p) => ({ partition: p.partition, fetchOffset: next[p.partition]! })), { ...limits, sessionId, sessionEpoch: epoch });
      }
      // the full response and the first incremental one read partition 0; then it goes last
      assert.deepEqual(served.slice(0, 3), [[0], [0], [1]]);
      await fetch(version, 'limits', [], { ...limits, sessionId, sessionEpoch: -1 });
    });
  }
});

describe('Fetch limits with read_committed', () => {
  let producerId = -1;
  let producerEpoch = -1;

  before(async () => {
    await createTopic('limits-txn', 2);
    const init = await raw.request(ApiKey.InitProducerId, 4, { transactionalId: 'limits-txn', transactionTimeoutMs: 30_000, producerId: -1, producerEpoch: -1 });
    assert.equal(init.errorCode, 0);
    ({ producerId, producerEpoch } = init);
    let sequence = [0, 0];
    const txn = async (batches: [number, string][], committed: boolean): Promise<void> => {
      const added = await raw.request(ApiKey.AddPartitionsToTxn, 3, {
        v3AndBelowTransactionalId: 'limits-txn', v3AndBelowProducerId: producerId, v3AndBelowProducerEpoch: producerEpoch,
        v3AndBelowTopics: [{ name: 'limits-txn', partitions: [0, 1] }],
      });
      for (const t of added.resultsByTopicV3AndBelow) for (const r of t.resultsByPartition) assert.equal(r.partitionErrorCode, 0);
      for (const [partition, tag] of batches) {
        const res = await raw.request(ApiKey.Produce, 9, {
          transactionalId: 'limits-txn', acks: -1, timeoutMs: 10_000,
          topicData: [{ name: 'limits-txn', partitionData: [{ index: partition, records: batch(tag, VALUE_BYTES, { producerId, producerEpoch, baseSequence: sequence[partition]! }) }] }],
        });
        assert.equal(res.responses[0].partitionResponses[0].errorCode, 0);
        sequence = sequence.map((s, p) => (p === partition ? s + 1 : s));
      }
      const ended = await raw.request(ApiKey.EndTxn, 3, { transactionalId: 'limits-txn', producerId, producerEpoch, committed });
      assert.equal(ended.errorCode, 0);
    };
    // partition 0: an aborted batch at 0 (marker at 1), then two committed (2, 3; marker 4);
    // partition 1: an aborted batch at 0 (marker 1), then three committed (2, 3, 4; marker 5)
    await txn([[0, 'aborted-0'], [1, 'aborted-1']], false);
    await txn([[0, 'a'], [0, 'b'], [1, 'c'], [1, 'd'], [1, 'e']], true);
  });

  for (const version of VERSIONS) {
    test(`v${version}: cut at whole batches below the LSO, the aborted transactions with them`, async () => {
      const both = [{ partition: 0, fetchOffset: 0 }, { partition: 1, fetchOffset: 0 }];
      // 150 KB: partition 0's aborted batch, its marker and one committed batch; nothing of partition 1
      const got = await fetch(version, 'limits-txn', both, { maxBytes: 150_000, partitionMaxBytes: 20_000_000, isolationLevel: 1 });
      assert.ok(got.total <= 150_000);
      assert.deepEqual(part(got, 0).batches.map((b) => b.baseOffset), [0, 1, 2]);
      assert.deepEqual(part(got, 0).aborted, [{ producerId, firstOffset: 0 }]);
      assert.equal(part(got, 1).bytes, 0);
      assert.deepEqual(part(got, 1).aborted, [], 'no aborted transactions for batches left out');
      // both limits below one batch: the first batch alone, whole
      const tiny = await fetch(version, 'limits-txn', [{ partition: 1, fetchOffset: 2 }, { partition: 0, fetchOffset: 0 }], { maxBytes: 10_000, partitionMaxBytes: 10_000, isolationLevel: 1 });
      assert.deepEqual(part(tiny, 1).batches.map((b) => b.baseOffset), [2]);
      assert.deepEqual(part(tiny, 1).aborted, []);
      assert.equal(part(tiny, 0).bytes, 0);
    });
  }
});

describe('Fetch long polls and max_bytes', () => {
  test('a response as full as max_bytes allows is answered at once, whatever min_bytes asks', async () => {
    const all = [0, 1, 2, 3].map((partition) => ({ partition, fetchOffset: 0 }));
    const got = await fetch(12, 'limits', all, { maxBytes: 150_000, partitionMaxBytes: 20_000_000, minBytes: 1_000_000, maxWaitMs: 60_000 });
    assert.deepEqual(batchesOf(got), [2, 0, 0, 0]);
  });

  test('appends to a partition that already had data complete min_bytes; the answer holds them', async () => {
    await createTopic('limits-poll', 2);
    assert.equal((await raw.produce('limits-poll', 0, batch('first', 1_000))).errorCode, 0);
    const other = await RawClient.open(broker.bootstrap);
    try {
      const polled = fetch(12, 'limits-poll', [{ partition: 0, fetchOffset: 0 }, { partition: 1, fetchOffset: 0 }], { maxBytes: 1_000_000, partitionMaxBytes: 1_000_000, minBytes: 1_800, maxWaitMs: 60_000 });
      await other.produce('limits-poll', 0, batch('second', 1_000));
      const got = await polled;
      assert.deepEqual(part(got, 0).batches.map((b) => b.baseOffset), [0, 1]);
    } finally {
      await other.close();
    }
  });
});
