// A coordinator whose start-up load fails is tried again, never stuck (issue 12, item 11's pattern):
// __consumer_offsets (one partition here) holds a good commit, then a record whose key cannot be
// decoded, then another good commit. After a restart the group coordinator's load fails on it:
// group requests answer COORDINATOR_LOAD_IN_PROGRESS and the broker logs that it tries again. Once
// the record is repaired in place on disk (its key made a key of a version the load skips, the
// batch CRC written again), the next try loads the groups without a restart, and the transaction
// coordinator, which loads after them, works too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { crc32c } from '@node-rs/crc32';
import { ErrorCode } from '../../src/protocol/errors.js';
import { ApiKey } from '../../src/protocol/messages/index.js';
import { BrokerProcess } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { buildBatch } from '../records/build-batch.js';

const TOPIC = 'load-retry-input';
const GROUP = 'load-retry';

async function commit(client: RawClient, offset: number): Promise<number> {
  const res = await client.request(ApiKey.OffsetCommit, 2, {
    groupId: GROUP, generationIdOrMemberEpoch: -1, memberId: '', retentionTimeMs: -1,
    topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, committedOffset: offset, committedMetadata: null }] }],
  });
  return res.topics[0].partitions[0].errorCode;
}

async function fetchOffset(client: RawClient): Promise<{ errorCode: number; offset: number }> {
  const res = await client.request(ApiKey.OffsetFetch, 5, { groupId: GROUP, topics: [{ name: TOPIC, partitionIndexes: [0] }] });
  return { errorCode: res.errorCode, offset: Number(res.topics?.[0]?.partitions[0]?.committedOffset ?? -1) };
}

async function until<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('a failed load of __consumer_offsets is tried again and succeeds once its cause is gone, without a restart', async () => {
  let broker = await BrokerProcess.start({ overrides: { 'offsets.topic.num.partitions': 1, 'group.initial.rebalance.delay.ms': 0 } });
  let client = await RawClient.open(broker.bootstrap);
  try {
    await client.request(ApiKey.CreateTopics, 5, { topics: [{ name: TOPIC, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
    await until('the group coordinator', () => commit(client, 7), (code) => code === ErrorCode.NONE);
    // A record with an OffsetCommitKey v1 header and nothing after it: the load cannot decode it.
    const bad = await client.produce('__consumer_offsets', 0, buildBatch({ records: [{ key: Buffer.from([0, 1, 0xff]), value: Buffer.from([0, 1]) }] }));
    assert.equal(bad.errorCode, ErrorCode.NONE);
    assert.equal(await commit(client, 9), ErrorCode.NONE);
    await client.close();

    broker = await broker.restart();
    client = await RawClient.open(broker.bootstrap);
    const failed = JSON.parse(await broker.waitForLine(/could not load the coordinator's state; trying again/, 30_000)) as Record<string, unknown>;
    assert.equal(failed.coordinator, 'group');
    assert.equal((await fetchOffset(client)).errorCode, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    // Still failing while the cause is there: the second try fails as well (and is logged).
    await until('a second try', async () => broker.output.filter((l) => /trying again/.test(l)).length, (n) => n >= 2);
    assert.equal((await fetchOffset(client)).errorCode, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);

    // The cause removed: the key's version 1 becomes 5 (a key the load skips), and the CRC follows.
    const dir = path.join(broker.dataDir, '__consumer_offsets-0');
    const file = path.join(dir, fs.readdirSync(dir).find((f) => f.endsWith('.log'))!);
    const bytes = fs.readFileSync(file);
    const at = bytes.indexOf(Buffer.from([0, 1, 0xff]));
    assert.ok(at > 0, 'the bad key is on disk');
    assert.equal(bytes.indexOf(Buffer.from([0, 1, 0xff]), at + 1), -1, 'only once');
    let batch = 0;
    while (batch + 12 + bytes.readInt32BE(batch + 8) <= at) batch += 12 + bytes.readInt32BE(batch + 8);
    const end = batch + 12 + bytes.readInt32BE(batch + 8);
    bytes[at + 1] = 5;
    bytes.writeUInt32BE(crc32c(bytes.subarray(batch + 21, end)) >>> 0, batch + 17);
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, bytes.subarray(batch, end), 0, end - batch, batch);
    fs.closeSync(fd);
    const loaded = await until('the groups loaded', () => fetchOffset(client), (r) => r.errorCode === ErrorCode.NONE);
    assert.equal(loaded.offset, 9, 'the commit after the bad record');
    await broker.waitForLine(/transaction coordinator loaded/, 30_000);
    const init = await client.request(ApiKey.InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
    assert.equal(init.errorCode, ErrorCode.NONE);
    assert.equal(await commit(client, 11), ErrorCode.NONE);
    assert.equal((await fetchOffset(client)).offset, 11);
  } finally {
    await client.close();
    await broker.dispose();
  }
});
