// InitProducerId (22), versions 0-5. An idempotent producer (transactional id null) gets a new
// producer id from the broker's ProducerIdManager and epoch 0, whatever id and epoch it sends (as
// Kafka: it starts its sequences over under the new id). A transactional producer is answered by the
// transaction coordinator (ctx.broker.transactions); COORDINATOR_NOT_AVAILABLE while there is none.
import { ErrorCode } from '../../protocol/errors.js';
import { ApiKey } from '../../protocol/messages/index.js';
import type { ApiHandler } from '../dispatcher.js';

interface InitResult { errorCode: number; producerId: number; producerEpoch: number }
interface TransactionsLike {
  initProducerId(transactionalId: string, transactionTimeoutMs: number, producerId: number, producerEpoch: number): Promise<InitResult>;
}

export const initProducerId: ApiHandler = {
  apiKey: ApiKey.InitProducerId,
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, req) {
    const answer = (r: InitResult) => ({ throttleTimeMs: 0, errorCode: r.errorCode, producerId: r.producerId, producerEpoch: r.producerEpoch });
    const fail = (errorCode: number) => answer({ errorCode, producerId: -1, producerEpoch: -1 });
    const transactionalId = req.transactionalId as string | null;
    if (transactionalId === null) {
      try {
        return answer({ errorCode: ErrorCode.NONE, producerId: ctx.broker.producerIds.generateProducerId(), producerEpoch: 0 });
      } catch (err) {
        ctx.conn.log.error({ err }, 'could not allocate a block of producer ids');
        return fail(ErrorCode.UNKNOWN_SERVER_ERROR);
      }
    }
    const transactions = (ctx.broker as unknown as { transactions?: TransactionsLike }).transactions;
    if (transactions === undefined) return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    const producerId = ctx.header.apiVersion >= 3 ? (req.producerId as number) : -1;
    const producerEpoch = ctx.header.apiVersion >= 3 ? (req.producerEpoch as number) : -1;
    return answer(await transactions.initProducerId(transactionalId, req.transactionTimeoutMs as number, producerId, producerEpoch));
  },
};
