// AddOffsetsToTxn (25), versions 0-4: a transactional producer will commit a group's offsets in
// its transaction (TxnOffsetCommit); the group's __consumer_offsets partition joins the transaction.
import { ErrorCode } from '../../protocol/errors.js';
import { GROUP_METADATA_TOPIC } from '../../groups/group-log.js';
import { handler, type ResponseOf } from '../dispatcher.js';
import { groupRequestError } from './group-common.js';
import { fencedAs } from './txn-common.js';

export const addOffsetsToTxn = handler('AddOffsetsToTxn', {
  minVersion: 0,
  maxVersion: 4,
  async handle(ctx, req): Promise<ResponseOf<'AddOffsetsToTxn'>> {
    const { groups, transactions } = ctx;
    const problem = groupRequestError(ctx, req.groupId);
    if (problem !== ErrorCode.NONE) return { throttleTimeMs: 0, errorCode: problem };
    const ready = await groups.log.ensure();
    if (ready !== ErrorCode.NONE) return { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE };
    const partition = groups.log.partitionFor(req.groupId);
    const errorCode = await transactions.addPartitions(req.transactionalId, req.producerId, req.producerEpoch, [{ topic: GROUP_METADATA_TOPIC, partition }]);
    return { throttleTimeMs: 0, errorCode: fencedAs(errorCode, ctx.header.apiVersion, 2) };
  },
});
