// TxnOffsetCommit (28), versions 0-4: offsets committed inside a transaction. Written to
// __consumer_offsets as a transactional batch of the producer; they become the group's offsets when
// the transaction commits and vanish if it aborts. From v3 the group member is checked like an
// OffsetCommit (generation, member id, instance id).
import { ErrorCode } from '../../protocol/errors.js';
import { ApiKey } from '../../protocol/messages/index.js';
import { GROUP_METADATA_TOPIC } from '../../groups/group-log.js';
import type { CommittedOffset, OffsetKey } from '../../groups/offsets.js';
import type { ApiHandler } from '../dispatcher.js';
import { groupRequestError } from './group-common.js';
import { fencedAs } from './txn-common.js';

interface CommitPartition { partitionIndex: number; committedOffset: number; committedLeaderEpoch: number; committedMetadata: string | null }
interface CommitTopic { name: string; partitions: CommitPartition[] }

export const txnOffsetCommit: ApiHandler = {
  apiKey: ApiKey.TxnOffsetCommit,
  minVersion: 0,
  maxVersion: 4,
  async handle(ctx, req) {
    const v = ctx.header.apiVersion;
    const { groups, transactions, topics, config } = ctx;
    const groupId = req.groupId as string;
    const requested = req.topics as CommitTopic[];
    const codes: number[][] = requested.map((t) => t.partitions.map((): number => ErrorCode.NONE));
    const answer = () => ({
      throttleTimeMs: 0,
      topics: requested.map((t, ti) => ({ name: t.name, partitions: t.partitions.map((p, pi) => ({ partitionIndex: p.partitionIndex, errorCode: codes[ti]![pi]! })) })),
    });
    let problem = groupRequestError(ctx, groupId);
    if (problem === ErrorCode.NONE) {
      const txn = transactions.check(req.transactionalId as string, req.producerId as number, req.producerEpoch as number);
      if (typeof txn === 'number') problem = txn;
      else if (!txn.partitions.get(GROUP_METADATA_TOPIC)?.has(groups.log.partitionFor(groupId))) problem = ErrorCode.INVALID_TXN_STATE;
    }
    if (problem === ErrorCode.NONE && v >= 3 && ((req.generationId as number) >= 0 || (req.memberId as string) !== '')) {
      problem = groups.validateCommit(groups.groups.get(groupId), req.memberId as string, req.groupInstanceId as string | null, req.generationId as number, 9);
    }
    if (problem !== ErrorCode.NONE) {
      const code = fencedAs(problem, v, 3);
      for (const c of codes) c.fill(code);
      return answer();
    }
    const now = Date.now();
    const commits: (OffsetKey & CommittedOffset)[] = [];
    const slots: [number, number][] = [];
    requested.forEach((t, ti) => {
      const topic = topics.get(t.name);
      t.partitions.forEach((p, pi) => {
        const metadata = p.committedMetadata ?? '';
        if (topic === undefined || p.partitionIndex < 0 || p.partitionIndex >= topic.partitions) codes[ti]![pi] = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        else if (Buffer.byteLength(metadata) > config.offsetMetadataMaxBytes) codes[ti]![pi] = ErrorCode.OFFSET_METADATA_TOO_LARGE;
        else {
          commits.push({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, leaderEpoch: v >= 2 ? p.committedLeaderEpoch : -1, metadata, commitTimestamp: now });
          slots.push([ti, pi]);
        }
      });
    });
    if (commits.length > 0) {
      const errorCode = await groups.commitInTransaction(groupId, req.producerId as number, req.producerEpoch as number, commits);
      for (const [ti, pi] of slots) codes[ti]![pi] = errorCode;
    }
    return answer();
  },
};
