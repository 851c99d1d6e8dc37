// OffsetFetch (9), versions 0-9 (v0 reads the offsets every version commits; Kafka read v0's from
// ZooKeeper, and in KRaft mode answers it UNSUPPORTED_VERSION): a group's committed offsets, of the partitions asked or (v2+,
// topics null) of every partition it committed; from v8 several groups in one request, and from
// v9 a KIP-848 member's epoch is checked. No committed offset answers -1. With requireStable
// (v7+), a partition with an offset committed by a transaction still open is UNSTABLE_OFFSET_COMMIT.
import { ErrorCode } from '../../protocol/errors.js';
import { ApiKey } from '../../protocol/messages/index.js';
import { ConsumerGroup } from '../../groups/consumer-group.js';
import type { ApiHandler, RequestContext } from '../dispatcher.js';
import { groupRequestError } from './group-common.js';

interface FetchTopic { name: string; partitionIndexes: number[] }
interface GroupQuery { groupId: string; memberId: string | null; memberEpoch: number; topics: FetchTopic[] | null }

function fetchGroup(ctx: RequestContext, q: GroupQuery, requireStable: boolean) {
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

function unknown(partitionIndex: number, errorCode: number) {
  return { partitionIndex, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode };
}

export const offsetFetch: ApiHandler = {
  apiKey: ApiKey.OffsetFetch,
  minVersion: 0,
  maxVersion: 9,
  handle(ctx, req) {
    const v = ctx.header.apiVersion;
    if (v >= 8) {
      const queries = req.groups as GroupQuery[];
      return {
        throttleTimeMs: 0,
        groups: queries.map((q) => ({ groupId: q.groupId, ...fetchGroup(ctx, { ...q, memberId: v >= 9 ? q.memberId : null, memberEpoch: v >= 9 ? q.memberEpoch : -1 }, req.requireStable === true) })),
      };
    }
    const r = fetchGroup(ctx, { groupId: req.groupId as string, memberId: null, memberEpoch: -1, topics: req.topics as FetchTopic[] | null }, v >= 7 && req.requireStable === true);
    // v0-1 have no top-level error: each partition carries it.
    return { throttleTimeMs: 0, errorCode: r.errorCode, topics: r.topics };
  },
};
