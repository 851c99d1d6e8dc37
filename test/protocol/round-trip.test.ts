// Every generated message (request and response, plus the data structures) at every valid
// version: encode a sample, decode it, deep-equal, re-encode, byte-equal; and every strict prefix
// of the encoding must fail to decode with a ProtocolError.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Reader } from '../../src/protocol/primitives/reader.js';
import { Writer } from '../../src/protocol/primitives/writer.js';
import { ProtocolError } from '../../src/protocol/primitives/protocol-error.js';
import { decodeMessage, encodeMessage } from '../../src/protocol/codec.js';
import {
  API_MESSAGES, ConsumerProtocolAssignment, ConsumerProtocolSubscription, type MessageSchema,
} from '../../src/protocol/messages/index.js';
import { sampleValue, versionsOf, type Variant } from './samples.js';

const schemas: MessageSchema[] = [ConsumerProtocolSubscription, ConsumerProtocolAssignment];
for (const api of API_MESSAGES.values()) schemas.push(api.request, api.response);

function encode(schema: MessageSchema, version: number, value: Record<string, unknown>): Buffer {
  const w = new Writer(16);
  encodeMessage(schema, version, value, w);
  return w.toBuffer();
}

function roundTrip(schema: MessageSchema, version: number, variant: Variant): Buffer {
  const value = sampleValue(schema, version, variant);
  const bytes = encode(schema, version, value);
  const reader = new Reader(bytes);
  const decoded = decodeMessage(schema, version, reader);
  assert.equal(reader.remaining(), 0, `${schema.name} v${version} ${variant}: bytes left over`);
  assert.deepStrictEqual(decoded, value, `${schema.name} v${version} ${variant}: decoded value differs`);
  assert.ok(encode(schema, version, decoded).equals(bytes), `${schema.name} v${version} ${variant}: re-encoding differs`);
  return bytes;
}

for (const schema of schemas) {
  test(`${schema.name}: round-trips at every version`, () => {
    for (const version of versionsOf(schema)) {
      roundTrip(schema, version, 'full');
      roundTrip(schema, version, 'nulls');
    }
  });

  test(`${schema.name}: every truncation throws ProtocolError`, () => {
    for (const version of versionsOf(schema)) {
      const bytes = roundTrip(schema, version, 'full');
      for (let len = 0; len < bytes.length; len++) {
        assert.throws(
          () => decodeMessage(schema, version, new Reader(bytes.subarray(0, len))),
          ProtocolError,
          `${schema.name} v${version} truncated to ${len} of ${bytes.length} bytes`,
        );
      }
    }
  });
}

test('API_MESSAGES lists 38 APIs with matching request and response ranges', () => {
  assert.equal(API_MESSAGES.size, 38);
  for (const [key, api] of API_MESSAGES) {
    assert.equal(api.apiKey, key);
    assert.equal(api.request.apiKey, key);
    assert.equal(api.response.apiKey, key);
    assert.deepEqual(api.validVersions, [api.request.validVersions[0], api.request.validVersions[1]]);
    assert.deepEqual(api.response.validVersions, api.request.validVersions);
    assert.equal(api.response.flexibleFrom, api.flexibleFrom);
    assert.equal(api.request.name, `${api.name}Request`);
  }
});

test('records encode from Buffer[] by reference and decode as one subarray', () => {
  const api = API_MESSAGES.get(0)!;
  const parts = [Buffer.from('abc'), Buffer.from('defg')];
  for (const version of [3, 9]) {
    const w = new Writer();
    encodeMessage(api.request, version, { acks: 1, timeoutMs: 5, topicData: [{ name: 't', partitionData: [{ index: 0, records: parts }] }] }, w);
    assert.ok(w.toChunks().some((c) => c === parts[1]), 'record buffer is referenced, not copied');
    const bytes = w.toBuffer();
    const decoded = decodeMessage(api.request, version, new Reader(bytes));
    const records: Buffer = decoded['topicData'][0].partitionData[0].records;
    assert.deepEqual(records, Buffer.from('abcdefg'));
    assert.equal(records.buffer, bytes.buffer, 'decoded records are a subarray of the input');
  }
});

test('omitted fields encode as their defaults; absent-in-version fields decode to defaults', () => {
  const api = API_MESSAGES.get(1)!;
  const w = new Writer();
  encodeMessage(api.response, 4, { responses: [{ topic: 't', partitions: [{ partitionIndex: 2, records: null }] }] }, w);
  const decoded = decodeMessage(api.response, 4, new Reader(w.toBuffer()));
  const p = decoded['responses'][0].partitions[0];
  assert.equal(p.lastStableOffset, -1);
  assert.equal(p.logStartOffset, -1, 'v5+ field decodes to its default at v4');
  assert.equal(p.abortedTransactions, null);
  assert.equal(p.preferredReadReplica, -1);
  assert.deepEqual(p.divergingEpoch, { epoch: -1, endOffset: -1 });
  assert.equal(decoded['throttleTimeMs'], 0);
});

test('null where a version is not nullable is written as the empty value', () => {
  const api = API_MESSAGES.get(0)!;
  const w = new Writer();
  encodeMessage(api.response, 8, { responses: [{ name: null, partitionResponses: [] }] }, w);
  const decoded = decodeMessage(api.response, 8, new Reader(w.toBuffer()));
  assert.equal(decoded['responses'][0].name, '');
});

test('tagged fields at their default are not written; unknown tags are skipped', () => {
  const api = API_MESSAGES.get(1)!;
  const partition = { partitionIndex: 0, records: null, currentLeader: { leaderId: -1, leaderEpoch: -1 } };
  const plain = new Writer();
  encodeMessage(api.response, 12, { responses: [{ topic: 't', partitions: [partition] }] }, plain);
  const withLeader = new Writer();
  encodeMessage(api.response, 12, { responses: [{ topic: 't', partitions: [{ ...partition, currentLeader: { leaderId: 1, leaderEpoch: 2 } }] }] }, withLeader);
  // tag (1) + size (1) + two int32 (8) + the struct's own empty tagged-field section (1)
  assert.equal(withLeader.length - plain.length, 11);

  // ApiVersions request v3 with an unknown tag 7 in the top-level tagged fields
  const av = API_MESSAGES.get(18)!;
  const body = Buffer.from([2, 0x61, 2, 0x62, 1, 7, 2, 0xaa, 0xbb]);
  const r = new Reader(body);
  assert.deepEqual(decodeMessage(av.request, 3, r), { clientSoftwareName: 'a', clientSoftwareVersion: 'b' });
  assert.equal(r.remaining(), 0);
});

test('unknown versions are refused', () => {
  const api = API_MESSAGES.get(18)!;
  assert.throws(() => decodeMessage(api.request, 99, new Reader(Buffer.alloc(0))), ProtocolError);
  assert.throws(() => encodeMessage(api.request, -1, {}, new Writer()), ProtocolError);
});
