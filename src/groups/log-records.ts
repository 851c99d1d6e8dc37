// The record formats of __consumer_offsets, as Kafka writes them: a key is an int16 version then
// the key struct, a value an int16 version then the value struct (a null value is a tombstone,
// left to the caller). Key versions 0 and 1 are OffsetCommitKey, 2 is GroupMetadataKey; higher
// ones are KIP-848 consumer-group records, recognised here only as 'other'. Encoding writes the
// versions Kafka 3.x writes; decoding reads every version and fills what older ones lack.
import { decodeMessage, encodeMessage } from '../protocol/codec.js';
import { Reader } from '../protocol/primitives/reader.js';
import { Writer } from '../protocol/primitives/writer.js';
import {
  GroupMetadataKey, GroupMetadataValue, OffsetCommitKey, OffsetCommitValue, type MessageSchema,
} from '../protocol/messages/index.js';

const OFFSET_COMMIT_KEY_VERSION = 1;
const GROUP_METADATA_KEY_VERSION = 2;
const OFFSET_COMMIT_VALUE_VERSION = 3;
const GROUP_METADATA_VALUE_VERSION = 3;

export interface OffsetCommitRecord {
  offset: number;
  /** -1 when unknown (and in values before version 3) */
  leaderEpoch: number;
  metadata: string;
  commitTimestamp: number;
}

export interface GroupMemberRecord {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeout: number;
  sessionTimeout: number;
  /** the member's ConsumerProtocolSubscription (or other protocol's) bytes, as sent in JoinGroup */
  subscription: Buffer;
  /** the member's assignment bytes, as sent by the leader in SyncGroup */
  assignment: Buffer;
}

export interface GroupMetadataRecord {
  protocolType: string;
  generation: number;
  protocol: string | null;
  leader: string | null;
  /** -1 in values before version 2 */
  currentStateTimestamp: number;
  members: GroupMemberRecord[];
}

export type GroupLogKey =
  | { type: 'offset'; group: string; topic: string; partition: number }
  | { type: 'group'; group: string }
  | { type: 'other'; version: number };

function encodeVersioned(schema: MessageSchema, version: number, value: Record<string, unknown>): Buffer {
  const w = new Writer(64);
  w.int16(version);
  encodeMessage(schema, version, value, w);
  return w.toBuffer();
}

export function encodeOffsetCommitKey(group: string, topic: string, partition: number): Buffer {
  return encodeVersioned(OffsetCommitKey, OFFSET_COMMIT_KEY_VERSION, { group, topic, partition });
}

export function encodeOffsetCommitValue(v: OffsetCommitRecord): Buffer {
  return encodeVersioned(OffsetCommitValue, OFFSET_COMMIT_VALUE_VERSION, {
    offset: v.offset, leaderEpoch: v.leaderEpoch, metadata: v.metadata, commitTimestamp: v.commitTimestamp,
  });
}

export function encodeGroupMetadataKey(group: string): Buffer {
  return encodeVersioned(GroupMetadataKey, GROUP_METADATA_KEY_VERSION, { group });
}

export function encodeGroupMetadataValue(v: GroupMetadataRecord): Buffer {
  return encodeVersioned(GroupMetadataValue, GROUP_METADATA_VALUE_VERSION, {
    protocolType: v.protocolType, generation: v.generation, protocol: v.protocol, leader: v.leader,
    currentStateTimestamp: v.currentStateTimestamp, members: v.members,
  });
}

/** Which record a __consumer_offsets key belongs to. Throws ProtocolError on malformed bytes. */
export function decodeGroupLogKey(buf: Buffer): GroupLogKey {
  const r = new Reader(buf);
  const version = r.int16();
  if (version === 0 || version === 1) {
    const k = decodeMessage(OffsetCommitKey, version, r);
    return { type: 'offset', group: k.group, topic: k.topic, partition: k.partition };
  }
  if (version === 2) return { type: 'group', group: decodeMessage(GroupMetadataKey, version, r).group };
  return { type: 'other', version };
}

/** An OffsetCommitValue of any version (0-4). Throws ProtocolError on malformed bytes or an unknown version. */
export function decodeOffsetCommitValue(buf: Buffer): OffsetCommitRecord {
  const r = new Reader(buf);
  const v = decodeMessage(OffsetCommitValue, r.int16(), r);
  return { offset: v.offset, leaderEpoch: v.leaderEpoch, metadata: v.metadata, commitTimestamp: v.commitTimestamp };
}

/**
 * A GroupMetadataValue of any version (0-4); members' subscription and assignment are views into
 * `buf`. Before version 1 a member has no rebalance timeout: it is its session timeout, as in Kafka.
 * Throws ProtocolError on malformed bytes or an unknown version.
 */
export function decodeGroupMetadataValue(buf: Buffer): GroupMetadataRecord {
  const r = new Reader(buf);
  const version = r.int16();
  const v = decodeMessage(GroupMetadataValue, version, r);
  const members: GroupMemberRecord[] = [];
  for (const m of v.members) {
    members.push({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      rebalanceTimeout: version >= 1 ? m.rebalanceTimeout : m.sessionTimeout,
      sessionTimeout: m.sessionTimeout,
      subscription: m.subscription,
      assignment: m.assignment,
    });
  }
  return {
    protocolType: v.protocolType, generation: v.generation, protocol: v.protocol, leader: v.leader,
    currentStateTimestamp: v.currentStateTimestamp, members,
  };
}
