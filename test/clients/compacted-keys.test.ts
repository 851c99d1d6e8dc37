// A compacted topic refuses records without a key, as Kafka's LogValidator does: the whole batch is
// refused with INVALID_RECORD, record_errors name each keyless record's index in its batch, and
// error_message sums them up (Produce v8+); nothing is appended, other partitions of the request are
// unaffected, batches whose records all have keys are accepted, cleanup.policy=compact,delete counts
// as compacted; records that cannot be walked are CORRUPT_MESSAGE. Raw Produce requests check the
// fields in each codec; kcat (librdkafka 2.0.2) producing a keyless message in each codec gets
// INVALID_RECORD ("Broker: Broker failed to validate record").
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKey } from '../../src/protocol/messages/index.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { BATCH_HEADER_SIZE, scanBatches } from '../../src/protocol/records/batch.js';
import { buildRecordBatch } from '../../src/protocol/records/build.js';
import { Codec, loadCodecs, recompressBatches } from '../../src/protocol/records/compression.js';
import { BrokerProcess, runCommand } from '../helpers/broker.js';
import { requireKcat } from '../helpers/clients.js';
import { RawClient } from '../helpers/raw-client.js';
import { fixCrc } from '../records/build-batch.js';

const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
const message = (tp: string) => `Compacted topic cannot accept message without key in topic partition ${tp}.`;

let broker: BrokerProcess;
let raw: RawClient;

before(async () => {
  await loadCodecs();
  broker = await BrokerProcess.start();
  raw = await RawClient.open(broker.bootstrap);
  await raw.createTopic('ck-compact', 2, { 'cleanup.policy': 'compact' });
  await raw.createTopic('ck-both', 1, { 'cleanup.policy': 'compact,delete' });
  await raw.createTopic('ck-delete', 1);
  for (const codec of CODECS) await raw.createTopic(`ck-kcat-${codec}`, 1, { 'cleanup.policy': 'compact' });
});

after(async () => {
  await raw?.close();
  await broker?.dispose();
});

/** One batch of these keys (null: no key), in a codec. */
function batch(keys: (string | null)[], codec: number = Codec.NONE): Buffer {
  const plain = buildRecordBatch({ timestamp: Date.now(), records: keys.map((k, i) => ({ key: k === null ? null : Buffer.from(k), value: Buffer.from(`v${i}`) })) });
  return codec === Codec.NONE ? plain : recompressBatches(plain, scanBatches(plain).batches, codec)!;
}

async function produce(partitions: { topic: string; partition: number; records: Buffer }[], version = 9) {
  const byTopic = new Map<string, { index: number; records: Buffer }[]>();
  for (const p of partitions) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), { index: p.partition, records: p.records }]);
  const res = await raw.request(ApiKey.Produce, version, {
    transactionalId: null, acks: -1, timeoutMs: 10_000, topicData: [...byTopic].map(([name, partitionData]) => ({ name, partitionData })),
  });
  return (res.responses as { name: string; partitionResponses: { index: number; errorCode: number; baseOffset: number; recordErrors?: { batchIndex: number; batchIndexErrorMessage: string | null }[]; errorMessage?: string | null }[] }[])
    .flatMap((t) => t.partitionResponses.map((p) => ({ tp: `${t.name}-${p.index}`, ...p })));
}

const endOffset = async (topic: string, partition: number) => (await raw.listOffset(topic, partition, -1)).offset;

describe('a compacted topic refuses records without a key (raw Produce)', () => {
  it('INVALID_RECORD with record_errors and error_message, in every codec; nothing appended; the other partition is unaffected', async () => {
    for (const [codec, name] of CODECS.entries()) {
      const before0 = await endOffset('ck-compact', 0);
      const before1 = await endOffset('ck-compact', 1);
      const [bad, good] = await produce([
        { topic: 'ck-compact', partition: 0, records: batch(['a', null, 'c', null, null, null], codec) },
        { topic: 'ck-compact', partition: 1, records: batch(['a', 'b'], codec) },
      ]);
      const m = message('ck-compact-0');
      assert.equal(bad!.errorCode, ErrorCode.INVALID_RECORD, name);
      assert.equal(bad!.baseOffset, -1);
      assert.deepEqual(bad!.recordErrors, [1, 3, 4, 5].map((batchIndex) => ({ batchIndex, batchIndexErrorMessage: m })), name);
      assert.equal(bad!.errorMessage, 'One or more records have been rejected due to 4 record errors in total, and only showing the first three errors at most: '
        + `[RecordError(batchIndex=1, message='${m}'), RecordError(batchIndex=3, message='${m}'), RecordError(batchIndex=4, message='${m}')]`);
      assert.equal(await endOffset('ck-compact', 0), before0, `${name}: nothing appended`);
      assert.deepEqual([good!.errorCode, good!.baseOffset, good!.recordErrors, good!.errorMessage], [0, before1, [], null], `${name}: keyed batch accepted`);
      assert.equal(await endOffset('ck-compact', 1), before1 + 2);
    }
  });

  it('an empty key is a key; a keyless record is fine on a delete topic; compact,delete counts as compacted; Produce v3-7 get the error code alone', async () => {
    const [empty] = await produce([{ topic: 'ck-compact', partition: 0, records: batch(['', 'x']) }]);
    assert.equal(empty!.errorCode, 0);
    const [plain] = await produce([{ topic: 'ck-delete', partition: 0, records: batch([null, null]) }]);
    assert.equal(plain!.errorCode, 0);
    const [both] = await produce([{ topic: 'ck-both', partition: 0, records: batch([null]) }]);
    assert.deepEqual([both!.errorCode, both!.recordErrors], [ErrorCode.INVALID_RECORD, [{ batchIndex: 0, batchIndexErrorMessage: message('ck-both-0') }]]);
    for (const version of [3, 7]) {
      const [old] = await produce([{ topic: 'ck-compact', partition: 1, records: batch(['k', null]) }], version);
      assert.equal(old!.errorCode, ErrorCode.INVALID_RECORD, `v${version}`);
    }
    // records that cannot be walked to their keys: refused, and the broker serves on
    const mangled = batch(['k', 'l']);
    mangled[BATCH_HEADER_SIZE] = 0x7e; // the first record's length: 63 bytes, more than the batch holds
    fixCrc(mangled);
    const [bad] = await produce([{ topic: 'ck-compact', partition: 1, records: mangled }]);
    assert.equal(bad!.errorCode, ErrorCode.CORRUPT_MESSAGE);
    for (const version of [8, 11]) {
      const [r] = await produce([{ topic: 'ck-compact', partition: 1, records: batch([null, 'k']) }], version);
      assert.deepEqual([r!.errorCode, r!.recordErrors], [ErrorCode.INVALID_RECORD, [{ batchIndex: 0, batchIndexErrorMessage: message('ck-compact-1') }]], `v${version}`);
    }
  });
});

const kcatSkip = requireKcat();
describe('kcat producing to a compacted topic', { skip: kcatSkip }, () => {
  const kcat = (args: string[], input: string) => runCommand('kcat', ['-b', broker.bootstrap, '-X', 'message.send.max.retries=0', ...args], { input, timeoutMs: 20_000 });

  it('a message without a key fails with INVALID_RECORD in every codec; keyed messages are stored', async () => {
    for (const codec of CODECS) {
      const topic = `ck-kcat-${codec}`;
      const refused = await kcat(['-P', '-t', topic, '-p', '0', '-z', codec], 'no key here\n');
      // librdkafka's text for INVALID_RECORD (87)
      assert.match(refused.stderr, /Delivery failed for message: Broker: Broker failed to validate record/, `${codec}: ${refused.stderr}`);
      assert.notEqual(refused.code, 0, `${codec}: kcat reports the failed delivery`);
      assert.equal(await endOffset(topic, 0), 0, `${codec}: nothing stored`);
      const keyed = await kcat(['-P', '-t', topic, '-p', '0', '-z', codec, '-K:'], 'k1:one\nk2:two\n');
      assert.equal(keyed.code, 0, `${codec}: ${keyed.stderr}`);
      assert.equal(await endOffset(topic, 0), 2, `${codec}: keyed messages stored`);
    }
  });
});
