// The transaction coordinator over the wire, against a real broker process with the raw client:
// FindCoordinator for transactional ids (creating __transaction_state); InitProducerId for a
// transactional id (an epoch bump per init, KIP-360 checks, INVALID_TRANSACTION_TIMEOUT);
// AddPartitionsToTxn v3 and v4 (batched, verifyOnly) with UNKNOWN_TOPIC_OR_PARTITION and
// OPERATION_NOT_ATTEMPTED; EndTxn from each state (a retried commit answered NONE); a stale epoch
// answered PRODUCER_FENCED from the versions of KIP-588 and INVALID_PRODUCER_EPOCH before them;
// DescribeTransactions and ListTransactions; a transaction past its timeout aborted by the sweep
// with an epoch bump that fences its producer; TxnOffsetCommit offsets hidden from OffsetFetch
// until the commit (UNSTABLE_OFFSET_COMMIT with requireStable), aborted ones never shown; and a
// kill -9 in the middle of a transaction: after the restart it is aborted on its timeout, the last
// stable offset moves past it, and the committed offsets survive (then a clean restart as well).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey } from '../../src/protocol/messages/index.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { CONTROL_FLAG_MASK, TRANSACTIONAL_FLAG_MASK } from '../../src/protocol/records/batch.js';
import { buildRecordBatch, ControlRecordType } from '../../src/protocol/records/build.js';
import { BrokerProcess } from '../helpers/broker.js';
import { eventually } from '../helpers/clients.js';
import { RawClient } from '../helpers/raw-client.js';
import { decodeBatches, type DecodedBatch } from '../helpers/record-batch.js';

const TOPIC = 'txc';
const PARTITIONS = 3;
const STATE_PARTITIONS = 5;
const MAX_TIMEOUT_MS = 60_000;

interface Producer { transactionalId: string; producerId: number; producerEpoch: number; sequences: Map<number, number> }
type Offsets = Record<number, { offset: number; metadata: string | null; errorCode: number }>;

/** The records a read_committed client keeps: aborted transactions dropped, control batches skipped. */
function committedView(batches: DecodedBatch[], aborted: { producerId: number; firstOffset: number }[]): string[] {
  const pending = [...aborted].sort((a, b) => a.firstOffset - b.firstOffset);
  const open = new Set<number>();
  const out: string[] = [];
  for (const b of batches) {
    while (pending.length > 0 && pending[0]!.firstOffset <= b.lastOffset) open.add(pending.shift()!.producerId);
    if ((b.attributes & CONTROL_FLAG_MASK) !== 0) {
      if (b.records[0]!.key!.readInt16BE(2) === ControlRecordType.ABORT) open.delete(b.producerId);
      continue;
    }
    if ((b.attributes & TRANSACTIONAL_FLAG_MASK) !== 0 && open.has(b.producerId)) continue;
    out.push(...b.records.map((r) => r.value!.toString()));
  }
  return out;
}

/** [baseOffset, 'commit' | 'abort', producerId] of each control batch. */
function markers(batches: DecodedBatch[]): [number, string, number][] {
  return batches.filter((b) => (b.attributes & CONTROL_FLAG_MASK) !== 0)
    .map((b) => [b.baseOffset, b.records[0]!.key!.readInt16BE(2) === ControlRecordType.COMMIT ? 'commit' : 'abort', b.producerId]);
}

describe('the transaction coordinator over the wire', () => {
  let broker: BrokerProcess;
  let raw: RawClient;

  const initPid = async (transactionalId: string, opts: { timeoutMs?: number; version?: number; producerId?: number; producerEpoch?: number } = {}) => {
    const res = await raw.request(ApiKey.InitProducerId, opts.version ?? 4, {
      transactionalId, transactionTimeoutMs: opts.timeoutMs ?? 30_000, producerId: opts.producerId ?? -1, producerEpoch: opts.producerEpoch ?? -1,
    });
    return { errorCode: res.errorCode as number, producerId: res.producerId as number, producerEpoch: res.producerEpoch as number };
  };
  const newProducer = async (transactionalId: string, timeoutMs = 30_000): Promise<Producer> => {
    const r = await initPid(transactionalId, { timeoutMs });
    assert.equal(r.errorCode, 0, `InitProducerId ${transactionalId}`);
    return { transactionalId, producerId: r.producerId, producerEpoch: r.producerEpoch, sequences: new Map() };
  };
  /** AddPartitionsToTxn v0-3: the error code of each "topic-partition". */
  const addPartitions = async (p: Producer, topics: Record<string, number[]>, version = 3, producerEpoch = p.producerEpoch) => {
    const res = await raw.request(ApiKey.AddPartitionsToTxn, version, {
      v3AndBelowTransactionalId: p.transactionalId, v3AndBelowProducerId: p.producerId, v3AndBelowProducerEpoch: producerEpoch,
      v3AndBelowTopics: Object.entries(topics).map(([name, partitions]) => ({ name, partitions })),
    });
    return Object.fromEntries((res.resultsByTopicV3AndBelow as { name: string; resultsByPartition: { partitionIndex: number; partitionErrorCode: number }[] }[])
      .flatMap((t) => t.resultsByPartition.map((r) => [`${t.name}-${r.partitionIndex}`, r.partitionErrorCode])));
  };
  const endTxn = async (p: Producer, committed: boolean, version = 3, producerEpoch = p.producerEpoch) => {
    const res = await raw.request(ApiKey.EndTxn, version, { transactionalId: p.transactionalId, producerId: p.producerId, producerEpoch, committed });
    return res.errorCode as number;
  };
  const addOffsets = async (p: Producer, groupId: string, version = 3, producerEpoch = p.producerEpoch) => {
    const res = await raw.request(ApiKey.AddOffsetsToTxn, version, { transactionalId: p.transactionalId, producerId: p.producerId, producerEpoch, groupId });
    return res.errorCode as number;
  };
  /** Produce v9 of one transactional batch, with the producer's next sequence for the partition. */
  const produceTxn = async (p: Producer, partition: number, values: string[], producerEpoch = p.producerEpoch) => {
    const baseSequence = p.sequences.get(partition) ?? 0;
    const records = buildRecordBatch({
      timestamp: Date.now(), producerId: p.producerId, producerEpoch, baseSequence, attributes: TRANSACTIONAL_FLAG_MASK,
      records: values.map((v) => ({ key: null, value: Buffer.from(v) })),
    });
    const res = await raw.request(ApiKey.Produce, 9, {
      transactionalId: p.transactionalId, acks: -1, timeoutMs: 10_000, topicData: [{ name: TOPIC, partitionData: [{ index: partition, records }] }],
    });
    const r = res.responses[0].partitionResponses[0];
    if (r.errorCode === 0) p.sequences.set(partition, baseSequence + values.length);
    return { errorCode: r.errorCode as number, baseOffset: r.baseOffset as number };
  };
  const producePlain = async (partition: number, values: string[]) => {
    const r = await raw.produce(TOPIC, partition, buildRecordBatch({ timestamp: Date.now(), records: values.map((v) => ({ key: null, value: Buffer.from(v) })) }));
    assert.equal(r.errorCode, 0);
    return r.baseOffset;
  };
  const fetch = async (partition: number, isolationLevel: 0 | 1, fetchOffset = 0) => {
    const res = await raw.request(ApiKey.Fetch, 12, {
      replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic: TOPIC, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] }],
      forgottenTopicsData: [], rackId: '',
    });
    const p = res.responses[0].partitions[0];
    assert.equal(p.errorCode, 0);
    const batches = decodeBatches(p.records);
    const aborted = (p.abortedTransactions ?? []) as { producerId: number; firstOffset: number }[];
    return {
      highWatermark: p.highWatermark as number, lastStableOffset: p.lastStableOffset as number, aborted, batches,
      all: batches.filter((b) => (b.attributes & CONTROL_FLAG_MASK) === 0).flatMap((b) => b.records.map((r) => r.value!.toString())),
      committed: committedView(batches, aborted), markers: markers(batches),
    };
  };
  const describeTxns = async (...ids: string[]) => {
    const res = await raw.request(ApiKey.DescribeTransactions, 0, { transactionalIds: ids });
    return res.transactionStates as { errorCode: number; transactionalId: string; transactionState: string; transactionTimeoutMs: number; transactionStartTimeMs: number; producerId: number; producerEpoch: number; topics: { topic: string; partitions: number[] }[] }[];
  };
  const describeTxn = async (id: string) => (await describeTxns(id))[0]!;
  const listTxns = async (filters: { states?: string[]; producerIds?: number[]; durationMs?: number }, version = 1) => {
    const res = await raw.request(ApiKey.ListTransactions, version, { stateFilters: filters.states ?? [], producerIdFilters: filters.producerIds ?? [], durationFilter: filters.durationMs ?? -1 });
    assert.equal(res.errorCode, 0);
    return {
      unknownStateFilters: res.unknownStateFilters as string[],
      states: Object.fromEntries((res.transactionStates as { transactionalId: string; producerId: number; transactionState: string }[]).map((t) => [t.transactionalId, [t.transactionState, t.producerId]])) as Record<string, [string, number]>,
    };
  };
  const txnOffsetCommit = async (p: Producer, groupId: string, offsets: Record<number, number>, version = 3) => {
    const res = await raw.request(ApiKey.TxnOffsetCommit, version, {
      transactionalId: p.transactionalId, groupId, producerId: p.producerId, producerEpoch: p.producerEpoch, generationId: -1, memberId: '', groupInstanceId: null,
      topics: [{ name: TOPIC, partitions: Object.entries(offsets).map(([partition, offset]) => ({ partitionIndex: Number(partition), committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: `m${offset}` })) }],
    });
    return Object.fromEntries((res.topics[0].partitions as { partitionIndex: number; errorCode: number }[]).map((x) => [x.partitionIndex, x.errorCode]));
  };
  /** OffsetFetch v7 (one group) or v8 (groups) of every partition of TOPIC. */
  const offsetFetch = async (groupId: string, requireStable: boolean, version = 7): Promise<Offsets> => {
    const partitionIndexes = Array.from({ length: PARTITIONS }, (_, i) => i);
    const res = version >= 8
      ? await raw.request(ApiKey.OffsetFetch, version, { groups: [{ groupId, memberId: null, memberEpoch: -1, topics: [{ name: TOPIC, partitionIndexes }] }], requireStable })
      : await raw.request(ApiKey.OffsetFetch, version, { groupId, topics: [{ name: TOPIC, partitionIndexes }], requireStable });
    const body = version >= 8 ? res.groups[0] : res;
    assert.equal(body.errorCode, 0);
    return Object.fromEntries((body.topics[0].partitions as { partitionIndex: number; committedOffset: number; metadata: string | null; errorCode: number }[])
      .map((x) => [x.partitionIndex, { offset: x.committedOffset, metadata: x.errorCode === 0 && x.committedOffset >= 0 ? x.metadata : null, errorCode: x.errorCode }]));
  };
  const offsetsOf = (o: Offsets): Record<number, number | string> =>
    Object.fromEntries(Object.entries(o).map(([p, x]) => [p, x.errorCode === 0 ? x.offset : `error ${x.errorCode}`]));
  /** After a restart: a new client, once both coordinators have replayed their logs (as clients retry COORDINATOR_LOAD_IN_PROGRESS). */
  const reconnect = async (next: BrokerProcess) => {
    broker = next;
    raw = await RawClient.open(broker.bootstrap);
    await eventually('the coordinators to load', async () => {
      const txn = (await describeTxns('tx-loaded'))[0]!.errorCode;
      const group = (await raw.request(ApiKey.OffsetFetch, 7, { groupId: 'tx-loaded', topics: [], requireStable: false })).errorCode as number;
      return txn !== ErrorCode.COORDINATOR_LOAD_IN_PROGRESS && group !== ErrorCode.COORDINATOR_LOAD_IN_PROGRESS ? true : undefined;
    }, 15_000, 50);
  };

  before(async () => {
    broker = await BrokerProcess.start({
      overrides: {
        'transaction.abort.timed.out.transaction.cleanup.interval.ms': 200,
        'transaction.max.timeout.ms': MAX_TIMEOUT_MS,
        'transaction.state.log.num.partitions': STATE_PARTITIONS,
        'offsets.topic.num.partitions': 3,
      },
    });
    raw = await RawClient.open(broker.bootstrap);
    const created = await raw.request(ApiKey.CreateTopics, 7, { topics: [{ name: TOPIC, numPartitions: PARTITIONS, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5_000, validateOnly: false });
    assert.equal(created.topics[0].errorCode, 0);
  });
  after(async () => {
    await raw?.close();
    await broker?.dispose();
  });

  test('FindCoordinator for a transactional id creates __transaction_state and names this broker', async () => {
    const before = await raw.metadata(['__transaction_state']);
    assert.equal(before.topics[0].errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const nodeId = before.brokers[0].nodeId as number;

    const v3 = await raw.request(ApiKey.FindCoordinator, 3, { key: 'tx-find', keyType: 1 });
    assert.deepEqual([v3.errorCode, v3.nodeId, v3.host, v3.port], [0, nodeId, '127.0.0.1', broker.port]);
    const md = await raw.metadata(['__transaction_state']);
    assert.equal(md.topics[0].errorCode, 0);
    assert.equal(md.topics[0].isInternal, true);
    assert.equal(md.topics[0].partitions.length, STATE_PARTITIONS);

    const v4 = await raw.request(ApiKey.FindCoordinator, 4, { keyType: 1, coordinatorKeys: ['tx-find', 'tx-other'] });
    assert.deepEqual((v4.coordinators as { key: string; nodeId: number; port: number; errorCode: number }[]).map((c) => [c.key, c.nodeId, c.port, c.errorCode]),
      [['tx-find', nodeId, broker.port, 0], ['tx-other', nodeId, broker.port, 0]]);
    const bad = await raw.request(ApiKey.FindCoordinator, 3, { key: 'tx-find', keyType: 2 });
    assert.equal(bad.errorCode, ErrorCode.INVALID_REQUEST);
  });

  test('InitProducerId for a transactional id: one producer id, the epoch bumped on each init, at every version', async () => {
    const seen: [number, number, number][] = [];
    for (const version of [0, 1, 2, 3, 4, 5]) {
      const r = await initPid('tx-init', { version });
      seen.push([r.errorCode, r.producerId, r.producerEpoch]);
    }
    const pid = seen[0]![1];
    assert.ok(pid >= 0);
    assert.deepEqual(seen, [0, 1, 2, 3, 4, 5].map((epoch) => [0, pid, epoch]));

    // KIP-360 (v3+): a producer that names its current id and epoch is bumped; a retry of that gets the
    // same answer; a stale epoch or another producer id is fenced (every row: init-producer-id.test.ts)
    assert.deepEqual(await initPid('tx-init', { version: 4, producerId: pid, producerEpoch: 5 }), { errorCode: 0, producerId: pid, producerEpoch: 6 });
    assert.deepEqual(await initPid('tx-init', { version: 4, producerId: pid, producerEpoch: 5 }), { errorCode: 0, producerId: pid, producerEpoch: 6 });
    assert.equal((await initPid('tx-init', { version: 4, producerId: pid, producerEpoch: 4 })).errorCode, ErrorCode.PRODUCER_FENCED);
    assert.equal((await initPid('tx-init', { version: 3, producerId: pid, producerEpoch: 4 })).errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
    assert.equal((await initPid('tx-init', { version: 4, producerId: pid + 1000, producerEpoch: 6 })).errorCode, ErrorCode.PRODUCER_FENCED);

    // transaction timeouts: over transaction.max.timeout.ms, or not positive
    assert.deepEqual(await initPid('tx-init', { timeoutMs: MAX_TIMEOUT_MS + 1 }), { errorCode: ErrorCode.INVALID_TRANSACTION_TIMEOUT, producerId: -1, producerEpoch: -1 });
    assert.equal((await initPid('tx-init', { timeoutMs: 0 })).errorCode, ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    assert.equal((await initPid('tx-timeout-new', { timeoutMs: MAX_TIMEOUT_MS + 1 })).errorCode, ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    assert.equal((await describeTxn('tx-timeout-new')).errorCode, ErrorCode.TRANSACTIONAL_ID_NOT_FOUND, 'a refused init leaves no transactional id behind');
    assert.deepEqual(await initPid('tx-init', { timeoutMs: MAX_TIMEOUT_MS }), { errorCode: 0, producerId: pid, producerEpoch: 7 });
    assert.equal((await initPid('', {})).errorCode, ErrorCode.INVALID_REQUEST);

    // another transactional id gets another producer id
    const other = await initPid('tx-init-2');
    assert.equal(other.errorCode, 0);
    assert.notEqual(other.producerId, pid);
    assert.equal(other.producerEpoch, 0);
  });

  test('AddPartitionsToTxn v3: the partitions join; an unknown one fails the request and the rest are not attempted', async () => {
    const p = await newProducer('tx-add');
    assert.deepEqual(await addPartitions(p, { [TOPIC]: [0, 2] }), { [`${TOPIC}-0`]: 0, [`${TOPIC}-2`]: 0 });
    assert.deepEqual(await addPartitions(p, { [TOPIC]: [0] }), { [`${TOPIC}-0`]: 0 }, 'adding a partition again');
    assert.deepEqual(await addPartitions(p, { [TOPIC]: [1, 7], 'no-such-topic': [0] }), {
      [`${TOPIC}-1`]: ErrorCode.OPERATION_NOT_ATTEMPTED, [`${TOPIC}-7`]: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'no-such-topic-0': ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    });
    const d = await describeTxn('tx-add');
    assert.equal(d.transactionState, 'Ongoing');
    assert.deepEqual(d.topics, [{ topic: TOPIC, partitions: [0, 2] }], 'the refused request added nothing');
    assert.deepEqual(await addPartitions({ ...p, producerId: p.producerId + 1000 }, { [TOPIC]: [1] }), { [`${TOPIC}-1`]: ErrorCode.INVALID_PRODUCER_ID_MAPPING });
    assert.deepEqual(await addPartitions({ ...p, transactionalId: 'tx-never-initialized' }, { [TOPIC]: [1] }), { [`${TOPIC}-1`]: ErrorCode.INVALID_PRODUCER_ID_MAPPING });
    assert.equal(await endTxn(p, false), 0);
  });

  test('AddPartitionsToTxn v4: transactions batched in one request, each answered; verifyOnly checks membership', async () => {
    const a = await newProducer('tx-batch-a');
    const b = await newProducer('tx-batch-b');
    const v4 = (transactions: { p: Producer; verifyOnly?: boolean; partitions: Record<string, number[]>; producerEpoch?: number }[]) => raw.request(ApiKey.AddPartitionsToTxn, 4, {
      transactions: transactions.map(({ p, verifyOnly, partitions, producerEpoch }) => ({
        transactionalId: p.transactionalId, producerId: p.producerId, producerEpoch: producerEpoch ?? p.producerEpoch, verifyOnly: verifyOnly ?? false,
        topics: Object.entries(partitions).map(([name, ps]) => ({ name, partitions: ps })),
      })),
    });
    const results = (res: Awaited<ReturnType<typeof v4>>) => {
      assert.equal(res.errorCode, 0);
      return Object.fromEntries((res.resultsByTransaction as { transactionalId: string; topicResults: { name: string; resultsByPartition: { partitionIndex: number; partitionErrorCode: number }[] }[] }[])
        .map((t) => [t.transactionalId, Object.fromEntries(t.topicResults.flatMap((x) => x.resultsByPartition.map((r) => [`${x.name}-${r.partitionIndex}`, r.partitionErrorCode])))]));
    };
    assert.deepEqual(results(await v4([{ p: a, partitions: { [TOPIC]: [0, 1] } }, { p: b, partitions: { [TOPIC]: [2], missing: [0] } }])), {
      'tx-batch-a': { [`${TOPIC}-0`]: 0, [`${TOPIC}-1`]: 0 },
      'tx-batch-b': { [`${TOPIC}-2`]: ErrorCode.OPERATION_NOT_ATTEMPTED, 'missing-0': ErrorCode.UNKNOWN_TOPIC_OR_PARTITION },
    });
    assert.deepEqual((await describeTxns('tx-batch-a', 'tx-batch-b')).map((d) => [d.transactionalId, d.transactionState, d.topics]), [
      ['tx-batch-a', 'Ongoing', [{ topic: TOPIC, partitions: [0, 1] }]],
      ['tx-batch-b', 'Empty', []],
    ]);
    assert.deepEqual(results(await v4([
      { p: a, verifyOnly: true, partitions: { [TOPIC]: [0, 1] } },
      { p: b, partitions: { [TOPIC]: [2] }, producerEpoch: b.producerEpoch + 1 },
    ])), {
      'tx-batch-a': { [`${TOPIC}-0`]: 0, [`${TOPIC}-1`]: 0 },
      'tx-batch-b': { [`${TOPIC}-2`]: ErrorCode.PRODUCER_FENCED },
    });
    assert.deepEqual(results(await v4([{ p: a, verifyOnly: true, partitions: { [TOPIC]: [2] } }])), { 'tx-batch-a': { [`${TOPIC}-2`]: ErrorCode.INVALID_TXN_STATE } });
    assert.deepEqual((await describeTxn('tx-batch-a')).topics, [{ topic: TOPIC, partitions: [0, 1] }], 'verifyOnly adds nothing');
    assert.equal(await endTxn(a, false), 0);
  });

  test('EndTxn: INVALID_TXN_STATE with nothing open; commit writes the markers; a retried commit is answered NONE', async () => {
    const p = await newProducer('tx-end');
    assert.equal(await endTxn(p, true), ErrorCode.INVALID_TXN_STATE, 'Empty: nothing to commit');
    assert.equal(await endTxn(p, false), ErrorCode.INVALID_TXN_STATE, 'Empty: nothing to abort');

    const hw = (await fetch(1, 0)).highWatermark;
    assert.deepEqual(await addPartitions(p, { [TOPIC]: [1] }), { [`${TOPIC}-1`]: 0 });
    assert.deepEqual(await produceTxn(p, 1, ['end-a', 'end-b']), { errorCode: 0, baseOffset: hw });
    assert.equal((await fetch(1, 1)).lastStableOffset, hw, 'open: the LSO stays at the first offset of the transaction');
    const res = await raw.request(ApiKey.EndTxn, 5, { transactionalId: p.transactionalId, producerId: p.producerId, producerEpoch: p.producerEpoch, committed: true });
    assert.deepEqual([res.errorCode, res.producerId, res.producerEpoch], [0, p.producerId, p.producerEpoch]);
    const after = await fetch(1, 1);
    assert.deepEqual([after.highWatermark, after.lastStableOffset], [hw + 3, hw + 3]);
    assert.deepEqual(after.markers.filter(([o]) => o >= hw), [[hw + 2, 'commit', p.producerId]]);
    assert.deepEqual(after.committed.slice(-2), ['end-a', 'end-b']);

    assert.equal(await endTxn(p, true), 0, 'a retried commit');
    assert.equal(await endTxn(p, true, 0), 0, 'a retried commit at v0');
    assert.equal(await endTxn(p, false), ErrorCode.INVALID_TXN_STATE, 'abort after a commit');
    assert.equal((await fetch(1, 0)).highWatermark, hw + 3, 'the retries wrote no second marker');
    assert.equal((await describeTxn('tx-end')).transactionState, 'CompleteCommit');

    // the next transaction aborts; a retried abort is NONE, a commit now INVALID_TXN_STATE
    assert.deepEqual(await addPartitions(p, { [TOPIC]: [1] }), { [`${TOPIC}-1`]: 0 });
    assert.equal((await produceTxn(p, 1, ['end-c'])).errorCode, 0);
    assert.equal(await endTxn(p, false), 0);
    assert.equal(await endTxn(p, false), 0, 'a retried abort');
    assert.equal(await endTxn(p, true), ErrorCode.INVALID_TXN_STATE);
    const aborted = await fetch(1, 1);
    assert.deepEqual(aborted.aborted, [{ producerId: p.producerId, firstOffset: hw + 3 }]);
    assert.deepEqual(aborted.markers.filter(([o]) => o >= hw), [[hw + 2, 'commit', p.producerId], [hw + 4, 'abort', p.producerId]]);
    assert.ok(!aborted.committed.includes('end-c'));
    assert.ok((await fetch(1, 0)).all.includes('end-c'), 'read_uncommitted sees the aborted record');
  });

  test('a stale epoch: PRODUCER_FENCED from the KIP-588 versions, INVALID_PRODUCER_EPOCH before them', async () => {
    const old = await newProducer('tx-fence');
    assert.deepEqual(await addPartitions(old, { [TOPIC]: [0] }), { [`${TOPIC}-0`]: 0 });
    assert.equal((await produceTxn(old, 0, ['fenced-a'])).errorCode, 0);
    // a new producer with the same id: the open transaction is aborted, the old epoch fenced
    const cur = await newProducer('tx-fence');
    assert.equal(cur.producerId, old.producerId);
    assert.equal(cur.producerEpoch, old.producerEpoch + 2, 'one bump to abort the open transaction, one for the new producer');
    const d = await describeTxn('tx-fence');
    assert.deepEqual([d.transactionState, d.producerEpoch], ['Empty', cur.producerEpoch]);
    const p0 = await fetch(0, 1);
    assert.ok(p0.aborted.some((a) => a.producerId === old.producerId), 'the open transaction was aborted');
    assert.ok(!p0.committed.includes('fenced-a'));
    assert.equal(p0.lastStableOffset, p0.highWatermark);

    for (const version of [0, 1]) {
      assert.deepEqual(await addPartitions(old, { [TOPIC]: [0] }, version), { [`${TOPIC}-0`]: ErrorCode.INVALID_PRODUCER_EPOCH }, `AddPartitionsToTxn v${version}`);
      assert.equal(await endTxn(old, true, version), ErrorCode.INVALID_PRODUCER_EPOCH, `EndTxn v${version}`);
      assert.equal(await addOffsets(old, 'tx-fence-group', version), ErrorCode.INVALID_PRODUCER_EPOCH, `AddOffsetsToTxn v${version}`);
    }
    for (const version of [2, 3]) {
      assert.deepEqual(await addPartitions(old, { [TOPIC]: [0] }, version), { [`${TOPIC}-0`]: ErrorCode.PRODUCER_FENCED }, `AddPartitionsToTxn v${version}`);
      assert.equal(await endTxn(old, true, version), ErrorCode.PRODUCER_FENCED, `EndTxn v${version}`);
      assert.equal(await addOffsets(old, 'tx-fence-group', version), ErrorCode.PRODUCER_FENCED, `AddOffsetsToTxn v${version}`);
    }
    assert.equal((await produceTxn(old, 0, ['fenced-b'])).errorCode, ErrorCode.INVALID_PRODUCER_EPOCH, 'Produce with the old epoch');
    assert.equal((await describeTxn('tx-fence')).transactionState, 'Empty', 'the refused requests changed nothing');
    // the current producer works
    assert.deepEqual(await addPartitions(cur, { [TOPIC]: [0] }), { [`${TOPIC}-0`]: 0 });
    assert.equal((await produceTxn(cur, 0, ['fence-ok'])).errorCode, 0);
    assert.equal(await endTxn(cur, true), 0);
    assert.ok((await fetch(0, 1)).committed.includes('fence-ok'));
  });

  test('DescribeTransactions and ListTransactions', async () => {
    const a = await newProducer('tx-list-a', 45_000);
    const b = await newProducer('tx-list-b');
    const c = await newProducer('tx-list-c');
    const startedAfter = Date.now();
    assert.deepEqual(await addPartitions(a, { [TOPIC]: [2, 0] }), { [`${TOPIC}-0`]: 0, [`${TOPIC}-2`]: 0 });
    assert.equal(await addOffsets(a, 'tx-list-group'), 0);
    const startedBefore = Date.now();
    assert.deepEqual(await addPartitions(b, { [TOPIC]: [1] }), { [`${TOPIC}-1`]: 0 });
    assert.equal(await endTxn(b, true), 0);

    const [da, db, dc, missing] = await describeTxns('tx-list-a', 'tx-list-b', 'tx-list-c', 'tx-list-missing');
    assert.equal(da!.errorCode, 0);
    assert.deepEqual([da!.transactionalId, da!.transactionState, da!.transactionTimeoutMs, da!.producerId, da!.producerEpoch], ['tx-list-a', 'Ongoing', 45_000, a.producerId, a.producerEpoch]);
    assert.ok(da!.transactionStartTimeMs >= startedAfter && da!.transactionStartTimeMs <= startedBefore, `start ${da!.transactionStartTimeMs} in [${startedAfter}, ${startedBefore}]`);
    const topics = Object.fromEntries(da!.topics.map((t) => [t.topic, t.partitions]));
    assert.deepEqual(Object.keys(topics).sort(), ['__consumer_offsets', TOPIC]);
    assert.deepEqual(topics[TOPIC], [0, 2]);
    assert.equal(topics.__consumer_offsets!.length, 1, 'AddOffsetsToTxn added the group\'s __consumer_offsets partition');
    assert.deepEqual([db!.transactionState, db!.topics], ['CompleteCommit', []]);
    assert.deepEqual([dc!.transactionState, dc!.topics, dc!.transactionStartTimeMs], ['Empty', [], -1]);
    assert.deepEqual([missing!.errorCode, missing!.transactionalId], [ErrorCode.TRANSACTIONAL_ID_NOT_FOUND, 'tx-list-missing']);

    const mine = (states: Record<string, [string, number]>) => Object.fromEntries(Object.entries(states).filter(([id]) => id.startsWith('tx-list-')));
    const all = await listTxns({}, 0);
    assert.deepEqual(all.unknownStateFilters, []);
    assert.deepEqual(mine(all.states), { 'tx-list-a': ['Ongoing', a.producerId], 'tx-list-b': ['CompleteCommit', b.producerId], 'tx-list-c': ['Empty', c.producerId] });
    assert.ok('tx-end' in all.states && 'tx-fence' in all.states, 'ids of earlier tests are listed too');
    assert.deepEqual(mine((await listTxns({ states: ['Ongoing'] })).states), { 'tx-list-a': ['Ongoing', a.producerId] });
    const filtered = await listTxns({ states: ['Bogus', 'CompleteCommit', 'Empty', 'alsoBogus'] });
    assert.deepEqual(filtered.unknownStateFilters, ['Bogus', 'alsoBogus']);
    assert.deepEqual(mine(filtered.states), { 'tx-list-b': ['CompleteCommit', b.producerId], 'tx-list-c': ['Empty', c.producerId] });
    assert.deepEqual((await listTxns({ producerIds: [b.producerId, c.producerId] })).states, { 'tx-list-b': ['CompleteCommit', b.producerId], 'tx-list-c': ['Empty', c.producerId] });
    assert.deepEqual((await listTxns({ states: ['Ongoing'], producerIds: [b.producerId] })).states, {});
    // v1: running longer than the duration
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(mine((await listTxns({ states: ['Ongoing'], durationMs: 10 })).states), { 'tx-list-a': ['Ongoing', a.producerId] });
    assert.deepEqual(mine((await listTxns({ states: ['Ongoing'], durationMs: 3_600_000 })).states), {});

    assert.equal(await endTxn(a, false), 0);
    assert.equal((await describeTxn('tx-list-a')).transactionState, 'CompleteAbort');
  });

  test('a transaction past its timeout is aborted by the sweep, with an epoch bump that fences its producer', async () => {
    const p = await newProducer('tx-timeout', 1_500);
    const base = (await fetch(2, 0)).highWatermark;
    assert.deepEqual(await addPartitions(p, { [TOPIC]: [2] }), { [`${TOPIC}-2`]: 0 });
    assert.deepEqual(await produceTxn(p, 2, ['late-a', 'late-b']), { errorCode: 0, baseOffset: base });
    assert.equal(await producePlain(2, ['plain-after-late']), base + 2);
    assert.deepEqual((await fetch(2, 1, base)).committed, [], 'the open transaction holds read_committed back');

    const d = await eventually('the timed-out transaction to be aborted', async () => {
      const x = await describeTxn('tx-timeout');
      return x.transactionState === 'CompleteAbort' ? x : undefined;
    }, 15_000, 100);
    assert.deepEqual([d.producerId, d.producerEpoch, d.topics], [p.producerId, p.producerEpoch + 1, []]);
    assert.ok(broker.output.some((l) => /aborting a transaction past its timeout/.test(l) && l.includes('tx-timeout')), 'the broker logged the abort');

    const view = await fetch(2, 1, base);
    assert.deepEqual([view.highWatermark, view.lastStableOffset], [base + 4, base + 4]);
    assert.deepEqual(view.aborted, [{ producerId: p.producerId, firstOffset: base }]);
    assert.deepEqual(view.markers, [[base + 3, 'abort', p.producerId]]);
    assert.equal(view.batches.find((b) => (b.attributes & CONTROL_FLAG_MASK) !== 0)!.producerEpoch, p.producerEpoch + 1, 'the marker carries the bumped epoch');
    assert.deepEqual(view.committed, ['plain-after-late'], 'read_committed: the aborted records are gone, the record after them shows');
    assert.deepEqual((await fetch(2, 0, base)).all, ['late-a', 'late-b', 'plain-after-late']);

    // the producer of the old epoch is fenced everywhere
    assert.equal((await produceTxn(p, 2, ['late-c'])).errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
    assert.deepEqual(await addPartitions(p, { [TOPIC]: [2] }), { [`${TOPIC}-2`]: ErrorCode.PRODUCER_FENCED });
    assert.equal(await endTxn(p, true), ErrorCode.PRODUCER_FENCED);
    assert.equal(await endTxn(p, false), ErrorCode.PRODUCER_FENCED);
    assert.equal((await fetch(2, 0)).highWatermark, base + 4, 'nothing more was appended');
    // a new producer for the id starts at the epoch after the fence
    assert.equal((await newProducer('tx-timeout', 1_500)).producerEpoch, p.producerEpoch + 2);
  });

  test('TxnOffsetCommit: offsets invisible until the commit, UNSTABLE_OFFSET_COMMIT with requireStable, aborted ones never', async () => {
    const GROUP = 'tx-offsets-group';
    const p = await newProducer('tx-offsets');
    assert.equal(await addOffsets(p, GROUP), 0);
    assert.deepEqual(await txnOffsetCommit(p, GROUP, { 0: 5 }), { 0: 0 });
    for (const version of [7, 8]) {
      assert.deepEqual(offsetsOf(await offsetFetch(GROUP, false, version)), { 0: -1, 1: -1, 2: -1 }, `v${version}: not visible before the commit`);
      assert.deepEqual(offsetsOf(await offsetFetch(GROUP, true, version)), { 0: `error ${ErrorCode.UNSTABLE_OFFSET_COMMIT}`, 1: -1, 2: -1 }, `v${version} requireStable`);
    }
    assert.equal(await endTxn(p, true), 0);
    for (const requireStable of [false, true]) {
      const o = await offsetFetch(GROUP, requireStable);
      assert.deepEqual(offsetsOf(o), { 0: 5, 1: -1, 2: -1 });
      assert.equal(o[0]!.metadata, 'm5');
    }

    // the next transaction is aborted: its offsets never show
    assert.equal(await addOffsets(p, GROUP), 0);
    assert.deepEqual(await txnOffsetCommit(p, GROUP, { 0: 9, 1: 3 }), { 0: 0, 1: 0 });
    assert.deepEqual(offsetsOf(await offsetFetch(GROUP, true)), { 0: `error ${ErrorCode.UNSTABLE_OFFSET_COMMIT}`, 1: `error ${ErrorCode.UNSTABLE_OFFSET_COMMIT}`, 2: -1 });
    assert.deepEqual(offsetsOf(await offsetFetch(GROUP, false)), { 0: 5, 1: -1, 2: -1 });
    assert.equal(await endTxn(p, false), 0);
    for (const requireStable of [false, true]) assert.deepEqual(offsetsOf(await offsetFetch(GROUP, requireStable)), { 0: 5, 1: -1, 2: -1 });

    // two commits in one transaction: the last one counts
    assert.equal(await addOffsets(p, GROUP), 0);
    assert.deepEqual(await txnOffsetCommit(p, GROUP, { 2: 4 }), { 2: 0 });
    assert.deepEqual(await txnOffsetCommit(p, GROUP, { 2: 6 }), { 2: 0 });
    assert.equal(await endTxn(p, true), 0);
    assert.deepEqual(offsetsOf(await offsetFetch(GROUP, true)), { 0: 5, 1: -1, 2: 6 });
  });

  test('kill -9 in the middle of a transaction: after the restart it is aborted on its timeout and read_committed gets past it', async () => {
    const GROUP = 'tx-offsets-group';
    const p = await newProducer('tx-crash', 3_000);
    const base = (await fetch(0, 0)).highWatermark;
    assert.deepEqual(await addPartitions(p, { [TOPIC]: [0] }), { [`${TOPIC}-0`]: 0 });
    assert.equal(await addOffsets(p, GROUP), 0);
    assert.deepEqual(await produceTxn(p, 0, ['crash-a', 'crash-b']), { errorCode: 0, baseOffset: base });
    assert.deepEqual(await txnOffsetCommit(p, GROUP, { 0: 100, 1: 100 }), { 0: 0, 1: 0 });
    assert.equal(await producePlain(0, ['plain-after-crash']), base + 2);
    assert.equal((await fetch(0, 1)).lastStableOffset, base);

    await raw.close();
    await broker.kill();
    await reconnect(await BrokerProcess.start({ ...broker.options, port: broker.port, dataDir: broker.dataDir }));

    // replayed: still open (or already aborted if the restart took longer than the timeout)
    const replayed = await describeTxn('tx-crash');
    assert.equal(replayed.errorCode, 0);
    assert.equal(replayed.producerId, p.producerId);
    if (replayed.transactionState === 'Ongoing') {
      assert.equal((await fetch(0, 1)).lastStableOffset, base, 'the replayed transaction still holds read_committed back');
      assert.deepEqual(offsetsOf(await offsetFetch(GROUP, true)), { 0: `error ${ErrorCode.UNSTABLE_OFFSET_COMMIT}`, 1: `error ${ErrorCode.UNSTABLE_OFFSET_COMMIT}`, 2: 6 });
    } else {
      assert.equal(replayed.transactionState, 'CompleteAbort');
    }

    const d = await eventually('the replayed transaction to be aborted on its timeout', async () => {
      const x = await describeTxn('tx-crash');
      return x.transactionState === 'CompleteAbort' ? x : undefined;
    }, 15_000, 100);
    assert.equal(d.producerEpoch, p.producerEpoch + 1);
    const view = await fetch(0, 1, base);
    assert.deepEqual([view.highWatermark, view.lastStableOffset], [base + 4, base + 4], 'the LSO moved past the aborted transaction');
    assert.deepEqual(view.aborted, [{ producerId: p.producerId, firstOffset: base }]);
    assert.deepEqual(view.markers, [[base + 3, 'abort', p.producerId]]);
    assert.deepEqual(view.committed, ['plain-after-crash']);
    assert.equal((await produceTxn(p, 0, ['crash-c'])).errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);

    // the aborted offsets never show; the committed ones survived the crash
    for (const requireStable of [false, true]) assert.deepEqual(offsetsOf(await offsetFetch(GROUP, requireStable)), { 0: 5, 1: -1, 2: 6 });
    // earlier transactions' outcomes were replayed too
    assert.deepEqual((await describeTxns('tx-end', 'tx-list-a', 'tx-list-b')).map((x) => x.transactionState), ['CompleteAbort', 'CompleteAbort', 'CompleteCommit']);
  });

  test('a clean restart keeps the outcomes: committed offsets, aborted transactions, the epochs', async () => {
    const before = await fetch(0, 1);
    await raw.close();
    await reconnect(await broker.restart());
    const after = await fetch(0, 1);
    assert.deepEqual([after.highWatermark, after.lastStableOffset, after.aborted, after.committed], [before.highWatermark, before.lastStableOffset, before.aborted, before.committed]);
    for (const requireStable of [false, true]) assert.deepEqual(offsetsOf(await offsetFetch('tx-offsets-group', requireStable)), { 0: 5, 1: -1, 2: 6 });
    const d = await describeTxn('tx-crash');
    assert.equal(d.transactionState, 'CompleteAbort');
    const next = await newProducer('tx-crash', 3_000);
    assert.deepEqual([next.producerId, next.producerEpoch], [d.producerId, d.producerEpoch + 1], 'the epoch goes on from the replayed one');
    assert.deepEqual(await addPartitions(next, { [TOPIC]: [0] }), { [`${TOPIC}-0`]: 0 });
    assert.equal((await produceTxn(next, 0, ['after-restart'])).errorCode, 0);
    assert.equal(await endTxn(next, true), 0);
    assert.deepEqual((await fetch(0, 1, after.highWatermark)).committed, ['after-restart']);
  });
});
