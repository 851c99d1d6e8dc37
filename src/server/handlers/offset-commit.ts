// OffsetCommit (8), versions 0-9: commits a group's offsets, checked against its generation (or
// KIP-848 member epoch), written to __consumer_offsets before the answer. A commit without a
// generation from outside group management is allowed while the group has no members; v0 carries
// no generation, so it is always such a commit (Kafka kept v0 offsets in ZooKeeper, and in KRaft
// mode answers it UNSUPPORTED_VERSION; here they are the group's offsets like any other). v1's
// per-partition commit timestamp is kept when given (-1: now). The per-request retention time of
// v2-4 is ignored (offsets.retention.minutes applies), as Kafka does since 2.1 for groups.
import { ErrorCode } from '../../protocol/errors.js';
import { ApiKey } from '../../protocol/messages/index.js';
import type { CommittedOffset, OffsetKey } from '../../groups/offsets.js';
import type { ApiHandler } from '../dispatcher.js';
import { groupRequestError } from './group-common.js';

interface CommitPartition { partitionIndex: number; committedOffset: number; committedLeaderEpoch: number; commitTimestamp: number; committedMetadata: string | null }
interface CommitTopic { name: string; partitions: CommitPartition[] }

export const offsetCommit: ApiHandler = {
  apiKey: ApiKey.OffsetCommit,
  minVersion: 0,
  maxVersion: 9,
  async handle(ctx, req) {
    const v = ctx.header.apiVersion;
    const { groups, topics, config } = ctx;
    const groupId = req.groupId as string;
    const requested = req.topics as CommitTopic[];
    const codes: number[][] = requested.map((t) => t.partitions.map((): number => ErrorCode.NONE));
    const answer = () => ({
      throttleTimeMs: 0,
      topics: requested.map((t, ti) => ({ name: t.name, partitions: t.partitions.map((p, pi) => ({ partitionIndex: p.partitionIndex, errorCode: codes[ti]![pi]! })) })),
    });
    let problem = groupRequestError(ctx, groupId);
    if (problem === ErrorCode.NONE) {
      problem = groups.validateCommit(groups.groups.get(groupId), req.memberId as string, v >= 7 ? req.groupInstanceId as string | null : null, req.generationIdOrMemberEpoch as number, v);
    }
    if (problem !== ErrorCode.NONE) {
      for (const c of codes) c.fill(problem);
      return answer();
    }
    const now = Date.now();
    const commits: (OffsetKey & CommittedOffset)[] = [];
    const slots: [number, number][] = [];
    requested.forEach((t, ti) => {
      const topic = topics.get(t.name);
      t.partitions.forEach((p, pi) => {
        const metadata = p.committedMetadata ?? '';
        if (topic === undefined || p.partitionIndex < 0 || p.partitionIndex >= topic.partitions) codes[ti]![pi] = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        else if (Buffer.byteLength(metadata) > config.offsetMetadataMaxBytes) codes[ti]![pi] = ErrorCode.OFFSET_METADATA_TOO_LARGE;
        else {
          const commitTimestamp = v === 1 && p.commitTimestamp >= 0 ? p.commitTimestamp : now;
          commits.push({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, leaderEpoch: v >= 6 ? p.committedLeaderEpoch : -1, metadata, commitTimestamp });
          slots.push([ti, pi]);
        }
      });
    });
    if (commits.length > 0) {
      const errorCode = await groups.commit(groupId, commits);
      for (const [ti, pi] of slots) codes[ti]![pi] = errorCode;
    }
    return answer();
  },
};
