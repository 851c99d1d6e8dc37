// TxnOffsetCommit (28), versions 0-4: offsets committed inside a transaction. Written to
// __consumer_offsets as a transactional batch of the producer; they become the group's offsets when
// the transaction commits and vanish if it aborts. From v3 the group member is checked like an
// OffsetCommit (generation, member id, instance id).
import { ErrorCode } from '../../protocol/errors.js';
import { GROUP_METADATA_TOPIC } from '../../groups/group-log.js';
import { handler, type ResponseOf } from '../dispatcher.js';
import { commitOffsets } from './commit-common.js';
import { groupRequestError } from './group-common.js';
import { fencedAs } from './txn-common.js';

export const txnOffsetCommit = handler('TxnOffsetCommit', {
  minVersion: 0,
  maxVersion: 4,
  async handle(ctx, req): Promise<ResponseOf<'TxnOffsetCommit'>> {
    const v = ctx.header.apiVersion;
    const { groups, transactions } = ctx;
    const { groupId, producerId, producerEpoch } = req;
    let problem = groupRequestError(ctx, groupId);
    if (problem === ErrorCode.NONE) {
      const txn = transactions.check(req.transactionalId, producerId, producerEpoch);
      if (typeof txn === 'number') problem = txn;
      else if (!txn.partitions.get(GROUP_METADATA_TOPIC)?.has(groups.log.partitionFor(groupId))) problem = ErrorCode.INVALID_TXN_STATE;
    }
    if (problem === ErrorCode.NONE && v >= 3 && (req.generationId >= 0 || req.memberId !== '')) {
      problem = groups.validateCommit(groups.groups.get(groupId), req.memberId, req.groupInstanceId, req.generationId, 9);
    }
    const topics = await commitOffsets(ctx, req.topics, fencedAs(problem, v, 3), (_, now) => now,
      (commits) => groups.commitInTransaction(groupId, producerId, producerEpoch, commits));
    return { throttleTimeMs: 0, topics };
  },
});
