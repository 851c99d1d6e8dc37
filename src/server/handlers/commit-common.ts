// What OffsetCommit and TxnOffsetCommit share: each partition of the request is checked (a known
// topic and partition, metadata within offset.metadata.max.bytes), those that pass are written
// together, and every partition is answered in the request's order. A partition's leader epoch is
// -1 in the versions before the field (the decoder's default).
import type { TopicRegistry } from '../../cluster/topics.js';
import type { BrokerConfig } from '../../config/index.js';
import type { CommittedOffset, OffsetKey } from '../../groups/offsets.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { RequestOf, ResponseOf } from '../dispatcher.js';
import { hasPartition } from './partition-tasks.js';

/** A partition of either request (OffsetCommit's v1 also carries a commit timestamp). */
type CommitPartition = RequestOf<'TxnOffsetCommit'>['topics'][number]['partitions'][number];
/** A topic of either response. */
type CommitTopicResult = ResponseOf<'TxnOffsetCommit'>['topics'][number];
/** What the checks read of the request's context. */
export interface CommitChecks { topics: Pick<TopicRegistry, 'get'>; config: Pick<BrokerConfig, 'offsetMetadataMaxBytes'> }

/**
 * Answers `problem` for every partition when the request is refused (not NONE); else each
 * partition's own error, or for those written the error code `write` answers. `stamp` gives a
 * partition's commit timestamp, `now` unless the request names one.
 */
export async function commitOffsets<P extends CommitPartition>(
  ctx: CommitChecks, topics: readonly { name: string; partitions: readonly P[] }[], problem: number,
  stamp: (partition: P, now: number) => number, write: (commits: (OffsetKey & CommittedOffset)[]) => Promise<number>,
): Promise<CommitTopicResult[]> {
  const codes = topics.map((t) => t.partitions.map((): number => problem));
  if (problem === ErrorCode.NONE) {
    const now = Date.now();
    const commits: (OffsetKey & CommittedOffset)[] = [];
    const slots: [number, number][] = [];
    topics.forEach((t, ti) => {
      const topic = ctx.topics.get(t.name);
      t.partitions.forEach((p, pi) => {
        const metadata = p.committedMetadata ?? '';
        if (!hasPartition(topic, p.partitionIndex)) codes[ti]![pi] = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        else if (Buffer.byteLength(metadata) > ctx.config.offsetMetadataMaxBytes) codes[ti]![pi] = ErrorCode.OFFSET_METADATA_TOO_LARGE;
        else {
          commits.push({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch, metadata, commitTimestamp: stamp(p, now) });
          slots.push([ti, pi]);
        }
      });
    });
    if (commits.length > 0) {
      const errorCode = await write(commits);
      for (const [ti, pi] of slots) codes[ti]![pi] = errorCode;
    }
  }
  return topics.map((t, ti) => ({ name: t.name, partitions: t.partitions.map((p, pi) => ({ partitionIndex: p.partitionIndex, errorCode: codes[ti]![pi]! })) }));
}
