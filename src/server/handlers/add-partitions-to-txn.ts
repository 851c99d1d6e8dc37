// AddPartitionsToTxn (24), versions 0-5: the partitions a transactional producer is about to
// write join its open transaction. v0-3 carry one transaction; v4+ a batch of them (as brokers
// send it, verifyOnly included). Unknown partitions fail and the rest are OPERATION_NOT_ATTEMPTED.
import { ErrorCode } from '../../protocol/errors.js';
import type { AddPartitionsToTxnResponseData } from '../../protocol/messages/index.js';
import { handler, type RequestContext, type RequestOf, type ResponseOf } from '../dispatcher.js';
import { hasPartition } from './partition-tasks.js';
import { fencedAs } from './txn-common.js';

type Transaction = RequestOf<'AddPartitionsToTxn'>['transactions'][number];

async function addOne(ctx: RequestContext, t: Transaction): Promise<AddPartitionsToTxnResponseData.AddPartitionsToTxnTopicResult[]> {
  const { topics, transactions } = ctx;
  const unknown = (name: string, p: number): boolean => !hasPartition(topics.get(name), p);
  const anyUnknown = t.topics.some((tp) => tp.partitions.some((p) => unknown(tp.name, p)));
  let errorCode: number;
  if (anyUnknown) errorCode = ErrorCode.OPERATION_NOT_ATTEMPTED;
  else if (t.verifyOnly) {
    const txn = transactions.check(t.transactionalId, t.producerId, t.producerEpoch);
    errorCode = typeof txn === 'number' ? txn
      : t.topics.every((tp) => tp.partitions.every((p) => txn.partitions.get(tp.name)?.has(p))) ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE;
  } else {
    errorCode = await transactions.addPartitions(t.transactionalId, t.producerId, t.producerEpoch, t.topics.flatMap((tp) => tp.partitions.map((partition) => ({ topic: tp.name, partition }))));
  }
  errorCode = fencedAs(errorCode, ctx.header.apiVersion, 2);
  return t.topics.map((tp) => ({
    name: tp.name,
    resultsByPartition: tp.partitions.map((p) => ({
      partitionIndex: p,
      partitionErrorCode: anyUnknown ? (unknown(tp.name, p) ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.OPERATION_NOT_ATTEMPTED) : errorCode,
    })),
  }));
}

export const addPartitionsToTxn = handler('AddPartitionsToTxn', {
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, req): Promise<ResponseOf<'AddPartitionsToTxn'>> {
    if (ctx.header.apiVersion < 4) {
      const results = await addOne(ctx, {
        transactionalId: req.v3AndBelowTransactionalId, producerId: req.v3AndBelowProducerId,
        producerEpoch: req.v3AndBelowProducerEpoch, verifyOnly: false, topics: req.v3AndBelowTopics,
      });
      return { throttleTimeMs: 0, resultsByTopicV3AndBelow: results };
    }
    const resultsByTransaction = [];
    for (const t of req.transactions) resultsByTransaction.push({ transactionalId: t.transactionalId, topicResults: await addOne(ctx, t) });
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, resultsByTransaction };
  },
});
