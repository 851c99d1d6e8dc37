// The log validator (storage/log-validator.ts) on its own: what it refuses and why, what it
// rewrites (recompression, LogAppendTime) and what it leaves as produced. No log, no broker.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { CONTROL_FLAG_MASK, TIMESTAMP_TYPE_MASK, scanBatches } from '../../../src/protocol/records/batch.js';
import { Codec, codecOf, loadCodecs } from '../../../src/protocol/records/compression.js';
import { validateRecords, type AppendOptions, type ValidRecords, type Refusal } from '../../../src/storage/log-validator.js';
import { buildBatch, fixCrc } from '../../records/build-batch.js';

const TP = 'orders-3';
const NOW = 1_800_000_000_000;
const clock = (): number => NOW;
const options = (overrides: Partial<AppendOptions> = {}): AppendOptions => ({ maxMessageBytes: 1 << 20, logAppendTime: false, ...overrides });

function valid(result: ValidRecords | Refusal): ValidRecords {
  assert.ok(!('errorCode' in result), `refused: ${JSON.stringify(result)}`);
  return result;
}

function refused(result: ValidRecords | Refusal): Refusal {
  assert.ok('errorCode' in result, 'expected a refusal');
  return result;
}

before(() => loadCodecs());

describe('log validator', () => {
  it('passes produced batches through untouched when nothing is asked of them', () => {
    const produced = Buffer.concat([buildBatch({ records: 3 }), buildBatch({ records: 2 })]);
    const copy = Buffer.from(produced);
    const out = valid(validateRecords(produced, options(), TP, clock));
    assert.equal(out.records, produced);
    assert.deepEqual(out.records, copy);
    assert.equal(out.batches.length, 2);
    assert.equal(out.recordCount, 5);
    assert.equal(out.logAppendTime, -1);
  });

  it('refuses bytes that are not whole batches', () => {
    const batch = buildBatch({ records: 2 });
    assert.equal(refused(validateRecords(batch.subarray(0, batch.length - 3), options(), TP, clock)).errorCode, ErrorCode.CORRUPT_MESSAGE);
    assert.equal(refused(validateRecords(Buffer.alloc(0), options(), TP, clock)).errorCode, ErrorCode.CORRUPT_MESSAGE);
  });

  it('refuses a batch larger than max.message.bytes', () => {
    const batch = buildBatch({ records: 4, padding: 100 });
    assert.equal(refused(validateRecords(batch, options({ maxMessageBytes: batch.length - 1 }), TP, clock)).errorCode, ErrorCode.MESSAGE_TOO_LARGE);
    valid(validateRecords(batch, options({ maxMessageBytes: batch.length }), TP, clock));
  });

  it('refuses a control batch from a producer', () => {
    const marker = buildBatch({ records: 1, attributes: CONTROL_FLAG_MASK, producerId: 7, producerEpoch: 0 });
    assert.equal(refused(validateRecords(marker, options(), TP, clock)).errorCode, ErrorCode.INVALID_RECORD);
  });

  it('on a compacted topic refuses keyless records with their indexes and Kafka message', () => {
    const keyed = buildBatch({ records: 2 });
    const keyless = buildBatch({ records: [{ key: 'a', value: '1' }, { key: null, value: '2' }, { value: '3' }] });
    const out = refused(validateRecords(Buffer.concat([keyed, keyless]), options({ compacted: true }), TP, clock));
    assert.equal(out.errorCode, ErrorCode.INVALID_RECORD);
    const message = `Compacted topic cannot accept message without key in topic partition ${TP}.`;
    assert.deepEqual(out.recordErrors, [{ batchIndex: 1, batchIndexErrorMessage: message }, { batchIndex: 2, batchIndexErrorMessage: message }]);
    assert.match(out.errorMessage ?? '', /^One or more records have been rejected due to 2 record errors in total/);
    // the same batches on a topic that is not compacted
    valid(validateRecords(Buffer.concat([keyed, keyless]), options(), TP, clock));
  });

  it('recompresses batches into the topic codec and checks their size again', () => {
    const produced = Buffer.concat([buildBatch({ records: 20, padding: 200 }), buildBatch({ records: 1 })]);
    const out = valid(validateRecords(produced, options({ compression: Codec.GZIP }), TP, clock));
    assert.notEqual(out.records, produced);
    assert.equal(out.recordCount, 21);
    assert.deepEqual(out.batches.map((b) => codecOf(out.records, b.position)), [Codec.GZIP, Codec.GZIP]);
    assert.equal(scanBatches(out.records).code, ErrorCode.NONE);
    // already in the topic codec: the same buffer
    const again = valid(validateRecords(out.records, options({ compression: Codec.GZIP }), TP, clock));
    assert.equal(again.records, out.records);
    // fits as produced, not once recompressed: a one-record batch grows under gzip
    const small = buildBatch({ records: 1 });
    const grown = valid(validateRecords(small, options({ compression: Codec.GZIP }), TP, clock)).records;
    assert.ok(grown.length > small.length);
    const tooLarge = refused(validateRecords(buildBatch({ records: 1 }), options({ compression: Codec.GZIP, maxMessageBytes: small.length }), TP, clock));
    assert.equal(tooLarge.errorCode, ErrorCode.MESSAGE_TOO_LARGE);
  });

  it('refuses a batch whose records do not decompress when it must be recompressed', () => {
    const batch = buildBatch({ records: 3 });
    batch.writeInt16BE(Codec.SNAPPY, 21); // claims snappy, holds plain records
    fixCrc(batch);
    assert.equal(refused(validateRecords(batch, options({ compression: Codec.NONE }), TP, clock)).errorCode, ErrorCode.CORRUPT_MESSAGE);
  });

  it('stamps LogAppendTime into every batch', () => {
    const produced = Buffer.concat([buildBatch({ records: 2 }), buildBatch({ records: 3 })]);
    const out = valid(validateRecords(produced, options({ logAppendTime: true }), TP, clock));
    assert.equal(out.logAppendTime, NOW);
    const rescanned = scanBatches(out.records);
    assert.equal(rescanned.code, ErrorCode.NONE);
    for (const batch of rescanned.batches) {
      assert.equal(batch.maxTimestamp, NOW);
      assert.notEqual(batch.attributes & TIMESTAMP_TYPE_MASK, 0);
    }
  });
});
