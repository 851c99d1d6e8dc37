// __consumer_offsets record formats: round trips through encode/decode, and golden bytes written
// by hand from Kafka's record layouts (not produced by this codec) for the versions Kafka writes
// and the older ones a log may still hold.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeGroupLogKey, decodeGroupMetadataValue, decodeOffsetCommitValue, encodeGroupMetadataKey,
  encodeGroupMetadataValue, encodeOffsetCommitKey, encodeOffsetCommitValue, type GroupMetadataRecord,
} from '../../src/groups/log-records.js';
import { ProtocolError } from '../../src/protocol/primitives/protocol-error.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/[\s|]/g, ''), 'hex');
const ascii = (s: string): string => Buffer.from(s).toString('hex');
/** classic string: int16 length + UTF-8 */
const str = (s: string): string => Buffer.byteLength(s).toString(16).padStart(4, '0') + ascii(s);
/** compact string: uvarint (length + 1) + UTF-8 (short strings only) */
const cstr = (s: string): string => (Buffer.byteLength(s) + 1).toString(16).padStart(2, '0') + ascii(s);

const group: GroupMetadataRecord = {
  protocolType: 'consumer',
  generation: 7,
  protocol: 'range',
  leader: 'm-1',
  currentStateTimestamp: 1_700_000_000_123,
  members: [
    {
      memberId: 'm-1', groupInstanceId: null, clientId: 'c1', clientHost: '/127.0.0.1',
      rebalanceTimeout: 300_000, sessionTimeout: 45_000, subscription: Buffer.from([0, 1, 2]), assignment: Buffer.alloc(0),
    },
    {
      memberId: 'm-2', groupInstanceId: 'static-2', clientId: 'c2', clientHost: '/10.0.0.2',
      rebalanceTimeout: 60_000, sessionTimeout: 10_000, subscription: Buffer.alloc(0), assignment: Buffer.from('abc'),
    },
  ],
};

test('OffsetCommitKey: golden bytes of key version 1, and decode of versions 0 and 1', () => {
  const golden = hex('0001 | 0001 67 | 0001 74 | 00000000');
  assert.deepEqual(encodeOffsetCommitKey('g', 't', 0), golden);
  assert.deepEqual(decodeGroupLogKey(golden), { type: 'offset', group: 'g', topic: 't', partition: 0 });
  assert.deepEqual(decodeGroupLogKey(hex(`0000 | ${str('grp')} | ${str('orders')} | 0000000c`)),
    { type: 'offset', group: 'grp', topic: 'orders', partition: 12 });
});

test('OffsetCommitKey: round trip with non-ASCII names and a large partition', () => {
  const key = encodeOffsetCommitKey('grüppe', 'tópic.x', 2_000_000_000);
  assert.deepEqual(decodeGroupLogKey(key), { type: 'offset', group: 'grüppe', topic: 'tópic.x', partition: 2_000_000_000 });
});

test('GroupMetadataKey: golden bytes (version 2) and round trip', () => {
  const golden = hex('0002 | 0001 67');
  assert.deepEqual(encodeGroupMetadataKey('g'), golden);
  assert.deepEqual(decodeGroupLogKey(golden), { type: 'group', group: 'g' });
  assert.deepEqual(decodeGroupLogKey(encodeGroupMetadataKey('my-group')), { type: 'group', group: 'my-group' });
});

test('keys of KIP-848 records (version 3 and up) are recognised as other', () => {
  for (const v of [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]) {
    assert.deepEqual(decodeGroupLogKey(hex(`${v.toString(16).padStart(4, '0')} | ${str('g')}`)), { type: 'other', version: v });
  }
});

test('a truncated key throws ProtocolError', () => {
  const key = encodeOffsetCommitKey('g', 't', 0);
  for (let n = 0; n < key.length; n++) assert.throws(() => decodeGroupLogKey(key.subarray(0, n)), ProtocolError, `length ${n}`);
});

test('OffsetCommitValue: golden bytes of value version 3 and round trip', () => {
  const v = { offset: 42, leaderEpoch: 5, metadata: 'md', commitTimestamp: 1_700_000_000_000 };
  const golden = hex(`0003 | 000000000000002a | 00000005 | ${str('md')} | 0000018bcfe56800`);
  assert.deepEqual(encodeOffsetCommitValue(v), golden);
  assert.deepEqual(decodeOffsetCommitValue(golden), v);
  const big = { offset: 2 ** 53 - 1, leaderEpoch: -1, metadata: '', commitTimestamp: 0 };
  assert.deepEqual(decodeOffsetCommitValue(encodeOffsetCommitValue(big)), big);
});

test('OffsetCommitValue: versions 0, 1, 2 and 4 built by hand decode, with leaderEpoch -1 before version 3', () => {
  const ts = '0000018bcfe56800';
  // v0: offset, metadata, commitTimestamp
  assert.deepEqual(decodeOffsetCommitValue(hex(`0000 | 0000000000000064 | ${str('meta')} | ${ts}`)),
    { offset: 100, leaderEpoch: -1, metadata: 'meta', commitTimestamp: 1_700_000_000_000 });
  // v1: ... plus expireTimestamp (dropped)
  assert.deepEqual(decodeOffsetCommitValue(hex(`0001 | 0000000000000065 | ${str('')} | ${ts} | 0000018bcfe56801`)),
    { offset: 101, leaderEpoch: -1, metadata: '', commitTimestamp: 1_700_000_000_000 });
  // v2: as v0
  assert.deepEqual(decodeOffsetCommitValue(hex(`0002 | 0000000000000066 | ${str('x')} | ${ts}`)),
    { offset: 102, leaderEpoch: -1, metadata: 'x', commitTimestamp: 1_700_000_000_000 });
  // v4: flexible (compact string, tagged-field section, here with one unknown tag that is skipped)
  assert.deepEqual(decodeOffsetCommitValue(hex(`0004 | 0000000000000067 | 00000009 | ${cstr('m')} | ${ts} | 01 05 02 abcd`)),
    { offset: 103, leaderEpoch: 9, metadata: 'm', commitTimestamp: 1_700_000_000_000 });
});

test('OffsetCommitValue: an unknown version or truncated bytes throw ProtocolError', () => {
  assert.throws(() => decodeOffsetCommitValue(hex(`0005 | 0000000000000067 | 00000009 | ${cstr('m')} | 0000000000000000 | 00`)), ProtocolError);
  const value = encodeOffsetCommitValue({ offset: 1, leaderEpoch: 0, metadata: 'abc', commitTimestamp: 2 });
  for (let n = 0; n < value.length; n++) assert.throws(() => decodeOffsetCommitValue(value.subarray(0, n)), ProtocolError, `length ${n}`);
});

test('GroupMetadataValue: golden bytes of value version 3 and round trip', () => {
  const one: GroupMetadataRecord = { ...group, members: [group.members[1]!] };
  const golden = hex(`0003 | ${str('consumer')} | 00000007 | ${str('range')} | ${str('m-1')} | 0000018bcfe5687b | 00000001 |
    ${str('m-2')} | ${str('static-2')} | ${str('c2')} | ${str('/10.0.0.2')} | 0000ea60 | 00002710 | 00000000 | 00000003 ${ascii('abc')}`);
  assert.deepEqual(encodeGroupMetadataValue(one), golden);
  assert.deepEqual(decodeGroupMetadataValue(golden), one);
  assert.deepEqual(decodeGroupMetadataValue(encodeGroupMetadataValue(group)), group);
});

test('GroupMetadataValue: an empty group (null protocol and leader, no members) round-trips', () => {
  const empty: GroupMetadataRecord = { protocolType: '', generation: 0, protocol: null, leader: null, currentStateTimestamp: -1, members: [] };
  const bytes = encodeGroupMetadataValue(empty);
  assert.deepEqual(bytes, hex(`0003 | 0000 | 00000000 | ffff | ffff | ffffffffffffffff | 00000000`));
  assert.deepEqual(decodeGroupMetadataValue(bytes), empty);
});

test('GroupMetadataValue: version 0 built by hand, rebalanceTimeout = sessionTimeout, defaults filled', () => {
  const bytes = hex(`0000 | ${str('consumer')} | 00000003 | ${str('roundrobin')} | ${str('a')} | 00000001 |
    ${str('a')} | ${str('cid')} | ${str('/h')} | 00007530 | 00000002 0102 | 00000001 03`);
  assert.deepEqual(decodeGroupMetadataValue(bytes), {
    protocolType: 'consumer', generation: 3, protocol: 'roundrobin', leader: 'a', currentStateTimestamp: -1,
    members: [{
      memberId: 'a', groupInstanceId: null, clientId: 'cid', clientHost: '/h', rebalanceTimeout: 30_000,
      sessionTimeout: 30_000, subscription: Buffer.from([1, 2]), assignment: Buffer.from([3]),
    }],
  });
});

test('GroupMetadataValue: versions 1, 2 and 4 built by hand', () => {
  const member1 = `${str('a')} | ${str('cid')} | ${str('/h')} | 0000ea60 | 00007530 | 00000000 | 00000000`;
  const expected = {
    protocolType: 'consumer', generation: 3, protocol: null, leader: null, currentStateTimestamp: -1,
    members: [{
      memberId: 'a', groupInstanceId: null, clientId: 'cid', clientHost: '/h', rebalanceTimeout: 60_000,
      sessionTimeout: 30_000, subscription: Buffer.alloc(0), assignment: Buffer.alloc(0),
    }],
  };
  assert.deepEqual(decodeGroupMetadataValue(hex(`0001 | ${str('consumer')} | 00000003 | ffff | ffff | 00000001 | ${member1}`)), expected);
  assert.deepEqual(decodeGroupMetadataValue(hex(`0002 | ${str('consumer')} | 00000003 | ffff | ffff | 0000000000000010 | 00000001 | ${member1}`)),
    { ...expected, currentStateTimestamp: 16 });
  // v4: compact strings, nullable compact strings (0 = null), compact array and bytes, tagged sections
  const member4 = `${cstr('a')} | ${cstr('gi')} | ${cstr('cid')} | ${cstr('/h')} | 0000ea60 | 00007530 | 03 0102 | 01 | 00`;
  assert.deepEqual(decodeGroupMetadataValue(hex(`0004 | ${cstr('consumer')} | 00000003 | ${cstr('range')} | 00 | 0000000000000010 | 02 | ${member4} | 00`)), {
    ...expected, protocol: 'range', currentStateTimestamp: 16,
    members: [{ ...expected.members[0]!, groupInstanceId: 'gi', subscription: Buffer.from([1, 2]) }],
  });
});

test('GroupMetadataValue: member bytes are views into the input; truncation throws ProtocolError', () => {
  const bytes = encodeGroupMetadataValue(group);
  const decoded = decodeGroupMetadataValue(bytes);
  const sub = decoded.members[0]!.subscription;
  assert.equal(sub.buffer, bytes.buffer);
  assert.ok(sub.byteOffset >= bytes.byteOffset && sub.byteOffset + sub.length <= bytes.byteOffset + bytes.length);
  for (let n = 0; n < bytes.length; n++) assert.throws(() => decodeGroupMetadataValue(bytes.subarray(0, n)), ProtocolError, `length ${n}`);
});
