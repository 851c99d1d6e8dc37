// Golden bytes for well-known frames, written by hand from the protocol guide's layouts (not
// produced by this codec), checked both ways: decode the bytes, and encode the value to the bytes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Reader } from '../../src/protocol/primitives/reader.js';
import { Writer } from '../../src/protocol/primitives/writer.js';
import { decodeMessage, encodeMessage, type Message } from '../../src/protocol/codec.js';
import { decodeRequestHeader, encodeResponseHeader, responseHeaderVersion } from '../../src/protocol/headers.js';
import { API_MESSAGES, ApiKey, type MessageSchema } from '../../src/protocol/messages/index.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/[\s|]/g, ''), 'hex');
const ascii = (s: string): string => Buffer.from(s).toString('hex');

function both(schema: MessageSchema, version: number, bytes: Buffer, value: Message): void {
  const r = new Reader(bytes);
  assert.deepStrictEqual(decodeMessage(schema, version, r), value);
  assert.equal(r.remaining(), 0);
  const w = new Writer();
  encodeMessage(schema, version, value, w);
  assert.equal(w.toBuffer().toString('hex'), bytes.toString('hex'));
}

const req = (key: number): MessageSchema => API_MESSAGES.get(key)!.request;
const res = (key: number): MessageSchema => API_MESSAGES.get(key)!.response;

test('ApiVersions v0 request frame: header v1, empty body', () => {
  const frame = hex(`0000000d | 0012 0000 00000001 | 0003 ${ascii('abc')}`);
  const r = new Reader(frame);
  assert.equal(r.int32(), frame.length - 4);
  assert.deepEqual(decodeRequestHeader(r), { apiKey: 18, apiVersion: 0, correlationId: 1, clientId: 'abc' });
  assert.deepEqual(decodeMessage(req(ApiKey.ApiVersions), 0, r), {
    clientSoftwareName: '', clientSoftwareVersion: '',
  });
  assert.equal(r.remaining(), 0);
});

test('ApiVersions v3 request: header v2 (classic client id, tagged fields), compact body', () => {
  const frame = hex(`0012 0003 00000007 | 0003 ${ascii('abc')} | 00 | 02 ${ascii('k')} 04 ${ascii('1.0')} 00`);
  const r = new Reader(frame);
  assert.deepEqual(decodeRequestHeader(r), { apiKey: 18, apiVersion: 3, correlationId: 7, clientId: 'abc' });
  assert.deepEqual(decodeMessage(req(ApiKey.ApiVersions), 3, r), { clientSoftwareName: 'k', clientSoftwareVersion: '1.0' });
  assert.equal(r.remaining(), 0);
});

test('ApiVersions v3 response: header v0, compact array, tagged section', () => {
  assert.equal(responseHeaderVersion(ApiKey.ApiVersions, 3), 0);
  const w = new Writer();
  encodeResponseHeader(w, 7, 0);
  encodeMessage(res(ApiKey.ApiVersions), 3, { errorCode: 0, apiKeys: [{ apiKey: 0, minVersion: 0, maxVersion: 11 }], throttleTimeMs: 0 }, w);
  assert.equal(w.toBuffer().toString('hex'), hex('00000007 | 0000 | 02 0000 0000 000b 00 | 00000000 | 00').toString('hex'));
});

test('ApiVersions v0 response: classic array', () => {
  both(res(ApiKey.ApiVersions), 0, hex('0023 | 00000001 0012 0000 0003'), {
    errorCode: 35, apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 3 }], throttleTimeMs: 0,
    supportedFeatures: [], finalizedFeaturesEpoch: -1, finalizedFeatures: [], zkMigrationReady: false,
  });
});

test('Metadata v0 request: one topic; v1 null topics means all', () => {
  const defaults = { allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false };
  both(req(ApiKey.Metadata), 0, hex(`00000001 | 0003 ${ascii('foo')}`), {
    topics: [{ topicId: '00000000000000000000000000000000', name: 'foo' }], ...defaults,
  });
  both(req(ApiKey.Metadata), 1, hex('ffffffff'), { topics: null, ...defaults });
});

test('Produce v3 request with a records blob', () => {
  const bytes = hex(`ffff | ffff | 00007530 | 00000001 0003 ${ascii('foo')} | 00000001 00000002 | 00000004 deadbeef`);
  both(req(ApiKey.Produce), 3, bytes, {
    transactionalId: null, acks: -1, timeoutMs: 30000,
    topicData: [{ name: 'foo', partitionData: [{ index: 2, records: hex('deadbeef') }] }],
  });
});

test('Produce v9 request: compact strings, arrays and records, tagged sections', () => {
  const bytes = hex(`04 ${ascii('txn')} | 0001 | 000003e8 | 02 04 ${ascii('foo')} | 02 00000000 05 deadbeef 00 | 00 | 00`);
  both(req(ApiKey.Produce), 9, bytes, {
    transactionalId: 'txn', acks: 1, timeoutMs: 1000,
    topicData: [{ name: 'foo', partitionData: [{ index: 0, records: hex('deadbeef') }] }],
  });
});

test('FindCoordinator v0 response', () => {
  both(res(ApiKey.FindCoordinator), 0, hex(`0000 | 00000001 | 0009 ${ascii('localhost')} | 00002384`), {
    throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId: 1, host: 'localhost', port: 9092, coordinators: [],
  });
});

test('ConsumerGroupHeartbeat v0 response: nullable struct as int8 -1 / 1', () => {
  const base = { throttleTimeMs: 0, errorCode: 0, errorMessage: null, memberId: 'm', memberEpoch: 3, heartbeatIntervalMs: 5000 };
  both(res(ApiKey.ConsumerGroupHeartbeat), 0, hex(`00000000 0000 00 02${ascii('m')} 00000003 00001388 | ff | 00`), { ...base, assignment: null });
  both(res(ApiKey.ConsumerGroupHeartbeat), 0,
    hex(`00000000 0000 00 02${ascii('m')} 00000003 00001388 | 01 02 ${'11'.repeat(16)} 02 00000004 00 00 | 00`),
    { ...base, assignment: { topicPartitions: [{ topicId: '11'.repeat(16), partitions: [4] }] } });
});

test('Fetch v12 response: tagged currentLeader (tag 1) inside a partition', () => {
  // throttle, error, session id | one topic 't' | one partition: index, error, high watermark,
  // last stable offset -1, log start offset -1, aborted transactions null (compact 00),
  // preferred read replica -1, records null (00), tagged: one field, tag 1, 9 bytes
  // (leader id 5, leader epoch 6, the struct's empty tagged section) | topic tags | message tags
  const bytes = hex(`00000000 0000 00000000 | 02 02${ascii('t')} | 02 00000000 0000 ${'00'.repeat(8)} ${'ff'.repeat(16)}`
    + ` 00 ffffffff 00 | 01 01 09 00000005 00000006 00 | 00 | 00`);
  const value = decodeMessage(res(ApiKey.Fetch), 12, new Reader(bytes));
  const p = value['responses'][0].partitions[0];
  assert.deepEqual(p.currentLeader, { leaderId: 5, leaderEpoch: 6 });
  assert.equal(p.records, null);
  assert.deepEqual(p.divergingEpoch, { epoch: -1, endOffset: -1 });
  const w = new Writer();
  encodeMessage(res(ApiKey.Fetch), 12, value, w);
  assert.equal(w.toBuffer().toString('hex'), bytes.toString('hex'));
});
