// OffsetCommit (8), versions 0-9: commits a group's offsets, checked against its generation (or
// KIP-848 member epoch), written to __consumer_offsets before the answer. A commit without a
// generation from outside group management is allowed while the group has no members; v0 carries
// no generation, so it is always such a commit (Kafka kept v0 offsets in ZooKeeper, and in KRaft
// mode answers it UNSUPPORTED_VERSION; here they are the group's offsets like any other). v1's
// per-partition commit timestamp is kept when given (-1: now). The per-request retention time of
// v2-4 is ignored (offsets.retention.minutes applies), as Kafka does since 2.1 for groups.
import { ErrorCode } from '../../protocol/errors.js';
import { handler, type ResponseOf } from '../dispatcher.js';
import { commitOffsets } from './commit-common.js';
import { groupRequestError } from './group-common.js';

export const offsetCommit = handler('OffsetCommit', {
  minVersion: 0,
  maxVersion: 9,
  async handle(ctx, req): Promise<ResponseOf<'OffsetCommit'>> {
    const v = ctx.header.apiVersion;
    const { groups } = ctx;
    let problem = groupRequestError(ctx, req.groupId);
    if (problem === ErrorCode.NONE) {
      problem = groups.validateCommit(groups.groups.get(req.groupId), req.memberId, v >= 7 ? req.groupInstanceId : null, req.generationIdOrMemberEpoch, v);
    }
    // commitTimestamp is -1 in every version but v1 (the decoder's default)
    const topics = await commitOffsets(ctx, req.topics, problem, (p, now) => (p.commitTimestamp >= 0 ? p.commitTimestamp : now),
      (commits) => groups.commit(req.groupId, commits));
    return { throttleTimeMs: 0, topics };
  },
});
