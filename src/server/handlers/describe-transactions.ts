// DescribeTransactions (65), version 0: the state, producer, timeout and partitions of each
// transactional id; an unknown one is TRANSACTIONAL_ID_NOT_FOUND.
import { ErrorCode } from '../../protocol/errors.js';
import { TXN_STATE_NAMES } from '../../transactions/coordinator.js';
import { handler, type ResponseOf } from '../dispatcher.js';

export const describeTransactions = handler('DescribeTransactions', {
  minVersion: 0,
  maxVersion: 0,
  handle(ctx, req): ResponseOf<'DescribeTransactions'> {
    const { transactions } = ctx;
    return {
      throttleTimeMs: 0,
      transactionStates: req.transactionalIds.map((transactionalId) => {
        const txn = transactions.transactions.get(transactionalId);
        const errorCode = transactions.status !== ErrorCode.NONE ? transactions.status : txn === undefined ? ErrorCode.TRANSACTIONAL_ID_NOT_FOUND : ErrorCode.NONE;
        if (txn === undefined || errorCode !== ErrorCode.NONE) {
          return { errorCode, transactionalId, transactionState: '', transactionTimeoutMs: 0, transactionStartTimeMs: -1, producerId: -1, producerEpoch: -1, topics: [] };
        }
        return {
          errorCode, transactionalId, transactionState: TXN_STATE_NAMES[txn.state] ?? 'Dead', transactionTimeoutMs: txn.timeoutMs,
          transactionStartTimeMs: txn.startMs, producerId: txn.producerId, producerEpoch: txn.producerEpoch,
          topics: [...txn.partitions].map(([topic, ps]) => ({ topic, partitions: [...ps].sort((a, b) => a - b) })),
        };
      }),
    };
  },
});
