// EndTxn (26), versions 0-5: commits or aborts the producer's open transaction. The answer comes
// once the markers are in every partition of the transaction. v5 answers the producer id and
// epoch (unchanged here: the epoch is bumped per transaction only with transaction version 2).
import { ErrorCode } from '../../protocol/errors.js';
import { handler, type ResponseOf } from '../dispatcher.js';
import { fencedAs } from './txn-common.js';

export const endTxn = handler('EndTxn', {
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, req): Promise<ResponseOf<'EndTxn'>> {
    ctx.memory.park();
    const errorCode = await ctx.transactions.endTxn(req.transactionalId, req.producerId, req.producerEpoch, req.committed);
    const ok = errorCode === ErrorCode.NONE;
    return {
      throttleTimeMs: 0, errorCode: fencedAs(errorCode, ctx.header.apiVersion, 2),
      producerId: ok ? req.producerId : -1, producerEpoch: ok ? req.producerEpoch : -1,
    };
  },
});
