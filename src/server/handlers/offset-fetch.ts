// OffsetFetch (9), versions 0-9 (v0 reads the offsets every version commits; Kafka read v0's from
// ZooKeeper, and in KRaft mode answers it UNSUPPORTED_VERSION): a group's committed offsets, of the partitions asked or (v2+,
// topics null) of every partition it committed; from v8 several groups in one request, and from
// v9 a KIP-848 member's epoch is checked. No committed offset answers -1. With requireStable
// (v7+), a partition with an offset committed by a transaction still open is UNSTABLE_OFFSET_COMMIT.
import { ErrorCode } from '../../protocol/errors.js';
import type { OffsetFetchResponseData } from '../../protocol/messages/index.js';
import { ConsumerGroup } from '../../groups/consumer-group.js';
import { handler, type RequestContext, type RequestOf, type ResponseOf } from '../dispatcher.js';
import { groupRequestError } from './group-common.js';

/** One group asked about (v8+ asks several; before v8 the request is one such group). */
type GroupQuery = RequestOf<'OffsetFetch'>['groups'][number];
type FetchTopic = NonNullable<GroupQuery['topics']>[number];
type FetchedGroup = Pick<OffsetFetchResponseData.OffsetFetchResponseGroup, 'errorCode' | 'topics'>;
type FetchedPartition = OffsetFetchResponseData.OffsetFetchResponsePartitions;

function fetchGroup(ctx: RequestContext, q: GroupQuery, requireStable: boolean): FetchedGroup {
  const { groups } = ctx;
  let errorCode = groupRequestError(ctx, q.groupId);
  const group = groups.groups.get(q.groupId);
  if (errorCode === ErrorCode.NONE && group instanceof ConsumerGroup && (q.memberId !== null || q.memberEpoch >= 0)) {
    errorCode = group.validateOffsetFetch(q.memberId, q.memberEpoch);
  }
  if (errorCode !== ErrorCode.NONE) {
    return { errorCode, topics: (q.topics ?? []).map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((p) => unknown(p, errorCode)) })) };
  }
  const asked: FetchTopic[] = q.topics ?? [...groups.offsets.topicsOf(q.groupId)].map(([name, ps]) => ({ name, partitionIndexes: [...ps.keys()].sort((a, b) => a - b) }));
  return {
    errorCode,
    topics: asked.map((t) => ({
      name: t.name,
      partitions: t.partitionIndexes.map((p) => {
        if (requireStable && groups.hasPendingOffset(q.groupId, t.name, p)) return unknown(p, ErrorCode.UNSTABLE_OFFSET_COMMIT);
        const c = groups.offsets.get(q.groupId, t.name, p);
        if (c === undefined) return unknown(p, ErrorCode.NONE);
        return { partitionIndex: p, committedOffset: c.offset, committedLeaderEpoch: c.leaderEpoch, metadata: c.metadata, errorCode: ErrorCode.NONE };
      }),
    })),
  };
}

function unknown(partitionIndex: number, errorCode: number): FetchedPartition {
  return { partitionIndex, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode };
}

export const offsetFetch = handler('OffsetFetch', {
  minVersion: 0,
  maxVersion: 9,
  handle(ctx, req): ResponseOf<'OffsetFetch'> {
    const v = ctx.header.apiVersion;
    if (v >= 8) {
      return {
        throttleTimeMs: 0,
        groups: req.groups.map((q) => ({ groupId: q.groupId, ...fetchGroup(ctx, { ...q, memberId: v >= 9 ? q.memberId : null, memberEpoch: v >= 9 ? q.memberEpoch : -1 }, req.requireStable) })),
      };
    }
    const r = fetchGroup(ctx, { groupId: req.groupId, memberId: null, memberEpoch: -1, topics: req.topics }, v >= 7 && req.requireStable);
    // v0-1 have no top-level error: each partition carries it.
    return { throttleTimeMs: 0, errorCode: r.errorCode, topics: r.topics };
  },
});
