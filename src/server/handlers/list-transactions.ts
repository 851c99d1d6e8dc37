// ListTransactions (66), versions 0-1: every transactional id, filtered by state, by producer id,
// and (v1) by running longer than a duration. Unknown state names are echoed back.
import { ErrorCode } from '../../protocol/errors.js';
import { TXN_STATE_NAMES, TxnState } from '../../transactions/coordinator.js';
import { handler, type ResponseOf } from '../dispatcher.js';

export const listTransactions = handler('ListTransactions', {
  minVersion: 0,
  maxVersion: 1,
  handle(ctx, req): ResponseOf<'ListTransactions'> {
    const { transactions } = ctx;
    const states = req.stateFilters;
    const producerIds = new Set(req.producerIdFilters);
    const duration = req.durationFilter; // -1 in v0 (the decoder's default): no filter
    const unknownStateFilters = states.filter((s) => !TXN_STATE_NAMES.includes(s));
    if (transactions.status !== ErrorCode.NONE) return { throttleTimeMs: 0, errorCode: transactions.status, unknownStateFilters, transactionStates: [] };
    const now = Date.now();
    const listed = [...transactions.transactions.values()].filter((t) => {
      const name = TXN_STATE_NAMES[t.state] ?? 'Dead';
      if (states.length > 0 && !states.includes(name)) return false;
      if (producerIds.size > 0 && !producerIds.has(t.producerId)) return false;
      if (duration >= 0 && !(t.state === TxnState.Ongoing && now - t.startMs >= duration)) return false;
      return true;
    });
    return {
      throttleTimeMs: 0, errorCode: ErrorCode.NONE, unknownStateFilters,
      transactionStates: listed.map((t) => ({ transactionalId: t.transactionalId, producerId: t.producerId, transactionState: TXN_STATE_NAMES[t.state] ?? 'Dead' })),
    };
  },
});
