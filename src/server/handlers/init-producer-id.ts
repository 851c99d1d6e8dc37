// InitProducerId (22), versions 0-5. From v3 a producer may name its producer id and epoch (KIP-360):
// both -1, or neither, else INVALID_REQUEST, whatever the transactional id (as Kafka's KafkaApis). An
// idempotent producer (transactional id null) gets a new producer id from the broker's
// ProducerIdManager and epoch 0, whatever id and epoch it names (as Kafka: it starts its sequences
// over under the new id). A transactional producer is answered by the transaction coordinator, which
// fences the id's previous producer by its epoch (PRODUCER_FENCED, INVALID_PRODUCER_EPOCH before v4).
import { ErrorCode } from '../../protocol/errors.js';
import { handler, type ResponseOf } from '../dispatcher.js';
import type { InitResult, ProducerIdAndEpoch } from '../../transactions/coordinator.js';
import { fencedAs } from './txn-common.js';

export const initProducerId = handler('InitProducerId', {
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, req): Promise<ResponseOf<'InitProducerId'>> {
    const answer = (r: InitResult): ResponseOf<'InitProducerId'> => ({ throttleTimeMs: 0, errorCode: r.errorCode, producerId: r.producerId, producerEpoch: r.producerEpoch });
    const fail = (errorCode: number) => answer({ errorCode, producerId: -1, producerEpoch: -1 });
    const { producerId, producerEpoch, transactionalId } = req; // both -1 before v3 (the decoder's default)
    if ((producerId === -1) !== (producerEpoch === -1)) return fail(ErrorCode.INVALID_REQUEST);
    const expected: ProducerIdAndEpoch | null = producerId === -1 ? null : { producerId, producerEpoch };
    if (transactionalId === null) {
      try {
        return answer({ errorCode: ErrorCode.NONE, producerId: ctx.producerIds.generateProducerId(), producerEpoch: 0 });
      } catch (err) {
        // as Kafka when it has no block of ids: retriable, and the next request tries again
        ctx.conn.log.error({ err }, 'could not allocate a block of producer ids');
        return fail(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
      }
    }
    if (transactionalId === '') return fail(ErrorCode.INVALID_REQUEST);
    const r = await ctx.transactions.initProducerId(transactionalId, req.transactionTimeoutMs, expected);
    return answer({ ...r, errorCode: fencedAs(r.errorCode, ctx.header.apiVersion, 4) });
  },
});
