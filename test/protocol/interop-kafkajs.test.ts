// Interop with kafkajs (a devDependency), which hand-writes the classic (non-flexible) versions:
// its Produce v0-7, Fetch v0-11 and Metadata v0-6 requests decode here with every byte consumed,
// and its decoders read our ApiVersions v0-2 and Metadata v0-6 responses. Skips when absent.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { Reader } from '../../src/protocol/primitives/reader.js';
import { Writer } from '../../src/protocol/primitives/writer.js';
import { decodeMessage, encodeMessage, type Message } from '../../src/protocol/codec.js';
import { API_MESSAGES, ApiKey } from '../../src/protocol/messages/index.js';

const require = createRequire(import.meta.url);
const requests = (api: string): any => require(`kafkajs/src/protocol/requests/${api}/index.js`);
let skip: string | false = false;
try {
  requests('metadata');
} catch {
  skip = 'kafkajs is not installed';
}

async function ourDecode(apiKey: number, version: number, request: { encode(): Promise<{ buffer: Buffer }> }): Promise<Message> {
  const bytes = (await request.encode()).buffer;
  const r = new Reader(bytes);
  const value = decodeMessage(API_MESSAGES.get(apiKey)!.request, version, r);
  assert.equal(r.remaining(), 0, `${apiKey} v${version}: every byte consumed`);
  return value;
}

function ourEncode(apiKey: number, version: number, value: Message): Buffer {
  const w = new Writer();
  encodeMessage(API_MESSAGES.get(apiKey)!.response, version, value, w);
  return w.toBuffer();
}

test('kafkajs Produce v0-7 requests decode here', { skip }, async () => {
  const messages = [{ key: 'k', value: 'v', timestamp: 1700000000000 }];
  for (let v = 0; v <= 7; v++) {
    const { request } = requests('produce').protocol({ version: v })({
      acks: -1, timeout: 30000, transactionalId: 'txn', topicData: [{ topic: 'orders', partitions: [{ partition: 1, messages }] }],
    });
    const value = await ourDecode(ApiKey.Produce, v, request);
    assert.equal(value['acks'], -1);
    assert.equal(value['timeoutMs'], 30000);
    assert.equal(value['transactionalId'], v >= 3 ? 'txn' : null);
    const p = value['topicData'][0].partitionData[0];
    assert.equal(value['topicData'][0].name, 'orders');
    assert.equal(p.index, 1);
    assert.equal(p.records[16], v >= 3 ? 2 : v >= 2 ? 1 : 0, 'magic byte of the record batch / message set');
  }
});

test('kafkajs Fetch v0-11 requests decode here', { skip }, async () => {
  for (let v = 0; v <= 11; v++) {
    const { request } = requests('fetch').protocol({ version: v })({
      replicaId: -1, maxWaitTime: 500, minBytes: 1, maxBytes: 1048576, isolationLevel: 1,
      topics: [{ topic: 'orders', partitions: [{ partition: 2, fetchOffset: '12345', maxBytes: 65536 }] }],
    });
    const value = await ourDecode(ApiKey.Fetch, v, request);
    assert.equal(value['maxWaitMs'], 500);
    assert.equal(value['topics'][0].topic, 'orders');
    const p = value['topics'][0].partitions[0];
    assert.equal(p.partition, 2);
    assert.equal(p.fetchOffset, 12345);
    assert.equal(p.partitionMaxBytes, 65536);
    if (v >= 3) assert.equal(value['maxBytes'], 1048576);
  }
});

test('kafkajs Metadata v0-6 requests decode here', { skip }, async () => {
  for (let v = 0; v <= 6; v++) {
    const { request } = requests('metadata').protocol({ version: v })({ topics: ['a', 'b'], allowAutoTopicCreation: false });
    const value = await ourDecode(ApiKey.Metadata, v, request);
    assert.deepEqual(value['topics'].map((t: Message) => t.name), ['a', 'b']);
    assert.equal(value['allowAutoTopicCreation'], v < 4, 'v4+ carries the flag; before that it decodes to its default, true');
  }
});

test('kafkajs reads our ApiVersions v0-2 and Metadata v0-6 responses', { skip }, async () => {
  for (let v = 0; v <= 2; v++) {
    const { response } = requests('apiVersions').protocol({ version: v })();
    const bytes = ourEncode(ApiKey.ApiVersions, v, { errorCode: 0, apiKeys: [{ apiKey: 0, minVersion: 0, maxVersion: 11 }, { apiKey: 18, minVersion: 0, maxVersion: 4 }], throttleTimeMs: 7 });
    const parsed = await response.parse(await response.decode(bytes));
    assert.deepEqual(parsed.apiVersions, [{ apiKey: 0, minVersion: 0, maxVersion: 11 }, { apiKey: 18, minVersion: 0, maxVersion: 4 }]);
  }
  for (let v = 0; v <= 6; v++) {
    const { response } = requests('metadata').protocol({ version: v })({ topics: [] });
    const bytes = ourEncode(ApiKey.Metadata, v, {
      throttleTimeMs: 0, brokers: [{ nodeId: 1, host: 'localhost', port: 9092, rack: null }], clusterId: 'c', controllerId: 1,
      topics: [{ errorCode: 0, name: 'orders', isInternal: false, partitions: [
        { errorCode: 0, partitionIndex: 0, leaderId: 1, leaderEpoch: 0, replicaNodes: [1], isrNodes: [1], offlineReplicas: [] }] }],
    });
    const parsed = await response.parse(await response.decode(bytes));
    assert.equal(parsed.brokers[0].host, 'localhost');
    assert.equal(parsed.brokers[0].port, 9092);
    assert.equal(parsed.topicMetadata[0].topic, 'orders');
    assert.equal(parsed.topicMetadata[0].partitionMetadata[0].leader, 1);
    assert.deepEqual(parsed.topicMetadata[0].partitionMetadata[0].isr, [1]);
  }
});
