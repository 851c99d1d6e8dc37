// AddOffsetsToTxn (25), versions 0-4: a transactional producer will commit a group's offsets in
// its transaction (TxnOffsetCommit); the group's __consumer_offsets partition joins the transaction.
import { ErrorCode } from '../../protocol/errors.js';
import { ApiKey } from '../../protocol/messages/index.js';
import { GROUP_METADATA_TOPIC } from '../../groups/group-log.js';
import type { ApiHandler } from '../dispatcher.js';
import { groupRequestError } from './group-common.js';
import { fencedAs } from './txn-common.js';

export const addOffsetsToTxn: ApiHandler = {
  apiKey: ApiKey.AddOffsetsToTxn,
  minVersion: 0,
  maxVersion: 4,
  async handle(ctx, req) {
    const { groups, transactions } = ctx;
    const problem = groupRequestError(ctx, req.groupId as string);
    if (problem !== ErrorCode.NONE) return { throttleTimeMs: 0, errorCode: problem };
    const ready = await groups.log.ensure();
    if (ready !== ErrorCode.NONE) return { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE };
    const partition = groups.log.partitionFor(req.groupId as string);
    const errorCode = await transactions.addPartitions(req.transactionalId as string, req.producerId as number, req.producerEpoch as number, [{ topic: GROUP_METADATA_TOPIC, partition }]);
    return { throttleTimeMs: 0, errorCode: fencedAs(errorCode, ctx.header.apiVersion, 2) };
  },
};
