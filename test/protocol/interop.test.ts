// Interop with an independent implementation: @platformatic/kafka (a devDependency) hand-writes
// its flexible-version codecs. Requests it encodes must decode here with every byte consumed, and
// responses encoded here must parse there to the same values. Skips when the package is absent.
// A few of its parsers disagree with Kafka's definitions; those are listed and left out.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Reader } from '../../src/protocol/primitives/reader.js';
import { Writer } from '../../src/protocol/primitives/writer.js';
import { decodeMessage, encodeMessage, type Message } from '../../src/protocol/codec.js';
import { API_MESSAGES, ApiKey, defaultValue, inRange, type FieldSchema } from '../../src/protocol/messages/index.js';
import { sampleValue } from './samples.js';

const PKG = '@platformatic/kafka';
let K: Record<string, any> | null = null;
try {
  K = (await import(PKG)) as Record<string, any>;
} catch {
  K = null;
}
const skip = K === null ? `${PKG} is not installed` : false;

/** Their parsers that read a layout other than Kafka's definitions (checked by hand). */
const THEIR_QUIRKS = new Set([
  'addPartitionsToTxnV3', // reads the v4+ results array at v3
  'consumerGroupDescribeV0', // reads SubscribedTopicNames as one string
  'describeConfigsV2', // reads the v3+ ConfigType and Documentation at v2
  'describeLogDirsV2', // reports TotalBytes and UsableBytes (v4+) as 0 at v2
  'describeLogDirsV3', // likewise at v3
  'describeClusterV0', // reports EndpointType (v1+) as 0 at v0
  'offsetForLeaderEpochV4', // reads Partition before ErrorCode
  'joinGroupV6', // reports ProtocolType (nullable from v7) as '' at v6
  'fetchV12', // calls the topic name topicId
  'metadataV9', // calls the topic name topicId
]);

function decode(apiKey: number, version: number, bytes: Buffer): Message {
  const r = new Reader(bytes);
  const value = decodeMessage(API_MESSAGES.get(apiKey)!.request, version, r);
  assert.equal(r.remaining(), 0, 'every byte consumed');
  return value;
}

const uuid = '0123456789abcdef0123456789abcdef';
const dashed = '01234567-89ab-cdef-0123-456789abcdef';

test('requests encoded by @platformatic/kafka decode here', { skip }, () => {
  const k = K!;
  const produce = decode(ApiKey.Produce, 11, k['produceV11'].createRequest(-1, 1000, [{ topic: 't', partition: 2, key: Buffer.from('k'), value: Buffer.from('v') }], {}).buffer);
  assert.equal(produce['acks'], -1);
  assert.equal(produce['transactionalId'], null);
  const p = produce['topicData'][0].partitionData[0];
  assert.equal(produce['topicData'][0].name, 't');
  assert.equal(p.index, 2);
  assert.equal(p.records[16], 2, 'a record batch v2 (magic byte at offset 16)');

  const fetch = decode(ApiKey.Fetch, 17, k['fetchV17'].createRequest(500, 1, 1048576, 1, 0, -1,
    [{ topicId: dashed, partitions: [{ partition: 3, currentLeaderEpoch: 4, fetchOffset: 5n, lastFetchedEpoch: 6, partitionMaxBytes: 1000 }] }], [], 'rack-a').buffer);
  assert.deepEqual(
    { ...fetch, topics: undefined },
    { clusterId: null, replicaId: -1, replicaState: { replicaId: -1, replicaEpoch: -1 }, maxWaitMs: 500, minBytes: 1, maxBytes: 1048576,
      isolationLevel: 1, sessionId: 0, sessionEpoch: -1, topics: undefined, forgottenTopicsData: [], rackId: 'rack-a' });
  assert.deepEqual(fetch['topics'], [{ topic: '', topicId: uuid, partitions: [
    { partition: 3, currentLeaderEpoch: 4, fetchOffset: 5, lastFetchedEpoch: 6, logStartOffset: -1, partitionMaxBytes: 1000, replicaDirectoryId: '00000000000000000000000000000000' }] }]);

  const metadata = decode(ApiKey.Metadata, 12, k['metadataV12'].createRequest(['a', 'b'], true, false).buffer);
  assert.deepEqual(metadata['topics'].map((t: Message) => t.name), ['a', 'b']);
  assert.equal(metadata['allowAutoTopicCreation'], true);

  assert.deepEqual(decode(ApiKey.ApiVersions, 4, k['apiVersionsV4'].createRequest('samsa-test', '1.0').buffer),
    { clientSoftwareName: 'samsa-test', clientSoftwareVersion: '1.0' });

  const join = decode(ApiKey.JoinGroup, 9, k['joinGroupV9'].createRequest('g', 30000, 60000, '', null, 'consumer', [{ name: 'range', metadata: Buffer.from([1, 2]) }], null).buffer);
  assert.deepEqual(join, { groupId: 'g', sessionTimeoutMs: 30000, rebalanceTimeoutMs: 60000, memberId: '', groupInstanceId: null,
    protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.from([1, 2]) }], reason: null });

  assert.deepEqual(decode(ApiKey.Heartbeat, 4, k['heartbeatV4'].createRequest('g', 3, 'm', null).buffer),
    { groupId: 'g', generationId: 3, memberId: 'm', groupInstanceId: null });
  assert.deepEqual(decode(ApiKey.FindCoordinator, 6, k['findCoordinatorV6'].createRequest(0, ['g']).buffer),
    { key: '', keyType: 0, coordinatorKeys: ['g'] });

  const listOffsets = decode(ApiKey.ListOffsets, 9, k['listOffsetsV9'].createRequest(-1, 0, [{ name: 't', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }] }]).buffer);
  assert.deepEqual(listOffsets['topics'], [{ name: 't', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1, maxNumOffsets: 1 }] }]);

  const commit = decode(ApiKey.OffsetCommit, 9, k['offsetCommitV9'].createRequest('g', 1, 'm', null,
    [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 10n, committedLeaderEpoch: -1, committedMetadata: null }] }]).buffer);
  assert.deepEqual(commit['topics'][0].partitions[0], { partitionIndex: 0, committedOffset: 10, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: null });

  const offsetFetch = decode(ApiKey.OffsetFetch, 9, k['offsetFetchV9'].createRequest([{ groupId: 'g', memberId: null, memberEpoch: -1, topics: [{ name: 't', partitionIndexes: [0, 1] }] }], true).buffer);
  assert.deepEqual(offsetFetch['groups'], [{ groupId: 'g', memberId: null, memberEpoch: -1, topics: [{ name: 't', partitionIndexes: [0, 1] }] }]);
  assert.equal(offsetFetch['requireStable'], true);

  assert.deepEqual(decode(ApiKey.InitProducerId, 5, k['initProducerIdV5'].createRequest('txn', 60000, -1n, -1).buffer),
    { transactionalId: 'txn', transactionTimeoutMs: 60000, producerId: -1, producerEpoch: -1 });

  const cgh = decode(ApiKey.ConsumerGroupHeartbeat, 0, k['consumerGroupHeartbeatV0'].createRequest('g', 'm', 0, null, null, 45000, ['t'], null, null, [{ topicId: dashed, partitions: [1] }]).buffer);
  assert.deepEqual(cgh['topicPartitions'], [{ topicId: uuid, partitions: [1] }]);
  assert.deepEqual(cgh['subscribedTopicNames'], ['t']);

  const sync = decode(ApiKey.SyncGroup, 5, k['syncGroupV5'].createRequest('g', 1, 'm', null, 'consumer', 'range', [{ memberId: 'm', assignment: Buffer.from([9]) }]).buffer);
  assert.deepEqual(sync['assignments'], [{ memberId: 'm', assignment: Buffer.from([9]) }]);
});

/** Their parsers skip tagged sections by size, throw on unknown error codes and parse records:
 * give them values without tagged fields, with error codes 0 and records null. */
function tame(fields: readonly FieldSchema[], version: number, flexible: boolean, o: Message): Message {
  for (const f of fields) {
    if (!inRange(f.versions, version)) continue;
    if (f.tag >= 0 && flexible) o[f.name] = defaultValue(f);
    else if (/errorCode$/i.test(f.name)) o[f.name] = 0;
    else if (f.kind === 'records') o[f.name] = null;
    else if (f.fields && o[f.name]) for (const e of Array.isArray(o[f.name]) ? o[f.name] : [o[f.name]]) tame(f.fields, version, flexible, e);
  }
  return o;
}

/** Every value they parsed equals ours (keys only they have are derived extras and ignored). */
function sameValues(path: string, ours: any, theirs: any): void {
  if (typeof theirs === 'bigint') theirs = Number(theirs);
  if (typeof theirs === 'string' && typeof ours === 'string' && theirs.length === 36) theirs = theirs.replaceAll('-', '');
  if (theirs instanceof Map) theirs = Object.fromEntries(theirs);
  if (Buffer.isBuffer(theirs)) {
    assert.ok(Buffer.isBuffer(ours) && ours.equals(theirs), path);
  } else if (Array.isArray(theirs)) {
    assert.equal(ours.length, theirs.length, `${path} length`);
    theirs.forEach((t, i) => sameValues(`${path}[${i}]`, ours[i], t));
  } else if (theirs !== null && typeof theirs === 'object') {
    for (const key of Object.keys(theirs)) if (ours !== null && key in ours) sameValues(`${path}.${key}`, ours[key], theirs[key]);
  } else {
    assert.equal(ours, theirs, path);
  }
}

test('responses encoded here parse in @platformatic/kafka', { skip }, () => {
  let checked = 0;
  for (const [name, mod] of Object.entries(K!)) {
    const m = /^(.*)V(\d+)$/.exec(name);
    if (!m || typeof mod?.parseResponse !== 'function' || THEIR_QUIRKS.has(name)) continue;
    const version = Number(m[2]);
    const api = [...API_MESSAGES.values()].find((a) => a.name[0]!.toLowerCase() + a.name.slice(1) === m[1]);
    if (!api || !inRange(api.validVersions, version)) continue;
    const value = tame(api.response.fields, version, version >= api.flexibleFrom, sampleValue(api.response, version, 'full'));
    const w = new Writer();
    encodeMessage(api.response, version, value, w);
    let parsed: unknown;
    try {
      parsed = mod.parseResponse(1, api.apiKey, version, K!['Reader'].from(w.toBuffer()));
    } catch (err) {
      parsed = (err as { response?: unknown }).response;
      if (parsed === undefined) assert.fail(`${name}: ${String(err)}`);
    }
    sameValues(name, value, parsed);
    checked++;
  }
  assert.ok(checked >= 60, `checked ${checked} response versions`);
});
